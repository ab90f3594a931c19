package io.zcnbrh.netty;

import io.netty.channel.ChannelOption;
import io.zcnbrh.PortConfig;

/**
 * The options a {@link ZcnbrhDatagramChannel} takes besides Netty's own: which port to open under it, and how.
 * {@code bootstrap.option(ZcnbrhChannelOption.PORT_SPEC, "afxdp:eth1@0")}.
 */
public final class ZcnbrhChannelOption {
    /** The port spec the channel opens when it binds ({@code afxdp:IFACE@Q}, {@code zcnbrhd:}, {@code afpacket:}). */
    public static final ChannelOption<String> PORT_SPEC = ChannelOption.valueOf(ZcnbrhChannelOption.class,
        "PORT_SPEC");
    /** The port's configuration (ring sizes, backpressure, AF_XDP options); its program must be the default. */
    public static final ChannelOption<PortConfig> PORT_CONFIG = ChannelOption.valueOf(ZcnbrhChannelOption.class,
        "PORT_CONFIG");

    private ZcnbrhChannelOption() {
    }
}
