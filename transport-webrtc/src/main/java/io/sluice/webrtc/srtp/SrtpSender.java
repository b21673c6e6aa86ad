package io.sluice.webrtc.srtp;

import io.netty.buffer.ByteBuf;
import io.netty.util.collection.IntObjectHashMap;
import java.util.Objects;

/**
 * Protects outgoing RTP and RTCP of one endpoint (one direction of an SRTP session) in place: the
 * sending half of RFC 3711 for every local SSRC.
 *
 * <p>Per SSRC it keeps the rollover counter ROC and the highest sequence number sent, and estimates
 * each packet's 48-bit index {@code 2^16·ROC + SEQ} as a receiver would (RFC 3711 §3.3.1, Appendix
 * A), so retransmissions of older packets (same sequence number) get their original index; and it
 * numbers SRTCP packets with a 31-bit SRTCP index (§3.4).
 *
 * <p><b>Buffers.</b> The packet is the buffer's readable bytes; it is borrowed, modified in place,
 * and its {@code writerIndex} moves forward by the overhead. Give it tail room ({@link
 * SrtpProfile#rtpTailRoom()}, {@link SrtpProfile#rtcpTailRoom()}: 10/4/16 resp. 14/20 octets) to
 * avoid a reallocation; a buffer that cannot grow, or is read-only, is reported as
 * {@link SrtpResult#INVALID_PACKET}.
 *
 * <p>Not thread-safe: confine to one event loop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3711#section-3.3">RFC 3711 §3.3</a>
 */
public final class SrtpSender {
    private final SrtpTransform transform;
    private final SrtpProfile profile;
    private final IntObjectHashMap<RtpState> rtp = new IntObjectHashMap<>();
    private final IntObjectHashMap<int[]> rtcpIndex = new IntObjectHashMap<>();
    private final PacketView view = new PacketView();
    private final long[] counters = new long[SrtpResult.values().length];
    private boolean encryptRtcp = true;

    private static final class RtpState {
        int roc;
        int highestSeq;
    }

    /** A sender with the session keys derived from {@code keys}. */
    public SrtpSender(SrtpKeyingMaterial keys) {
        this(SrtpTransform.create(Objects.requireNonNull(keys, "keys")));
    }

    SrtpSender(SrtpTransform transform) {
        this.transform = transform;
        this.profile = transform.profile;
    }

    /** The profile in use. */
    public SrtpProfile profile() {
        return profile;
    }

    /**
     * Sends SRTCP unencrypted (E = 0, authenticated only; RFC 3711 §3.4) when {@code false}. Default
     * {@code true}; WebRTC always encrypts.
     */
    public SrtpSender encryptRtcp(boolean encrypt) {
        this.encryptRtcp = encrypt;
        return this;
    }

    /**
     * Sets the ROC of an SSRC before its first packet (for example after a rekey mid-stream); by
     * default it starts at 0.
     */
    public void setRolloverCounter(int ssrc, int roc) {
        RtpState s = rtp.get(ssrc);
        if (s == null) {
            s = new RtpState();
            s.highestSeq = -1;
            rtp.put(ssrc, s);
        }
        s.roc = roc;
    }

    /** The current ROC of {@code ssrc}, or -1 if nothing was sent with it. */
    public long rolloverCounter(int ssrc) {
        RtpState s = rtp.get(ssrc);
        return s == null ? -1 : s.roc & 0xFFFFFFFFL;
    }

    /**
     * Encrypts and authenticates one RTP packet in place (RFC 3711 §3.3, RFC 7714 §8); appends the tag.
     *
     * @param packet an RTP packet (readable bytes), borrowed; on OK it holds the SRTP packet
     * @return {@link SrtpResult#OK}, or {@link SrtpResult#INVALID_PACKET} if it is no RTP packet or
     *         the buffer cannot take the tag (nothing changed then)
     */
    public SrtpResult protectRtp(ByteBuf packet) {
        int hl = PacketView.rtpHeaderLength(packet);
        int tail = profile.rtpTailRoom();
        if (hl < 0 || !makeRoom(packet, tail)) {
            return record(SrtpResult.INVALID_PACKET);
        }
        int r = packet.readerIndex();
        int seq = packet.getUnsignedShort(r + 2);
        int ssrc = packet.getInt(r + 8);
        RtpState s = rtp.get(ssrc);
        if (s == null) {
            s = new RtpState();
            s.highestSeq = -1;
            rtp.put(ssrc, s);
        }
        int roc;
        if (s.highestSeq < 0) {
            roc = s.roc;
            s.highestSeq = seq;
        } else {
            long v = SrtpReceiver.estimateRoc(s.roc, s.highestSeq, seq);
            if (v < 0) {
                return record(SrtpResult.INVALID_PACKET);
            }
            roc = (int) v;
            if (v == (s.roc & 0xFFFFFFFFL) + 1) {
                s.roc = roc;
                s.highestSeq = seq;
            } else if (roc == s.roc && seq > s.highestSeq) {
                s.highestSeq = seq;
            }
        }
        int len = packet.readableBytes();
        view.map(packet, tail);
        int n = transform.protectRtp(view.array, view.offset, hl, len, ssrc, roc, seq);
        view.writeBack(packet, n);
        return record(SrtpResult.OK);
    }

    /**
     * Protects one compound RTCP packet in place (RFC 3711 §3.4, RFC 7714 §9): encrypts from octet 8
     * (unless {@link #encryptRtcp(boolean)} is off), appends E‖SRTCP index and the tag. The SRTCP
     * index is per sender SSRC (octets 4–7), starting at 0.
     *
     * @param packet an RTCP compound packet of at least 8 octets, borrowed; on OK it holds the SRTCP packet
     * @return {@link SrtpResult#OK} or {@link SrtpResult#INVALID_PACKET}
     */
    public SrtpResult protectRtcp(ByteBuf packet) {
        int len = packet.readableBytes();
        int tail = profile.rtcpTailRoom();
        if (len < 8 || packet.getUnsignedByte(packet.readerIndex()) >>> 6 != 2 || !makeRoom(packet, tail)) {
            return record(SrtpResult.INVALID_PACKET);
        }
        int ssrc = packet.getInt(packet.readerIndex() + 4);
        int[] idx = rtcpIndex.get(ssrc);
        if (idx == null) {
            idx = new int[1];
            rtcpIndex.put(ssrc, idx);
        }
        int index = idx[0];
        idx[0] = (index + 1) & 0x7FFFFFFF;
        view.map(packet, tail);
        int n = transform.protectRtcp(view.array, view.offset, len, ssrc, index, encryptRtcp);
        view.writeBack(packet, n);
        return record(SrtpResult.OK);
    }

    private static boolean makeRoom(ByteBuf packet, int tail) {
        if (packet.isReadOnly() || packet.maxWritableBytes() < tail) {
            return false;
        }
        packet.ensureWritable(tail);
        return true;
    }

    private SrtpResult record(SrtpResult r) {
        counters[r.ordinal()]++;
        return r;
    }

    /** How many packets ended with {@code result} so far. */
    public long count(SrtpResult result) {
        return counters[result.ordinal()];
    }
}
