package io.sluice.webrtc.session;

import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.sdp.MediaKind;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One incoming RTP stream (one payload type, and its RTX payload type) of an {@link RtpSession}: the
 * {@link JitterBuffer} that reorders and reassembles it, receive statistics per SSRC (RFC 3550 A.3),
 * and optionally a {@link NackGenerator} (video). The media SSRC is learnt from the first packet.
 * A video stream with a {@linkplain Builder#rid rid} is one simulcast layer (RFC 8853): the session gives its packets
 * to it by the rtp-stream-id header extension (RFC 8852), and asks for its keyframes on its own SSRC.
 * Made with {@link #builder}; owned by one session.
 */
public final class ReceiveStream {
    final MediaKind kind;
    final int payloadType;
    final int clockRate;
    final JitterBuffer buffer;
    final int rtxPayloadType;
    final boolean nack;
    /** The simulcast layer's rid (RFC 8851), or null. */
    final String rid;
    final Map<Integer, ReceiveStatistics> statistics = new HashMap<>();
    final Map<Integer, NackGenerator> nackGenerators = new HashMap<>();
    boolean ssrcKnown;
    int ssrc;
    /** The newest SR of the media SSRC: its NTP time as µs since the Unix epoch (MIN_VALUE: none yet), and RTP timestamp. */
    long srUnixUs = Long.MIN_VALUE;
    long srRtpTimestamp;
    /** Simulcast layers only: the RTX SSRC once learnt, and the layer's own keyframe-request state. */
    boolean rtxSsrcKnown;
    int rtxSsrc;
    io.sluice.core.feedback.KeyframeRequestThrottle keyframeThrottle;
    String pendingKeyframeReason;
    boolean pliWanted;

    private ReceiveStream(Builder b) {
        this.kind = b.kind;
        this.payloadType = b.payloadType;
        this.clockRate = b.clockRate;
        this.buffer = b.buffer;
        this.rtxPayloadType = b.rtxPayloadType;
        this.nack = b.nack;
        this.rid = b.rid;
    }

    /**
     * @param kind        audio or video
     * @param payloadType the negotiated media payload type, 0..127
     * @param clockRate   RTP clock, Hz
     * @param buffer      reorders and reassembles the stream; closed with the session
     * @return a builder
     * @throws IllegalArgumentException if a number is out of range
     */
    public static Builder builder(MediaKind kind, int payloadType, int clockRate, JitterBuffer buffer) {
        return new Builder(kind, payloadType, clockRate, buffer);
    }

    /** Audio or video. */
    public MediaKind kind() {
        return kind;
    }

    /** The simulcast layer's rid, or {@code null} for a stream that is not one. */
    public String rid() {
        return rid;
    }

    /** Builder of a {@link ReceiveStream}. */
    public static final class Builder {
        private final MediaKind kind;
        private final int payloadType;
        private final int clockRate;
        private final JitterBuffer buffer;
        private int rtxPayloadType = -1;
        private boolean nack;
        private String rid;

        private Builder(MediaKind kind, int payloadType, int clockRate, JitterBuffer buffer) {
            if (payloadType < 0 || payloadType > 127) {
                throw new IllegalArgumentException("payloadType: " + payloadType + " (expected: 0..127)");
            }
            if (clockRate <= 0) {
                throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: > 0)");
            }
            this.kind = Objects.requireNonNull(kind, "kind");
            this.payloadType = payloadType;
            this.clockRate = clockRate;
            this.buffer = Objects.requireNonNull(buffer, "buffer");
        }

        /** @param pt the RTX payload type (RFC 4588, apt = the media type), 0..127, or -1 for none (default) */
        public Builder rtxPayloadType(int pt) {
            if (pt < -1 || pt > 127) {
                throw new IllegalArgumentException("rtxPayloadType: " + pt + " (expected: 0..127, or -1 for none)");
            }
            this.rtxPayloadType = pt;
            return this;
        }

        /** @param enabled whether to NACK sequence gaps (RFC 4585 §6.2.1); default off */
        public Builder nack(boolean enabled) {
            this.nack = enabled;
            return this;
        }

        /**
         * Makes this video stream one simulcast layer (RFC 8853): the packets whose rtp-stream-id header extension
         * (RFC 8852 §3.1) is {@code rid}, and those of the same SSRC after it, and the RTX packets whose
         * repaired-rtp-stream-id is {@code rid} (§3.2) and their SSRC's. See
         * {@link RtpSession.Builder#rtpStreamIdExtensions}.
         *
         * @param rid the rid-id (RFC 8851 §10), 1..255 chars
         * @throws IllegalArgumentException if empty or longer, or the stream is not video
         */
        public Builder rid(String rid) {
            if (rid == null || rid.isEmpty() || rid.length() > 255) {
                throw new IllegalArgumentException("rid: '" + rid + "' (expected: 1..255 chars)");
            }
            if (kind != MediaKind.VIDEO) {
                throw new IllegalArgumentException("rid on an " + kind + " stream (expected: video)");
            }
            this.rid = rid;
            return this;
        }

        /** @return the stream */
        public ReceiveStream build() {
            return new ReceiveStream(this);
        }
    }
}
