package io.zcnbrh;

import io.zcnbrh.bpf.link.XdpMode;
import io.zcnbrh.ring.RingLayout;

import java.util.Objects;

/**
 * What only an AF_XDP port uses: where XDP runs, the bind mode, need_wakeup, the RX ring's size and busy polling.
 * Start from {@link #defaults()} and change what differs: {@code AfXdpOptions.defaults().withXdpMode(XdpMode.SKB)}.
 *
 * @param xdpMode       native (DRIVER, default; falls back to SKB, announced) or generic (SKB) XDP
 * @param bindMode      AUTO (zero-copy when offered, default), COPY or ZEROCOPY
 * @param needWakeup    use the need_wakeup flags (default), so the kernel is only kicked when it asks
 * @param rxRingSize    RX ring entries, a power of two up to 65536; 0 (default): the port's ring size. Smaller than
 *                      the ring size, the kernel can hold more filled frames than the RX ring takes, and a slow
 *                      application shows as rx_ring_full instead of fill_ring_empty
 * @param busyPollMicros SO_BUSY_POLL in microseconds (0: off)
 * @param busyPollBudget SO_BUSY_POLL_BUDGET (0: the kernel's default)
 * @param preferBusyPoll SO_PREFER_BUSY_POLL
 * @param multiBuffer    whether packets larger than a frame arrive as a chain of frames (XDP_USE_SG): AUTO (default)
 *                       when the interface's MTU needs it, announced; ON always; OFF never (opening on an MTU a frame
 *                       cannot hold then fails, saying what to change)
 * @param rxMetadata     the device's receive hash and timestamp before each packet (xdp-rx-metadata.rst: the redirect
 *                       program is bound to the device and calls its metadata kfuncs; Linux 6.3+); read on
 *                       {@code Packet.rxHash()}, {@code deviceTimestampNanos()}; off by default (24 bytes written
 *                       per packet); not with a filter or a program of one's own
 * @param txMetadata     room for {@code struct xsk_tx_metadata} before each transmitted packet (xsk-tx-metadata.rst):
 *                       {@code AfXdpPort.offloadChecksum} and {@code launchAt} ask the kernel per packet; checksums
 *                       are computed in software in copy mode; the port says at open what this kernel and driver
 *                       offer (Linux 6.11+); off by default
 */
public record AfXdpOptions(XdpMode xdpMode, XskBindMode bindMode, boolean needWakeup, int rxRingSize,
                           int busyPollMicros, int busyPollBudget, boolean preferBusyPoll, MultiBuffer multiBuffer,
                           boolean rxMetadata, boolean txMetadata) {
    private static final AfXdpOptions DEFAULTS =
        new AfXdpOptions(XdpMode.DRIVER, XskBindMode.AUTO, true, 0, 0, 0, false, MultiBuffer.AUTO, false,
            false);

    /** When an AF_XDP socket takes multi-buffer packets (af_xdp.rst, multi-buffer). */
    public enum MultiBuffer {
        /** When the interface's MTU (plus Ethernet and VLAN headers) exceeds what one frame holds; announced. */
        AUTO,
        /** Always (a packet larger than a frame is never dropped for its size). */
        ON,
        /** Never: every packet fits one frame, or the port does not open. */
        OFF
    }

    /** Checks every value. */
    public AfXdpOptions {
        Objects.requireNonNull(xdpMode, "xdpMode");
        Objects.requireNonNull(bindMode, "bindMode");
        Objects.requireNonNull(multiBuffer, "multiBuffer");
        if (rxRingSize != 0) {
            RingLayout.checkSize(rxRingSize);
        }
        if (busyPollMicros < 0 || busyPollBudget < 0) {
            throw new IllegalArgumentException("busy poll time and budget must not be negative, were "
                + busyPollMicros + " us and " + busyPollBudget);
        }
    }

    /** Native XDP with fallback, AUTO bind, need_wakeup on, RX ring as large as the ring, no busy polling. */
    public static AfXdpOptions defaults() {
        return DEFAULTS;
    }

    /** These options with another XDP mode. */
    public AfXdpOptions withXdpMode(XdpMode v) {
        return new AfXdpOptions(v, bindMode, needWakeup, rxRingSize, busyPollMicros, busyPollBudget, preferBusyPoll,
            multiBuffer, rxMetadata, txMetadata);
    }

    /** These options with another bind mode. */
    public AfXdpOptions withBindMode(XskBindMode v) {
        return new AfXdpOptions(xdpMode, v, needWakeup, rxRingSize, busyPollMicros, busyPollBudget, preferBusyPoll,
            multiBuffer, rxMetadata, txMetadata);
    }

    /** These options with need_wakeup on or off. */
    public AfXdpOptions withNeedWakeup(boolean v) {
        return new AfXdpOptions(xdpMode, bindMode, v, rxRingSize, busyPollMicros, busyPollBudget, preferBusyPoll,
            multiBuffer, rxMetadata, txMetadata);
    }

    /** These options with another RX ring size (0: the ring size). */
    public AfXdpOptions withRxRingSize(int v) {
        return new AfXdpOptions(xdpMode, bindMode, needWakeup, v, busyPollMicros, busyPollBudget, preferBusyPoll,
            multiBuffer, rxMetadata, txMetadata);
    }

    /** These options with SO_BUSY_POLL microseconds, SO_BUSY_POLL_BUDGET and SO_PREFER_BUSY_POLL (0, 0, false: off). */
    public AfXdpOptions withBusyPoll(int micros, int budget, boolean prefer) {
        return new AfXdpOptions(xdpMode, bindMode, needWakeup, rxRingSize, micros, budget, prefer, multiBuffer,
            rxMetadata, txMetadata);
    }

    /** These options with another multi-buffer choice. */
    public AfXdpOptions withMultiBuffer(MultiBuffer v) {
        return new AfXdpOptions(xdpMode, bindMode, needWakeup, rxRingSize, busyPollMicros, busyPollBudget,
            preferBusyPoll, v, rxMetadata, txMetadata);
    }

    /** These options with the device's receive metadata on or off. */
    public AfXdpOptions withRxMetadata(boolean v) {
        return new AfXdpOptions(xdpMode, bindMode, needWakeup, rxRingSize, busyPollMicros, busyPollBudget,
            preferBusyPoll, multiBuffer, v, txMetadata);
    }

    /** These options with room for TX metadata on or off. */
    public AfXdpOptions withTxMetadata(boolean v) {
        return new AfXdpOptions(xdpMode, bindMode, needWakeup, rxRingSize, busyPollMicros, busyPollBudget,
            preferBusyPoll, multiBuffer, rxMetadata, v);
    }
}
