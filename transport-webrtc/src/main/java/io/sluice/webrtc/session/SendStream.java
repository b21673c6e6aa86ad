package io.sluice.webrtc.session;

import io.sluice.webrtc.rtcp.SenderReportGenerator;
import io.sluice.webrtc.sdp.MediaKind;
import java.util.Objects;

/**
 * One outgoing RTP stream (one SSRC) of an {@link RtpSession}: its packetizer, the header extensions
 * the session stamps when a packet leaves (transport-wide sequence number, abs-send-time), its
 * {@link NackResponder} (optional) and its sender reports (RFC 3550 §6.4.1). Made with
 * {@link #builder}; owned by one session.
 */
public final class SendStream {
    final MediaKind kind;
    final int ssrc;
    final int clockRate;
    final FramePacketizer packetizer;
    final int transportWideCcId;
    final int absSendTimeId;
    final NackResponder nackResponder;
    final SenderReportGenerator reports;
    /**
     * Media sequence numbers are (re)assigned when packets leave the pacer (libwebrtc's
     * {@code PacketSequencer}), starting from the packetizer's first, so padding-only packets (RFC 3550
     * §5.1) slot into the stream's sequence.
     */
    boolean sequenceStarted;
    int nextSequenceNumber;
    /** The header (with extensions) of the last media packet sent, for padding-only packets; kept when padding is possible. */
    byte[] lastHeader;
    int lastHeaderLength;
    long lastRtpTimestamp;
    /** The RTP timestamp of the last media packet sent (the frame in flight), or {@link Long#MIN_VALUE} before one. */
    long lastSentMediaRtpTimestamp = Long.MIN_VALUE;
    /** A keyframe was handed in whose first packet has not left yet; its RTP timestamp. */
    boolean keyframePending;
    long pendingKeyframeRtpTimestamp;
    /** The sequence number of the first packet of the newest keyframe sent, or -1 before one. */
    int keyframeFirstSequenceNumber = -1;

    private SendStream(Builder b) {
        this.kind = b.kind;
        this.ssrc = b.ssrc;
        this.clockRate = b.clockRate;
        this.packetizer = b.packetizer;
        this.transportWideCcId = b.transportWideCcId;
        this.absSendTimeId = b.absSendTimeId;
        this.nackResponder = b.nackResponder;
        this.reports = new SenderReportGenerator(ssrc, clockRate);
    }

    /**
     * @param kind       audio or video
     * @param ssrc       the stream's SSRC
     * @param clockRate  RTP clock, Hz (90000 video, 48000 Opus)
     * @param packetizer frame → packets, with the SRTP tail room
     * @return a builder
     * @throws IllegalArgumentException if {@code clockRate} is not positive
     */
    public static Builder builder(MediaKind kind, int ssrc, int clockRate, FramePacketizer packetizer) {
        return new Builder(kind, ssrc, clockRate, packetizer);
    }

    /** Audio or video. */
    public MediaKind kind() {
        return kind;
    }

    /** The SSRC. */
    public int ssrc() {
        return ssrc;
    }

    /** Builder of a {@link SendStream}. */
    public static final class Builder {
        private final MediaKind kind;
        private final int ssrc;
        private final int clockRate;
        private final FramePacketizer packetizer;
        private int transportWideCcId = -1;
        private int absSendTimeId = -1;
        private NackResponder nackResponder;

        private Builder(MediaKind kind, int ssrc, int clockRate, FramePacketizer packetizer) {
            if (clockRate <= 0) {
                throw new IllegalArgumentException("clockRate: " + clockRate + " (expected: > 0)");
            }
            this.kind = Objects.requireNonNull(kind, "kind");
            this.ssrc = ssrc;
            this.clockRate = clockRate;
            this.packetizer = Objects.requireNonNull(packetizer, "packetizer");
        }

        /**
         * @param id the negotiated RFC 8285 id of the transport-wide sequence number extension, 1..14,
         *           or ≤ 0 for none (default). The packetizer must reserve it in each packet's header.
         */
        public Builder transportWideCcId(int id) {
            this.transportWideCcId = extensionId(id, "transportWideCcId");
            return this;
        }

        /**
         * @param id the negotiated RFC 8285 id of abs-send-time, 1..14, or ≤ 0 for none (default). The
         *           packetizer must reserve it in each packet's header.
         */
        public Builder absSendTimeId(int id) {
            this.absSendTimeId = extensionId(id, "absSendTimeId");
            return this;
        }

        /** @param responder answers NACKs about this stream; {@code null} (default) ignores them */
        public Builder nackResponder(NackResponder responder) {
            this.nackResponder = responder;
            return this;
        }

        private static int extensionId(int id, String name) {
            if (id > 14) {
                throw new IllegalArgumentException(name + ": " + id + " (expected: 1..14, or <= 0 for none)");
            }
            return id <= 0 ? -1 : id;
        }

        /** @return the stream */
        public SendStream build() {
            return new SendStream(this);
        }
    }
}
