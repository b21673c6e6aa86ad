package io.sluice.webrtc.server.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.sluice.webrtc.server.WebRtcServer;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds every datagram of the server's UDP channel to {@link WebRtcServer#handleDatagram}, on the
 * channel's event loop, and releases it afterwards. A session that throws is logged; the channel
 * keeps reading, so one bad packet never affects other sessions.
 */
public final class WebRtcUdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private static final Logger log = LoggerFactory.getLogger(WebRtcUdpHandler.class);
    private final WebRtcServer server;

    /** @param server receives the datagrams */
    public WebRtcUdpHandler(WebRtcServer server) {
        super(true);
        this.server = Objects.requireNonNull(server, "server");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        try {
            server.handleDatagram(packet.sender(), packet.content());
        } catch (RuntimeException e) {
            log.warn("datagram from {} failed", packet.sender(), e);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("UDP channel error (ignored): {}", cause.toString());
    }
}
