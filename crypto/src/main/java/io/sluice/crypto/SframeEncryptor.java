package io.sluice.crypto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.TrackInfo;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.spi.FrameTransform;
import io.sluice.crypto.sframe.KeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeHeader;
import io.sluice.crypto.sframe.SframeSender;
import io.sluice.crypto.sframe.SframeSenderException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encrypts every encoded frame end to end with SFrame (RFC 9605), as a {@link FrameTransform} between
 * encoder and transports; {@link SframeDecryptor} reverses it.
 *
 * <h2>Framings</h2>
 * The framing is chosen per frame from its codec, so one encryptor serves every track: H.264 uses the
 * configured framing (default NAL-preserving), audio and other codecs are always whole-frame.
 *
 * <p><b>{@link SframeFraming#WHOLE_FRAME}</b> (audio always; H.264 when configured):
 * <pre>
 * in : payload (any codec layout)
 * out: SFrame header (1..17 B) ‖ ciphertext (= payload length) ‖ tag (Nt B)          metadata: none
 * </pre>
 * <b>{@link SframeFraming#NAL_PRESERVING}</b> (H.264 only, the default for it; other codecs are whole-frame). The
 * AVCC structure stays, each NAL unit is handled on its own:
 * <pre>
 * in : ‖ len (4 B BE) ‖ NAL header (1 B) ‖ body (len−1 B) ‖ ...
 * out: ‖ len' (4 B BE) ‖ NAL header (1 B, clear) ‖ EP(SFrame header ‖ ciphertext(body) ‖ tag) ‖ 0x80 ‖ ...
 *      metadata (AAD) of each ciphertext: the NAL header byte
 * </pre>
 * {@code EP} is H.264 emulation prevention (§7.4.1): 0x03 is inserted after every 0x00 0x00 followed by
 * 0x00..0x03, so no start code (00 00 01) or 00 00 00 appears inside the NAL unit and Annex B converters
 * and RTP packetizers keep it whole. The trailing 0x80 keeps the NAL unit from ending in 0x00 (which
 * Annex B would read as trailing zero bytes). {@code len'} is the new NAL unit length. Each encrypted NAL
 * unit takes its own CTR. Authenticating the NAL header byte means a relay that rewrites
 * {@code nal_ref_idc} or the type of an encrypted NAL unit causes an authentication failure.
 *
 * <p>NAL units left clear and unauthenticated: SPS (7), PPS (8), AUD (9), end of sequence/stream (10, 11)
 * and filler (12): relays and packetizers need parameter sets and they carry no picture data. SEI (6) is
 * encrypted because it can carry user data (captions, unregistered payloads). Slices and everything else
 * are encrypted.
 *
 * <h2>RTP-safe slice headers ({@link Builder#rtpSafeSliceHeaders}, on by default)</h2>
 * RTP receivers read the start of every slice NAL unit body as a slice header (H.264 §7.3.3)
 * before any decryption: libwebrtc's H.264 depacketizer (Chromium, also under an encoded transform) parses
 * {@code first_mb_in_slice}, {@code slice_type} and {@code pic_parameter_set_id}, three ue(v), from slices of
 * type 1 and 5 and drops a single-NAL-unit or STAP-A packet when that fails; the receiver then NACKs it and
 * waits for a keyframe. In this framing those bits are the SFrame header (RFC 9605 §4.3:
 * {@code X KKK Y CCC} config byte, KID bytes, CTR bytes), then ciphertext. So before encrypting a slice NAL
 * unit (types 1..5) the encryptor checks that the three values decode from the header bits alone and in range
 * ({@code slice_type} &le; 9, {@code pic_parameter_set_id} &le; 255, no code longer than 32 bits, no
 * emulation-prevention byte among the bytes read); if the next CTR of the current KID does not, it skips CTRs
 * (a bounded search, see {@code H264Sframe.nextRtpSafeCtr}) to the next one that does. The wire format does
 * not change: RFC 9605 only requires a CTR never to repeat under a key. SEI (6) and the other encrypted types
 * are not parsed by depacketizers and keep the next CTR; so do audio and whole-frame payloads. Skips are
 * counted in {@link SframeTransformStats#ctrsSkipped()}. For some KIDs no CTR of a given length is safe (KID
 * 8..255 with CTRs &ge; 2<sup>24</sup>: {@code slice_type} is then 10..14 whatever the CTR); such slices are
 * encrypted anyway and counted in {@link SframeTransformStats#unsafeSliceHeaders()}, with one WARN per KID and
 * CTR length. Measured cost over 70 000 slices from CTR 0 (test {@code SframeRtpSafeCtrTest}): KID 2..255 skip
 * 4..602 CTR values and their headers grow by at most 0.012 B on average; KID 0 skips about 11 % of the 2-byte
 * CTRs (+0.13 B per header on average, since 3-byte CTRs come sooner) and KID 0 and 1 jump about 10<sup>6</sup>
 * and 2·10<sup>6</sup> values at the first 3-byte CTR, without a longer header; KIDs of 2 or more bytes skip
 * at most a few hundred.
 *
 * <h2>Track configuration</h2>
 * {@link #transformTrack} leaves the codec configuration (for H.264 the {@code AVCDecoderConfigurationRecord}
 * with SPS/PPS) in the {@link TrackInfo}, so transports can still send sequence headers and SDP parameters;
 * only frame payloads are encrypted. Whole-frame tracks are marked {@linkplain TrackInfo#isOpaque() opaque}.
 * Whole-frame H.264 keyframes get the SPS/PPS in band (inside the ciphertext) when they lack them, for
 * transports that cannot carry the configuration (WebRTC); {@link SframeDecryptor} rebuilds the track from
 * them.
 *
 * <h2>Keys</h2>
 * One {@link SframeSender} serves every track of this instance, so CTRs never repeat under a key across
 * tracks. {@link #useKid(long)} switches the KID at the next frame boundary; if that KID's key has
 * vanished from the provider by then, frames are dropped ({@link SframeDropReason#NO_KEY}) rather than
 * encrypted under the old KID, until the key is back or another KID is chosen.
 *
 * <h2>Ownership and failures</h2>
 * {@link #apply} takes ownership of the input frame and always releases it. It returns a new frame with
 * the same timing and track over a new payload from the allocator (the caller owns it), or {@code null}
 * when the frame is dropped: never a frame it failed to encrypt. Drops are counted per
 * {@link SframeDropReason} in {@link #stats()} and logged at WARN (without key material).
 *
 * <p>Thread-safe: tracks may call {@link #apply} from their own encoder threads; encryption is serialised
 * per instance.
 *
 * @see SframeDecryptor
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html">RFC 9605</a>
 */
public final class SframeEncryptor implements FrameTransform {
    private static final Logger LOG = LoggerFactory.getLogger(SframeEncryptor.class);

    private final SframeSender sender;
    private final KeyProvider keys;
    private final SframeFraming framing;
    private final ByteBufAllocator alloc;
    private final SframeCipherSuite suite;
    private final boolean rtpSafeSliceHeaders;
    private final byte[] headerScratch = new byte[SframeHeader.MAX_LENGTH];
    /** After a failed CTR search: KID and the CTR length boundary below which no search is retried. */
    private boolean unsafeCached;
    private long unsafeKid;
    private long unsafeUntil;
    private long ctrsSkipped;
    private long unsafeSliceHeaders;
    private volatile long pendingKid;
    private volatile boolean kidPending;
    private byte[] scratch = new byte[0];
    private TrackInfo prefixTrack;
    private byte[] prefix;
    private long framesIn;
    private long framesOut;
    private long bytesIn;
    private long bytesOut;
    private final long[] drops = new long[SframeDropReason.values().length];

    private SframeEncryptor(Builder b) {
        this.suite = b.suite;
        this.keys = b.keys;
        this.framing = b.framing;
        this.alloc = b.alloc;
        this.rtpSafeSliceHeaders = b.rtpSafeSliceHeaders && b.framing == SframeFraming.NAL_PRESERVING;
        this.sender = new SframeSender(b.suite, b.keys, b.kid);
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Switches to {@code kid} (unsigned 64-bit) at the next frame boundary: the next frame handed to
     * {@link #apply} and all after it are encrypted under it. Callable from any thread.
     *
     * @throws IllegalStateException if the key provider has no key for {@code kid}
     */
    public void useKid(long kid) {
        byte[] k = keys.baseKey(kid).orElseThrow(() -> new IllegalStateException("no base_key for KID " + Long.toUnsignedString(kid)));
        Arrays.fill(k, (byte) 0);
        pendingKid = kid;
        kidPending = true;
    }

    /**
     * Switches to {@code kid} now, with its next CTR at {@code firstCtr} (both unsigned): a sender resuming a key
     * (see {@link SframeSender#useKid(long, long)}); package-private, for tests that need large CTRs.
     *
     * @throws IllegalStateException if this encryptor already used {@code kid} at or above {@code firstCtr}
     */
    synchronized void useKid(long kid, long firstCtr) {
        sender.useKid(kid, firstCtr);
        kidPending = false;
    }

    /** The framing this encryptor uses for H.264. */
    public SframeFraming framing() {
        return framing;
    }

    /** Whether slice NAL units get RTP-safe SFrame headers ({@link Builder#rtpSafeSliceHeaders}). */
    public boolean rtpSafeSliceHeaders() {
        return rtpSafeSliceHeaders;
    }

    /** The cipher suite. */
    public SframeCipherSuite suite() {
        return suite;
    }

    /**
     * The track transports see. NAL-preserving H.264: {@code track} unchanged (the payload stays AVCC with
     * clear NAL headers, SPS and PPS). Every whole-frame track (audio, other codecs, H.264 when configured):
     * a copy marked {@linkplain TrackInfo#isOpaque() opaque}, since its payload is one SFrame ciphertext
     * that relays and packetizers must not parse; WebRTC carries it with the SFrame RTP payload format
     * (draft-ietf-avtcore-rtp-sframe-02). The codec configuration is left in the {@link TrackInfo} for
     * transports that send it out of band; over WebRTC it is not sent, and whole-frame H.264 keyframes carry
     * their SPS/PPS in band inside the ciphertext (see {@link #apply}).
     */
    @Override
    public TrackInfo transformTrack(TrackInfo track) {
        if (!wholeFrame(track.codec()) || track.isOpaque()) {
            return track;
        }
        return track.toBuilder().opaque(true).build();
    }

    private boolean wholeFrame(Codec codec) {
        return framing == SframeFraming.WHOLE_FRAME || codec != Codec.H264;
    }

    /**
     * Encrypts {@code frame}. Whole-frame H.264: a keyframe without an SPS NAL unit first gets the SPS and
     * PPS of its track's {@code AVCDecoderConfigurationRecord} prepended (as AVCC NAL units) before
     * encryption, so a receiver that sees only ciphertext-carrying frames (a WebRTC ingest cannot read
     * the parameter sets) recovers the configuration from the first keyframe it decrypts.
     *
     * @param frame ownership passes here; it is released before this returns
     * @return the encrypted frame (caller owns it), or {@code null} if dropped (counted in {@link #stats()})
     */
    @Override
    public EncodedFrame apply(EncodedFrame frame) {
        ByteBuf tmp = null;
        ByteBuf out = null;
        synchronized (this) {
            try {
                ByteBuf in = frame.content();
                int len = in.readableBytes();
                framesIn++;
                bytesIn += len;
                if (kidPending) {
                    // Stays pending (and frames are dropped as NO_KEY) until the new key can be used.
                    sender.useKid(pendingKid);
                    kidPending = false;
                }
                ByteBuf src = in;
                if (!in.hasArray()) {
                    tmp = alloc.heapBuffer(len);
                    tmp.writeBytes(in, in.readerIndex(), len);
                    src = tmp;
                }
                byte[] a = src.array();
                int off = src.arrayOffset() + src.readerIndex();
                if (framing == SframeFraming.NAL_PRESERVING && frame.codec() == Codec.H264) {
                    out = encryptNalUnits(a, off, len);
                    if (out == null) {
                        drop(SframeDropReason.MALFORMED_FRAME, frame, "payload is not AVCC with 4-byte lengths");
                        return null;
                    }
                } else {
                    byte[] prefix = frame.codec() == Codec.H264 && frame.isKeyframe() && !H264Sframe.hasSps(a, off, len)
                            ? parameterSetPrefix(frame.track()) : null;
                    if (prefix != null && prefix.length > 0) {
                        ByteBuf joined = alloc.heapBuffer(prefix.length + len);
                        joined.writeBytes(prefix).writeBytes(a, off, len);
                        if (tmp != null) {
                            tmp.release();
                        }
                        tmp = joined;
                        a = joined.array();
                        off = joined.arrayOffset() + joined.readerIndex();
                        len = joined.readableBytes();
                    }
                    out = alloc.heapBuffer(sender.ciphertextLength(len));
                    int n = sender.encrypt(a, off, len, null, 0, 0, out.array(), out.arrayOffset() + out.writerIndex());
                    out.writerIndex(out.writerIndex() + n);
                }
                EncodedFrame result = frame.replace(out);
                framesOut++;
                bytesOut += out.readableBytes();
                out = null;
                return result;
            } catch (SframeSenderException e) {
                drop(SframeDropReason.of(e.reason()), frame, e.getMessage());
                return null;
            } finally {
                if (out != null) {
                    out.release();
                }
                if (tmp != null) {
                    tmp.release();
                }
                frame.release();
            }
        }
    }

    /**
     * The AVCC NAL units {@code len(4) ‖ SPS ‖ len(4) ‖ PPS ...} of {@code track}'s
     * {@code AVCDecoderConfigurationRecord}, cached per track instance; empty if it has none or it cannot be
     * parsed (the keyframe is then encrypted as it is).
     */
    private byte[] parameterSetPrefix(TrackInfo track) {
        if (track == prefixTrack) {
            return prefix;
        }
        byte[] p = new byte[0];
        if (track.codecConfigLength() > 0) {
            try {
                AvcDecoderConfigurationRecord avcc = AvcDecoderConfigurationRecord.parse(track.codecConfig());
                java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
                for (List<byte[]> sets : List.of(avcc.sps(), avcc.pps())) {
                    for (byte[] nal : sets) {
                        byte[] n = new byte[4];
                        H264Sframe.writeLength(n, 0, nal.length);
                        b.writeBytes(n);
                        b.writeBytes(nal);
                    }
                }
                p = b.toByteArray();
            } catch (MediaProtocolException e) {
                LOG.warn("SFrame encryptor: track {} has an unusable AVCDecoderConfigurationRecord ({}); keyframes go"
                        + " without in-band SPS/PPS", track, e.getMessage());
            }
        }
        prefixTrack = track;
        prefix = p;
        return p;
    }

    /** NAL-preserving encryption of one AVCC access unit; {@code null} if it is not well-formed AVCC. */
    private ByteBuf encryptNalUnits(byte[] a, int off, int len) {
        int end = off + len;
        int bound = 0;
        int maxBody = 0;
        for (int p = off; p < end; ) {
            if (end - p < 4) {
                return null;
            }
            int n = H264Sframe.readLength(a, p);
            if (n < 1 || n > end - p - 4) {
                return null;
            }
            int header = a[p + 4];
            if (H264Sframe.isClear(header)) {
                bound += 4 + n;
            } else {
                int ct = SframeHeader.MAX_LENGTH + (n - 1) + suite.nt();
                bound += 5 + H264Sframe.escapedBound(ct);
                maxBody = Math.max(maxBody, ct);
            }
            p += 4 + n;
        }
        if (scratch.length < maxBody) {
            scratch = new byte[Math.max(maxBody, scratch.length * 2)];
        }
        ByteBuf out = alloc.heapBuffer(bound);
        try {
            byte[] o = out.array();
            int base = out.arrayOffset() + out.writerIndex();
            int w = base;
            for (int p = off; p < end; ) {
                int n = H264Sframe.readLength(a, p);
                int h = p + 4;
                if (H264Sframe.isClear(a[h])) {
                    System.arraycopy(a, p, o, w, 4 + n);
                    w += 4 + n;
                } else {
                    if (rtpSafeSliceHeaders && H264Sframe.isSlice(a[h])) {
                        ensureRtpSafeCtr();
                    }
                    int c = sender.encrypt(a, h + 1, n - 1, a, h, 1, scratch, 0);
                    o[w + 4] = a[h];
                    int e = H264Sframe.escape(scratch, 0, c, o, w + 5);
                    H264Sframe.writeLength(o, w, 1 + e);
                    w += 5 + e;
                }
                p += 4 + n;
            }
            out.writerIndex(out.writerIndex() + (w - base));
            ByteBuf r = out;
            out = null;
            return r;
        } finally {
            if (out != null) {
                out.release();
            }
        }
    }

    /**
     * Makes the sender's next CTR one whose SFrame header is an RTP-safe slice-header prefix
     * ({@link H264Sframe#isRtpSafeSliceHeader(long, long, byte[])}), skipping CTRs if needed; counts a give-up
     * and, until the CTR reaches the next length boundary under the same KID, does not search again.
     */
    private void ensureRtpSafeCtr() {
        if (sender.isExhausted()) {
            return; // encrypt() reports it
        }
        long kid = sender.kid();
        long ctr = sender.nextCtr();
        if (H264Sframe.isRtpSafeSliceHeader(kid, ctr, headerScratch)) {
            return;
        }
        if (unsafeCached && unsafeKid == kid && (unsafeUntil == 0 || Long.compareUnsigned(ctr, unsafeUntil) < 0)) {
            unsafeSliceHeaders++;
            return;
        }
        long safe = H264Sframe.nextRtpSafeCtr(kid, ctr, headerScratch);
        if (safe == ctr) {
            unsafeSliceHeaders++;
            unsafeCached = true;
            unsafeKid = kid;
            unsafeUntil = H264Sframe.nextCtrLengthBoundary(ctr);
            LOG.warn("SFrame encryptor: no RTP-safe slice-header CTR near {} for KID {}; slices are encrypted with CTRs"
                    + " that RTP receivers parsing H.264 slice headers (Chromium) may drop, until CTR {} (switch to another KID)",
                    Long.toUnsignedString(ctr), Long.toUnsignedString(kid),
                    unsafeUntil == 0 ? "2^64" : Long.toUnsignedString(unsafeUntil));
            return;
        }
        sender.skipTo(safe);
        ctrsSkipped += safe - ctr;
    }

    private void drop(SframeDropReason reason, EncodedFrame frame, String why) {
        drops[reason.ordinal()]++;
        LOG.warn("SFrame encryptor dropped {} ({}): {}", frame, reason, why);
    }

    /** A snapshot of the counters; callable from any thread. */
    public synchronized SframeTransformStats stats() {
        return new SframeTransformStats(framesIn, framesOut, bytesIn, bytesOut, drops, ctrsSkipped, unsafeSliceHeaders);
    }

    /** Zeroes the derived keys held by this encryptor's sender. */
    @Override
    public synchronized void close() {
        sender.clearKeys();
    }

    @Override
    public String toString() {
        return "SframeEncryptor{" + suite + ' ' + framing + " KID=" + Long.toUnsignedString(sender.kid()) + '}';
    }

    /** Builder for {@link SframeEncryptor}; setters validate at once. */
    public static final class Builder {
        private SframeCipherSuite suite = SframeCipherSuite.AES_128_GCM_SHA256_128;
        private KeyProvider keys;
        private boolean kidSet;
        private long kid;
        private SframeFraming framing = SframeFraming.NAL_PRESERVING;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private boolean rtpSafeSliceHeaders = true;

        private Builder() {
        }

        /** Cipher suite; default {@link SframeCipherSuite#AES_128_GCM_SHA256_128}. */
        public Builder cipherSuite(SframeCipherSuite suite) {
            this.suite = Objects.requireNonNull(suite, "suite");
            return this;
        }

        /** Source of {@code base_key}s; required. */
        public Builder keyProvider(KeyProvider keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** The first KID (unsigned 64-bit); required. */
        public Builder kid(long kid) {
            this.kid = kid;
            this.kidSet = true;
            return this;
        }

        /** Framing for H.264 tracks; default {@link SframeFraming#NAL_PRESERVING}, which every relay can route. Other codecs are always whole-frame. */
        public Builder framing(SframeFraming framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /**
         * Whether {@link SframeFraming#NAL_PRESERVING} encryption chooses CTRs so that every encrypted slice NAL
         * unit (types 1..5) begins, after its clear NAL header byte, with SFrame header bits that RTP receivers
         * can parse as a slice-header prefix (H.264 §7.3.3: {@code first_mb_in_slice}, {@code slice_type} &le; 9,
         * {@code pic_parameter_set_id} &le; 255); see the class documentation. Default {@code true}: the cost is
         * a few skipped CTR values (the wire format is unchanged), and without it Chromium's H.264 depacketizer
         * drops some slices before its encoded transform can decrypt them. Ignored for {@link SframeFraming#WHOLE_FRAME}.
         */
        public Builder rtpSafeSliceHeaders(boolean on) {
            this.rtpSafeSliceHeaders = on;
            return this;
        }

        /** Allocator of output payloads (heap buffers); default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /**
         * @throws IllegalStateException if the key provider or KID is missing
         * @throws SframeSenderException if the key provider has no key for the KID
         */
        public SframeEncryptor build() {
            if (keys == null) {
                throw new IllegalStateException("keyProvider is required");
            }
            if (!kidSet) {
                throw new IllegalStateException("kid is required");
            }
            return new SframeEncryptor(this);
        }
    }
}
