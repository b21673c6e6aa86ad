package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import io.sluice.core.EncodedFrame;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.LongUnaryOperator;

/**
 * Turns one encoded frame into the RTP packets of one outgoing stream ({@link SendStream}): the
 * codec-specific packetizers of {@code io.sluice.webrtc.rtp} (H.264 RFC 6184, Opus RFC 7587,
 * SFrame draft-ietf-avtcore-rtp-sframe-02) behind one shape, made with {@link #of}.
 */
public interface FramePacketizer {
    /**
     * @param frame borrowed; its payload is read, not released
     * @param out   receives the packets, each owned by the caller, with the stream's SRTP tail room
     * @throws io.sluice.webrtc.rtp.RtpProtocolException if the frame cannot be packetized (malformed payload)
     */
    void packetize(EncodedFrame frame, List<ByteBuf> out);

    /**
     * @param ptsUs a presentation time, µs
     * @return the RTP timestamp (32 bits, the stream's clock rate) the packets of that frame carry
     */
    long rtpTimestamp(long ptsUs);

    /**
     * @param packetize    adds a frame's packets to a list (e.g. {@code (f, out) -> h264.packetize(f, out)})
     * @param rtpTimestamp µs PTS → RTP timestamp (e.g. {@code h264::rtpTimestamp})
     * @return the packetizer
     */
    static FramePacketizer of(BiConsumer<EncodedFrame, List<ByteBuf>> packetize, LongUnaryOperator rtpTimestamp) {
        return new FramePacketizer() {
            @Override
            public void packetize(EncodedFrame frame, List<ByteBuf> out) {
                packetize.accept(frame, out);
            }

            @Override
            public long rtpTimestamp(long ptsUs) {
                return rtpTimestamp.applyAsLong(ptsUs);
            }
        };
    }
}
