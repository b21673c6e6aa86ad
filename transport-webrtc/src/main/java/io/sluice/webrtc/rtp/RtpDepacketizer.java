package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Turns the RTP payloads of one frame (same timestamp, contiguous sequence numbers, in order) into
 * the codec's frame payload. Used by {@link JitterBuffer}.
 */
public interface RtpDepacketizer {
    /** Flag in {@link #depacketize}'s result: the frame is a random access point. */
    int KEYFRAME = 1;

    /**
     * Whether a payload can be the first of a frame (used only for the very first packet of a stream,
     * when nothing before it is known).
     *
     * @param payload borrowed, readable bytes are the RTP payload
     */
    boolean startsFrame(ByteBuf payload);

    /**
     * Appends the frame's payload to {@code out}.
     *
     * @param payloads borrowed, in sequence order
     * @param out      borrowed destination, written from its writer index
     * @return -1 if the payloads are malformed or incomplete (then {@code out} content is undefined),
     *         else flags ({@link #KEYFRAME})
     */
    int depacketize(List<ByteBuf> payloads, ByteBuf out);

    /**
     * Whether the packet ends its frame: by default the marker bit (RFC 6184 §5.1); formats with one
     * packet per frame (Opus) return {@code true}.
     */
    default boolean endsFrame(ByteBuf payload, boolean marker) {
        return marker;
    }

    /** The RTP clock rate in Hz (90000 for video, 48000 for Opus). */
    int clockRate();
}
