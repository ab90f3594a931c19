package io.zcnbrh.bpf.link;

/** Where an XDP program runs (include/uapi/linux/if_link.h, XDP_FLAGS_*). */
public enum XdpMode {
    /** Generic XDP, after the skb is built: works on every interface (XDP_FLAGS_SKB_MODE). */
    SKB(1 << 1, 2),
    /** Native XDP in the driver, before any skb (XDP_FLAGS_DRV_MODE); veth has it. */
    DRIVER(1 << 2, 1);

    private final int flag;
    private final int attachedValue;

    XdpMode(int flag, int attachedValue) {
        this.flag = flag;
        this.attachedValue = attachedValue;
    }

    /** The XDP_FLAGS_* bit. */
    public int flag() {
        return flag;
    }

    /** The value IFLA_XDP_ATTACHED reports for this mode (XDP_ATTACHED_DRV = 1, XDP_ATTACHED_SKB = 2). */
    public int attachedValue() {
        return attachedValue;
    }

    /** The mode for an IFLA_XDP_ATTACHED value, or null (none, hardware, several). */
    public static XdpMode ofAttached(int value) {
        for (XdpMode m : values()) {
            if (m.attachedValue == value) {
                return m;
            }
        }
        return null;
    }
}
