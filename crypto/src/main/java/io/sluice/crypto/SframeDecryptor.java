package io.sluice.crypto;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.TrackInfo;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.Avcc;
import io.sluice.core.h264.NalUnitType;
import io.sluice.core.h264.Sps;
import io.sluice.core.spi.FrameTransform;
import io.sluice.crypto.sframe.KeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeReceiveStatus;
import io.sluice.crypto.sframe.SframeReceiver;
import io.sluice.crypto.sframe.SframeReceiverStats;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decrypts frames produced by {@link SframeEncryptor} (same cipher suite and framing; byte layouts in
 * its class doc), as a {@link FrameTransform} on the receiving side.
 *
 * <p><b>Whole-frame</b>: the payload is one SFrame ciphertext; the output payload is its plaintext.
 * <b>NAL-preserving</b> (H.264): each AVCC NAL unit whose type is not clear (SPS, PPS, AUD, end of
 * sequence/stream, filler are copied) must be {@code NAL header ‖ EP(SFrame ciphertext) ‖ 0x80}; the
 * trailer is checked and stripped, emulation prevention removed, and the ciphertext decrypted with the NAL
 * header byte as metadata; the output NAL unit is {@code NAL header ‖ plaintext} with its length rewritten.
 *
 * <p><b>Failures</b> never throw: a frame with any ciphertext that fails (unknown KID, bad tag, truncated or
 * malformed header, replay, malformed AVCC or escaping) is dropped whole, counted per
 * {@link SframeDropReason} in {@link #stats()} and logged at DEBUG; the next frame is processed normally.
 * A receiver without the key therefore gets only drops, never plaintext.
 *
 * <p><b>Giving up</b>: when every frame has been dropped for {@link Builder#failAfter(int, Duration) a bound}
 * (default 250 frames in a row, or 5 s of media time between the first and the last of them, whichever comes
 * first), {@link #apply} throws an {@link SframeDecryptionException} naming the reason and the KID (wrong key:
 * {@code AUTH_FAILED}; no key for the KID: {@code UNKNOWN_KID}), so a pipeline fails with it rather than run
 * on producing nothing. One decrypted frame resets the count; {@link SframeDropReason#NO_PARAMETER_SETS} drops
 * (decrypted, waiting for a keyframe) neither count nor reset.
 *
 * <p><b>Tracks</b>: a track that is not {@linkplain TrackInfo#isOpaque() opaque} is returned unchanged (the
 * encryptor left the codec configuration clear). Decrypted frames of an opaque track carry a copy that is
 * not opaque; for whole-frame H.264 published by a WebRTC ingest (no resolution, no
 * {@code AVCDecoderConfigurationRecord}) that copy is rebuilt from the SPS/PPS of the first decrypted
 * keyframe (resolution from {@link Sps}, the record from {@link AvcDecoderConfigurationRecord}); frames
 * before it are dropped as {@link SframeDropReason#NO_PARAMETER_SETS}, and the pipeline opens the
 * transports once that keyframe is through ({@link #resolvesTrackFromFrames}).
 *
 * <p><b>Ownership</b>: {@link #apply} takes ownership of the input frame and always releases it; it
 * returns a new frame over a new payload from the allocator, or {@code null} when dropped.
 *
 * <p>Thread-safe; decryption is serialised per instance.
 *
 * @see SframeEncryptor
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.4.4">RFC 9605 §4.4.4</a>
 */
public final class SframeDecryptor implements FrameTransform {
    private static final Logger LOG = LoggerFactory.getLogger(SframeDecryptor.class);

    private final SframeReceiver receiver;
    private final SframeFraming framing;
    private final ByteBufAllocator alloc;
    private byte[] scratch = new byte[0];
    private final Map<Integer, Resolved> resolved = new HashMap<>();
    private long framesIn;
    private long framesOut;
    private long bytesIn;
    private long bytesOut;
    private final long[] drops = new long[SframeDropReason.values().length];
    private final int failAfterFrames;
    private final long failAfterUs;
    /** Frames dropped since the last decrypted one, per reason; with the PTS range they span. */
    private final long[] dropsInARow = new long[SframeDropReason.values().length];
    private long dropRun;
    private long dropRunFirstPtsUs;
    private long dropRunLastPtsUs;
    private SframeDropReason lastDrop;

    private SframeDecryptor(Builder b) {
        SframeReceiver.Builder rb = SframeReceiver.builder(b.suite, b.keys).maxKeys(b.maxKeys);
        if (b.replayWindow > 0) {
            rb.replayWindow(b.replayWindow);
        }
        this.receiver = rb.build();
        this.framing = b.framing;
        this.alloc = b.alloc;
        this.failAfterFrames = b.failAfterFrames;
        this.failAfterUs = b.failAfterUs;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The framing this decryptor expects for H.264. */
    public SframeFraming framing() {
        return framing;
    }

    /**
     * The decrypted track. A track that is not {@linkplain TrackInfo#isOpaque() opaque} is returned unchanged
     * (its codec configuration was never encrypted). An opaque track is returned as a copy that is not
     * opaque, except an opaque H.264 track without resolution or {@code AVCDecoderConfigurationRecord} under
     * whole-frame framing (what a WebRTC ingest publishes): that one is returned unchanged and
     * {@link #resolvesTrackFromFrames} is {@code true}, as its configuration is known only from the first
     * decrypted keyframe (see {@link #apply}).
     */
    @Override
    public TrackInfo transformTrack(TrackInfo track) {
        if (!track.isOpaque() || needsParameterSets(track)) {
            return track;
        }
        synchronized (this) {
            Resolved r = resolved.get(track.trackId());
            if (r != null && r.input == track && !r.fromParameterSets) {
                return r.output; // one output instance per input track: transports compare tracks by identity
            }
            TrackInfo out = track.toBuilder().opaque(false).build();
            resolved.put(track.trackId(), new Resolved(track, out, false, null));
            return out;
        }
    }

    /**
     * {@code true} for an opaque whole-frame H.264 track without resolution or codec configuration: the
     * decrypted frames carry a new {@link TrackInfo} built from the first keyframe's SPS/PPS.
     */
    @Override
    public boolean resolvesTrackFromFrames(TrackInfo track) {
        return needsParameterSets(track);
    }

    private boolean needsParameterSets(TrackInfo track) {
        return track.isOpaque() && track.codec() == Codec.H264 && framing == SframeFraming.WHOLE_FRAME
                && (track.codecConfigLength() == 0 || track.width() == 0);
    }

    /**
     * The track of a decrypted frame of opaque {@code in}: the track rebuilt from SPS/PPS when it needs them
     * (rebuilt again when a keyframe brings other parameter sets), else {@code in} made not opaque; cached
     * per input track id. {@code null} while a track that needs parameter sets has had no keyframe with them.
     * {@code plain} (the decrypted AVCC payload) is borrowed: read, not released.
     */
    private TrackInfo decryptedTrack(TrackInfo in, boolean keyframe, ByteBuf plain) {
        Resolved r = resolved.get(in.trackId());
        if (r != null && r.input == in && !r.fromParameterSets) {
            return r.output;
        }
        if (!needsParameterSets(in)) {
            return transformTrack(in);
        }
        if (keyframe) {
            byte[][] sets = parameterSets(plain);
            if (sets != null && (r == null || r.input != in || !Arrays.equals(sets[0], r.sps))) {
                try {
                    Sps sps = Sps.parse(sets[0]);
                    TrackInfo out = in.toBuilder().opaque(false).resolution(sps.width(), sps.height())
                            .codecConfig(new AvcDecoderConfigurationRecord(List.of(sets[0]), List.of(sets[1]), 4).toBytes())
                            .build();
                    r = new Resolved(in, out, true, sets[0]);
                    resolved.put(in.trackId(), r);
                    LOG.debug("SFrame decryptor: track rebuilt from in-band SPS/PPS: {}", out);
                } catch (MediaProtocolException e) {
                    LOG.debug("SFrame decryptor: unusable in-band SPS on track {}: {}", in, e.getMessage());
                }
            }
        }
        return r != null && r.input == in ? r.output : null;
    }

    /** The first SPS and PPS NAL units of {@code avcc} (borrowed, not released), or {@code null} if either is missing. */
    private static byte[][] parameterSets(ByteBuf avcc) {
        byte[] sps = Avcc.firstNalUnit(avcc, NalUnitType.SPS);
        byte[] pps = sps == null ? null : Avcc.firstNalUnit(avcc, NalUnitType.PPS);
        return pps == null ? null : new byte[][] {sps, pps};
    }

    /** What {@link #decryptedTrack} resolved for one input track. */
    private record Resolved(TrackInfo input, TrackInfo output, boolean fromParameterSets, byte[] sps) {
    }

    /**
     * Decrypts {@code frame}.
     *
     * @param frame ownership passes here; it is released before this returns (also when it throws)
     * @return the decrypted frame (caller owns it), or {@code null} if dropped (counted in {@link #stats()})
     * @throws SframeDecryptionException if this drop completes a run of drops longer than the
     *                                   {@linkplain Builder#failAfter(int, Duration) bound}
     */
    @Override
    public synchronized EncodedFrame apply(EncodedFrame frame) {
        long ptsUs = frame.ptsUs();
        EncodedFrame result = decrypt(frame);
        SframeDecryptionException failure = result == null ? recordDrop(ptsUs) : null;
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /** Counts a drop into the current run; the exception to throw if the run just passed the bound. */
    private synchronized SframeDecryptionException recordDrop(long ptsUs) {
        if (lastDrop == SframeDropReason.NO_PARAMETER_SETS) {
            return null; // decrypted, waiting for a keyframe: not a key problem, neither counted nor a reset
        }
        if (dropRun == 0) {
            dropRunFirstPtsUs = ptsUs;
            dropRunLastPtsUs = ptsUs;
        }
        dropRun++;
        dropRunFirstPtsUs = Math.min(dropRunFirstPtsUs, ptsUs);
        dropRunLastPtsUs = Math.max(dropRunLastPtsUs, ptsUs);
        long spanUs = dropRunLastPtsUs - dropRunFirstPtsUs;
        boolean tooMany = failAfterFrames > 0 && dropRun >= failAfterFrames;
        boolean tooLong = failAfterUs > 0 && spanUs >= failAfterUs;
        if (!tooMany && !tooLong) {
            return null;
        }
        Map<SframeDropReason, Long> byReason = new EnumMap<>(SframeDropReason.class);
        SframeDropReason top = null;
        for (SframeDropReason r : SframeDropReason.values()) {
            long n = dropsInARow[r.ordinal()];
            if (n > 0) {
                byReason.put(r, n);
                if (top == null || n > dropsInARow[top.ordinal()]) {
                    top = r;
                }
            }
        }
        long kid = receiver.stats().total() > 0 ? receiver.lastKid() : -1;
        StringBuilder sb = new StringBuilder("SFrame decryption failed: no frame decrypted in ").append(dropRun)
                .append(" frames (").append(String.format(java.util.Locale.ROOT, "%.1f", spanUs / 1e6)).append(" s of media):");
        byReason.forEach((r, n) -> sb.append(' ').append(r).append(' ').append(n));
        if (kid >= 0) {
            sb.append(" for KID ").append(kid);
        }
        sb.append(" (").append(hint(top)).append(')');
        Arrays.fill(dropsInARow, 0);
        dropRun = 0;
        return new SframeDecryptionException(sb.toString(), top, kid, byReason);
    }

    private static String hint(SframeDropReason top) {
        if (top == null) {
            return "no reason recorded";
        }
        return switch (top) {
            case AUTH_FAILED -> "wrong key for this KID, or another cipher suite";
            case UNKNOWN_KID -> "the key provider has no key for this KID";
            case MALFORMED_FRAME, MALFORMED_HEADER, TRUNCATED -> "the stream is not SFrame, or another framing was used";
            case REPLAYED -> "frames replayed";
            default -> top.name();
        };
    }

    private EncodedFrame decrypt(EncodedFrame frame) {
        ByteBuf tmp = null;
        ByteBuf out = null;
        synchronized (this) {
            try {
                ByteBuf in = frame.content();
                int len = in.readableBytes();
                framesIn++;
                bytesIn += len;
                ByteBuf src = in;
                if (!in.hasArray()) {
                    tmp = alloc.heapBuffer(len);
                    tmp.writeBytes(in, in.readerIndex(), len);
                    src = tmp;
                }
                byte[] a = src.array();
                int off = src.arrayOffset() + src.readerIndex();
                out = alloc.heapBuffer(Math.max(len, 1));
                SframeDropReason failure;
                if (framing == SframeFraming.NAL_PRESERVING && frame.codec() == Codec.H264) {
                    failure = decryptNalUnits(a, off, len, out);
                } else {
                    SframeReceiveStatus s = receiver.decrypt(a, off, len, null, 0, 0,
                            out.array(), out.arrayOffset() + out.writerIndex());
                    if (s == SframeReceiveStatus.OK) {
                        out.writerIndex(out.writerIndex() + receiver.plaintextLength());
                        failure = null;
                    } else {
                        failure = SframeDropReason.of(s);
                    }
                }
                if (failure != null) {
                    lastDrop = failure;
                    drops[failure.ordinal()]++;
                    dropsInARow[failure.ordinal()]++;
                    if (LOG.isDebugEnabled()) {
                        LOG.debug("SFrame decryptor dropped {}: {}", frame, failure);
                    }
                    return null;
                }
                EncodedFrame result;
                if (frame.track().isOpaque()) {
                    TrackInfo track = decryptedTrack(frame.track(), frame.isKeyframe(), out);
                    if (track == null) {
                        lastDrop = SframeDropReason.NO_PARAMETER_SETS;
                        drops[SframeDropReason.NO_PARAMETER_SETS.ordinal()]++;
                        LOG.debug("SFrame decryptor dropped {}: no keyframe with SPS/PPS decrypted yet", frame);
                        return null;
                    }
                    result = new EncodedFrame(track, out, frame.ptsUs(), frame.dtsUs(), frame.isKeyframe(),
                            frame.createdNanos());
                } else {
                    result = frame.replace(out);
                }
                framesOut++;
                bytesOut += out.readableBytes();
                dropRun = 0;
                Arrays.fill(dropsInARow, 0);
                out = null;
                return result;
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

    /** Decrypts every encrypted NAL unit into {@code out} (capacity &ge; input length); the first failure, or null. */
    private SframeDropReason decryptNalUnits(byte[] a, int off, int len, ByteBuf out) {
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, scratch.length * 2)];
        }
        byte[] o = out.array();
        int base = out.arrayOffset() + out.writerIndex();
        int w = base;
        int end = off + len;
        for (int p = off; p < end; ) {
            if (end - p < 4) {
                return SframeDropReason.MALFORMED_FRAME;
            }
            int n = H264Sframe.readLength(a, p);
            if (n < 1 || n > end - p - 4) {
                return SframeDropReason.MALFORMED_FRAME;
            }
            int h = p + 4;
            if (H264Sframe.isClear(a[h])) {
                System.arraycopy(a, p, o, w, 4 + n);
                w += 4 + n;
            } else {
                int m = H264Sframe.unescape(a, h + 1, n - 1, scratch, 0);
                if (m < 0) {
                    return SframeDropReason.MALFORMED_FRAME;
                }
                SframeReceiveStatus s = receiver.decrypt(scratch, 0, m, a, h, 1, o, w + 5);
                if (s != SframeReceiveStatus.OK) {
                    return SframeDropReason.of(s);
                }
                int pt = receiver.plaintextLength();
                H264Sframe.writeLength(o, w, 1 + pt);
                o[w + 4] = a[h];
                w += 5 + pt;
            }
            p += 4 + n;
        }
        out.writerIndex(out.writerIndex() + (w - base));
        return null;
    }

    /** A snapshot of the per-frame counters; callable from any thread. */
    public synchronized SframeTransformStats stats() {
        return new SframeTransformStats(framesIn, framesOut, bytesIn, bytesOut, drops);
    }

    /** The underlying receiver's per-ciphertext counters (one ciphertext per NAL unit in NAL-preserving mode). */
    public SframeReceiverStats receiverStats() {
        return receiver.stats();
    }

    /** Zeroes the derived keys held by this decryptor. */
    @Override
    public synchronized void close() {
        receiver.clearKeys();
    }

    @Override
    public String toString() {
        return "SframeDecryptor{" + receiver.suite() + ' ' + framing + '}';
    }

    /** Builder for {@link SframeDecryptor}; setters validate at once. */
    public static final class Builder {
        private SframeCipherSuite suite = SframeCipherSuite.AES_128_GCM_SHA256_128;
        private KeyProvider keys;
        private SframeFraming framing = SframeFraming.NAL_PRESERVING;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private int maxKeys = 16;
        private int replayWindow;
        private int failAfterFrames = 250;
        private long failAfterUs = 5_000_000;

        private Builder() {
        }

        /**
         * When to give up: {@link SframeDecryptor#apply} throws {@link SframeDecryptionException} once it has dropped
         * {@code frames} frames in a row, or dropped frames in a row whose PTS span {@code mediaTime}, whichever
         * comes first. Default 250 frames or 5 s; 0 / {@code Duration.ZERO} disables that limit (both 0: never give
         * up, drops are only counted).
         *
         * @param frames    0..1000000
         * @param mediaTime 0..1 h of media time (PTS), not wall-clock time
         * @throws IllegalArgumentException if out of range
         */
        public Builder failAfter(int frames, Duration mediaTime) {
            Objects.requireNonNull(mediaTime, "mediaTime");
            if (frames < 0 || frames > 1_000_000) {
                throw new IllegalArgumentException("frames: " + frames + " (expected: 0..1000000)");
            }
            if (mediaTime.isNegative() || mediaTime.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("mediaTime: " + mediaTime + " (expected: 0..PT1H)");
            }
            this.failAfterFrames = frames;
            this.failAfterUs = mediaTime.toNanos() / 1000;
            return this;
        }

        /** Cipher suite; default {@link SframeCipherSuite#AES_128_GCM_SHA256_128}. Must match the encryptor's. */
        public Builder cipherSuite(SframeCipherSuite suite) {
            this.suite = Objects.requireNonNull(suite, "suite");
            return this;
        }

        /** Source of {@code base_key}s; required. Every KID the sender may use must be resolvable. */
        public Builder keyProvider(KeyProvider keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /** Framing for H.264 tracks; default {@link SframeFraming#NAL_PRESERVING}, which every relay can route. Must match the encryptor's. */
        public Builder framing(SframeFraming framing) {
            this.framing = Objects.requireNonNull(framing, "framing");
            return this;
        }

        /** Allocator of output payloads (heap buffers); default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /** Most KIDs held at once, 1..1024; default 16 (see {@link SframeReceiver.Builder#maxKeys(int)}). */
        public Builder maxKeys(int maxKeys) {
            if (maxKeys < 1 || maxKeys > 1024) {
                throw new IllegalArgumentException("maxKeys: " + maxKeys + " (expected: 1..1024)");
            }
            this.maxKeys = maxKeys;
            return this;
        }

        /** Replay window in CTRs, 0 (default, off) or 64..65536 (see {@link SframeReceiver.Builder#replayWindow(int)}). */
        public Builder replayWindow(int ctrs) {
            if (ctrs != 0 && (ctrs < 64 || ctrs > 65536)) {
                throw new IllegalArgumentException("replayWindow: " + ctrs + " (expected: 0 or 64..65536)");
            }
            this.replayWindow = ctrs;
            return this;
        }

        /** @throws IllegalStateException if the key provider is missing */
        public SframeDecryptor build() {
            if (keys == null) {
                throw new IllegalStateException("keyProvider is required");
            }
            return new SframeDecryptor(this);
        }
    }
}
