package io.zcnbrh.netty;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.MessageSizeEstimator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannelConfig;
import io.zcnbrh.PortConfig;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Map;

/**
 * The configuration of a {@link ZcnbrhDatagramChannel}: Netty's own settings, the port to open
 * ({@link ZcnbrhChannelOption}), and the socket options a DatagramChannel has. Those are kept and reported, and the
 * buffer sizes and TOS reach nothing: the fast path has rings, not socket buffers, and writes its own IP header.
 * Multicast and broadcast are not offered (the filter selects one unicast address), and say so when set.
 */
public final class ZcnbrhDatagramChannelConfig extends DefaultChannelConfig implements DatagramChannelConfig {
    private String portSpec;
    private PortConfig portConfig = PortConfig.defaults();
    private int sendBufferSize = 212_992;
    private int receiveBufferSize = 212_992;
    private int trafficClass;
    private boolean reuseAddress;
    private int timeToLive = 64;
    private volatile boolean activeOnRegistration;

    ZcnbrhDatagramChannelConfig(ZcnbrhDatagramChannel channel) {
        super(channel);
        setMaxMessagesPerRead(64);
    }

    /** The port spec set with {@link ZcnbrhChannelOption#PORT_SPEC}, or null. */
    public String portSpec() {
        return portSpec;
    }

    /** The port configuration set with {@link ZcnbrhChannelOption#PORT_CONFIG} (default: the library's). */
    public PortConfig portConfig() {
        return portConfig;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ZcnbrhChannelOption.PORT_SPEC, ZcnbrhChannelOption.PORT_CONFIG,
            ChannelOption.SO_SNDBUF, ChannelOption.SO_RCVBUF, ChannelOption.IP_TOS, ChannelOption.SO_REUSEADDR,
            ChannelOption.SO_BROADCAST, ChannelOption.IP_MULTICAST_TTL, ChannelOption.IP_MULTICAST_LOOP_DISABLED,
            ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ZcnbrhChannelOption.PORT_SPEC) {
            return (T) portSpec;
        } else if (option == ZcnbrhChannelOption.PORT_CONFIG) {
            return (T) portConfig;
        } else if (option == ChannelOption.SO_SNDBUF) {
            return (T) Integer.valueOf(sendBufferSize);
        } else if (option == ChannelOption.SO_RCVBUF) {
            return (T) Integer.valueOf(receiveBufferSize);
        } else if (option == ChannelOption.IP_TOS) {
            return (T) Integer.valueOf(trafficClass);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            return (T) Boolean.valueOf(reuseAddress);
        } else if (option == ChannelOption.SO_BROADCAST) {
            return (T) Boolean.FALSE;
        } else if (option == ChannelOption.IP_MULTICAST_TTL) {
            return (T) Integer.valueOf(timeToLive);
        } else if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            return (T) Boolean.TRUE;
        } else if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            return (T) Boolean.valueOf(activeOnRegistration);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ZcnbrhChannelOption.PORT_SPEC) {
            portSpec = (String) value;
        } else if (option == ZcnbrhChannelOption.PORT_CONFIG) {
            portConfig = (PortConfig) value;
        } else if (option == ChannelOption.SO_SNDBUF) {
            setSendBufferSize((Integer) value);
        } else if (option == ChannelOption.SO_RCVBUF) {
            setReceiveBufferSize((Integer) value);
        } else if (option == ChannelOption.IP_TOS) {
            setTrafficClass((Integer) value);
        } else if (option == ChannelOption.SO_REUSEADDR) {
            setReuseAddress((Boolean) value);
        } else if (option == ChannelOption.SO_BROADCAST) {
            setBroadcast((Boolean) value);
        } else if (option == ChannelOption.IP_MULTICAST_TTL) {
            setTimeToLive((Integer) value);
        } else if (option == ChannelOption.IP_MULTICAST_LOOP_DISABLED) {
            setLoopbackModeDisabled((Boolean) value);
        } else if (option == ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION) {
            activeOnRegistration = (Boolean) value;
        } else {
            return super.setOption(option, value);
        }
        return true;
    }

    /**
     * Whether the channel is active once registered, before any bind ({@code DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION}):
     * its first send then binds it, as a kernel socket's does, to the port interface's address of the recipient's
     * family and a free port.
     */
    public boolean isActiveOnRegistration() {
        return activeOnRegistration;
    }

    @Override
    public int getSendBufferSize() {
        return sendBufferSize;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setSendBufferSize(int sendBufferSize) {
        this.sendBufferSize = sendBufferSize;
        return this;
    }

    @Override
    public int getReceiveBufferSize() {
        return receiveBufferSize;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setReceiveBufferSize(int receiveBufferSize) {
        this.receiveBufferSize = receiveBufferSize;
        return this;
    }

    @Override
    public int getTrafficClass() {
        return trafficClass;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setTrafficClass(int trafficClass) {
        this.trafficClass = trafficClass;
        return this;
    }

    @Override
    public boolean isReuseAddress() {
        return reuseAddress;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setReuseAddress(boolean reuseAddress) {
        this.reuseAddress = reuseAddress;
        return this;
    }

    @Override
    public boolean isBroadcast() {
        return false;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setBroadcast(boolean broadcast) {
        if (broadcast) {
            throw new UnsupportedOperationException("a zcnbrh datagram channel receives one unicast address (its "
                + "port's filter selects it); broadcast needs a DatagramChannel of the kernel");
        }
        return this;
    }

    @Override
    public boolean isLoopbackModeDisabled() {
        return true;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setLoopbackModeDisabled(boolean loopbackModeDisabled) {
        return this; // no multicast: nothing to loop back
    }

    @Override
    public int getTimeToLive() {
        return timeToLive;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setTimeToLive(int ttl) {
        this.timeToLive = ttl;
        return this;
    }

    @Override
    public InetAddress getInterface() {
        return null;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setInterface(InetAddress interfaceAddress) {
        throw new UnsupportedOperationException("multicast is not offered by a zcnbrh datagram channel");
    }

    @Override
    public NetworkInterface getNetworkInterface() {
        return null;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setNetworkInterface(NetworkInterface networkInterface) {
        throw new UnsupportedOperationException("multicast is not offered by a zcnbrh datagram channel");
    }

    @Override
    public ZcnbrhDatagramChannelConfig setMaxMessagesPerRead(int maxMessagesPerRead) {
        super.setMaxMessagesPerRead(maxMessagesPerRead);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setWriteSpinCount(int writeSpinCount) {
        super.setWriteSpinCount(writeSpinCount);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setConnectTimeoutMillis(int connectTimeoutMillis) {
        super.setConnectTimeoutMillis(connectTimeoutMillis);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setAllocator(ByteBufAllocator allocator) {
        super.setAllocator(allocator);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setRecvByteBufAllocator(RecvByteBufAllocator allocator) {
        super.setRecvByteBufAllocator(allocator);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setAutoRead(boolean autoRead) {
        super.setAutoRead(autoRead);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setAutoClose(boolean autoClose) {
        super.setAutoClose(autoClose);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setMessageSizeEstimator(MessageSizeEstimator estimator) {
        super.setMessageSizeEstimator(estimator);
        return this;
    }

    @Override
    public ZcnbrhDatagramChannelConfig setWriteBufferWaterMark(WriteBufferWaterMark writeBufferWaterMark) {
        super.setWriteBufferWaterMark(writeBufferWaterMark);
        return this;
    }
}
