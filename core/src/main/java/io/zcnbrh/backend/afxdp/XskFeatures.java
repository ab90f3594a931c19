package io.zcnbrh.backend.afxdp;

/**
 * What an AF_XDP socket asks of the kernel beyond plain packets.
 *
 * @param multiBuffer bind with XDP_USE_SG: a packet larger than a frame is a chain of descriptors (af_xdp.rst)
 * @param txMetadata  register the UMEM with room for {@code struct xsk_tx_metadata} before each transmitted packet
 *                    (xsk-tx-metadata.rst: checksum offload, launch time, completion timestamp where offered)
 */
public record XskFeatures(boolean multiBuffer, boolean txMetadata) {
    /** Plain packets: no multi-buffer, no TX metadata. */
    public static final XskFeatures NONE = new XskFeatures(false, false);
}
