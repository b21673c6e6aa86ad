package io.sluice.webrtc.srtp;

import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.util.Objects;

/**
 * Unprotects incoming SRTP and SRTCP of one remote endpoint in place: the receiving half of RFC 3711
 * for every remote SSRC.
 *
 * <p>Per SSRC it tracks the ROC and highest sequence number {@code s_l} and estimates each packet's
 * index (RFC 3711 §3.3.1, Appendix A), checks a replay window over the 48-bit index (default 1024
 * packets, enough for video with NACK/RTX), authenticates, decrypts, and only then updates the
 * state. SRTCP uses a separate window over the 31-bit SRTCP index of each sender SSRC. State is
 * created only for packets that authenticate, so forged packets cannot fill the SSRC table; the
 * table holds at most {@link Builder#maxSsrcs(int)} entries.
 *
 * <p><b>Results.</b> A bad packet never throws: each call returns an {@link SrtpResult} and counts
 * it ({@link #count(SrtpResult)}). On anything but OK the buffer's bytes and indices are unchanged.
 *
 * <p><b>Buffers.</b> The packet is the buffer's readable bytes, borrowed and modified in place; on OK
 * the {@code writerIndex} moves back over the tag (and SRTCP's E‖index word). Read-only buffers give
 * INVALID_PACKET.
 *
 * <p>Not thread-safe: confine to one event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3711#section-3.3">RFC 3711 §3.3–3.4</a>
 */
public final class SrtpReceiver {
    /** Default replay window: 1024 packets. */
    public static final int DEFAULT_REPLAY_WINDOW = 1024;
    /** Default bound on remote SSRCs tracked per direction: 64. */
    public static final int DEFAULT_MAX_SSRCS = 64;

    private final SrtpTransform transform;
    private final SrtpProfile profile;
    private final int replayWindow;
    private final int maxSsrcs;
    private final IntObjectHashMap<RtpState> rtp = new IntObjectHashMap<>();
    private final IntObjectHashMap<ReplayWindow> rtcp = new IntObjectHashMap<>();
    private final PacketView view = new PacketView();
    private final long[] counters = new long[SrtpResult.values().length];

    private static final class RtpState {
        int roc;
        int highestSeq;
        final ReplayWindow window;

        RtpState(int size) {
            window = new ReplayWindow(size);
        }
    }

    /** A receiver with defaults (replay window 1024, 64 SSRCs). */
    public SrtpReceiver(SrtpKeyingMaterial keys) {
        this(builder(keys));
    }

    private SrtpReceiver(Builder b) {
        this(b.transform, b.replayWindow, b.maxSsrcs);
    }

    SrtpReceiver(SrtpTransform transform, int replayWindow, int maxSsrcs) {
        this.transform = transform;
        this.profile = transform.profile;
        this.replayWindow = replayWindow;
        this.maxSsrcs = maxSsrcs;
    }

    /** A builder for a receiver of packets protected with {@code keys}. */
    public static Builder builder(SrtpKeyingMaterial keys) {
        return new Builder(SrtpTransform.create(Objects.requireNonNull(keys, "keys")));
    }

    /** The profile in use. */
    public SrtpProfile profile() {
        return profile;
    }

    /**
     * RFC 3711 Appendix A: the ROC v to use for sequence number {@code seq} given the current ROC and
     * the highest sequence number {@code sl}; may be {@code roc - 1} (then -1 when roc is 0) or
     * {@code roc + 1}.
     */
    static long estimateRoc(int roc, int sl, int seq) {
        long r = roc & 0xFFFFFFFFL;
        if (sl < 32768) {
            return seq - sl > 32768 ? r - 1 : r;
        }
        return sl - 32768 > seq ? r + 1 : r;
    }

    /**
     * Verifies and decrypts one SRTP packet in place.
     *
     * @param packet an SRTP packet (readable bytes), borrowed; on OK it holds the RTP packet without tag
     * @return OK, AUTH_FAIL, REPLAY_FAIL, REPLAY_OLD or INVALID_PACKET (also when a new SSRC would exceed the table bound)
     */
    public SrtpResult unprotectRtp(ByteBuf packet) {
        int hl = PacketView.rtpHeaderLength(packet);
        int len = packet.readableBytes();
        if (hl < 0 || len < hl + profile.rtpTagLength() || packet.isReadOnly()) {
            return record(SrtpResult.INVALID_PACKET);
        }
        int r = packet.readerIndex();
        int seq = packet.getUnsignedShort(r + 2);
        int ssrc = packet.getInt(r + 8);
        RtpState s = rtp.get(ssrc);
        long v;
        if (s == null) {
            if (rtp.size() >= maxSsrcs) {
                return record(SrtpResult.INVALID_PACKET);
            }
            v = 0;
        } else {
            v = estimateRoc(s.roc, s.highestSeq, seq);
            if (v < 0) {
                return record(SrtpResult.REPLAY_OLD);
            }
            SrtpResult replay = s.window.check((v << 16) | seq);
            if (replay != SrtpResult.OK) {
                return record(replay);
            }
        }
        view.map(packet, 0);
        if (!transform.unprotectRtp(view.array, view.offset, hl, len, ssrc, (int) v, seq)) {
            view.array = null;
            return record(SrtpResult.AUTH_FAIL);
        }
        view.writeBack(packet, len - profile.rtpTagLength());
        if (s == null) {
            s = new RtpState(replayWindow);
            s.roc = 0;
            s.highestSeq = seq;
            rtp.put(ssrc, s);
        } else if (v == (s.roc & 0xFFFFFFFFL) + 1) {
            s.roc = (int) v;
            s.highestSeq = seq;
        } else if (v == (s.roc & 0xFFFFFFFFL) && seq > s.highestSeq) {
            s.highestSeq = seq;
        }
        s.window.accept((v << 16) | seq);
        return record(SrtpResult.OK);
    }

    /**
     * Verifies and (if E = 1) decrypts one SRTCP packet in place (RFC 3711 §3.4, RFC 7714 §9).
     *
     * @param packet an SRTCP packet (readable bytes), borrowed; on OK it holds the compound RTCP packet
     * @return OK, AUTH_FAIL, REPLAY_FAIL, REPLAY_OLD or INVALID_PACKET
     */
    public SrtpResult unprotectRtcp(ByteBuf packet) {
        int len = packet.readableBytes();
        int overhead = profile.rtcpTailRoom();
        int r = packet.readerIndex();
        if (len < 8 + overhead || packet.isReadOnly() || packet.getUnsignedByte(r) >>> 6 != 2) {
            return record(SrtpResult.INVALID_PACKET);
        }
        int ssrc = packet.getInt(r + 4);
        int word = packet.getInt(r + transform.rtcpIndexOffset(len));
        boolean encrypted = word < 0;
        int index = word & 0x7FFFFFFF;
        ReplayWindow w = rtcp.get(ssrc);
        if (w == null) {
            if (rtcp.size() >= maxSsrcs) {
                return record(SrtpResult.INVALID_PACKET);
            }
        } else {
            SrtpResult replay = w.check(index);
            if (replay != SrtpResult.OK) {
                return record(replay);
            }
        }
        view.map(packet, 0);
        if (!transform.unprotectRtcp(view.array, view.offset, len, ssrc, index, encrypted)) {
            view.array = null;
            return record(SrtpResult.AUTH_FAIL);
        }
        view.writeBack(packet, len - overhead);
        if (w == null) {
            w = new ReplayWindow(replayWindow);
            rtcp.put(ssrc, w);
        }
        w.accept(index);
        return record(SrtpResult.OK);
    }

    /** The ROC tracked for {@code ssrc}, or -1 if no packet of it authenticated yet. */
    public long rolloverCounter(int ssrc) {
        RtpState s = rtp.get(ssrc);
        return s == null ? -1 : s.roc & 0xFFFFFFFFL;
    }

    /** Forgets an SSRC (for example after RTCP BYE), freeing its slot. */
    public void removeSsrc(int ssrc) {
        rtp.remove(ssrc);
        rtcp.remove(ssrc);
    }

    private SrtpResult record(SrtpResult result) {
        counters[result.ordinal()]++;
        return result;
    }

    /** How many packets ended with {@code result} so far (RTP and RTCP together). */
    public long count(SrtpResult result) {
        return counters[result.ordinal()];
    }

    /** Builder for {@link SrtpReceiver}; setters validate at once. */
    public static final class Builder {
        private final SrtpTransform transform;
        private int replayWindow = DEFAULT_REPLAY_WINDOW;
        private int maxSsrcs = DEFAULT_MAX_SSRCS;

        private Builder(SrtpTransform transform) {
            this.transform = transform;
        }

        /** Replay window in packets, a power of two in 64..32768. Default {@value #DEFAULT_REPLAY_WINDOW}. */
        public Builder replayWindow(int packets) {
            if (packets < 64 || packets > 32768 || Integer.bitCount(packets) != 1) {
                throw new IllegalArgumentException("replayWindow: " + packets + " (expected: power of two in 64..32768)");
            }
            this.replayWindow = packets;
            return this;
        }

        /** Bound on remote SSRCs tracked, 1..4096. Default {@value #DEFAULT_MAX_SSRCS}. */
        public Builder maxSsrcs(int maxSsrcs) {
            if (maxSsrcs < 1 || maxSsrcs > 4096) {
                throw new IllegalArgumentException("maxSsrcs: " + maxSsrcs + " (expected: 1..4096)");
            }
            this.maxSsrcs = maxSsrcs;
            return this;
        }

        public SrtpReceiver build() {
            return new SrtpReceiver(this);
        }
    }
}
