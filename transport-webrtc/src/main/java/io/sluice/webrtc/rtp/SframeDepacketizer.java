package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-frame SFrame depacketization (draft-ietf-avtcore-rtp-sframe-02 §5.2) for {@link JitterBuffer}: the
 * jitter buffer delimits a frame by the descriptor's S bit ({@link #startsFrame}) and E bit
 * ({@link #endsFrame}) over consecutive sequence numbers; {@link #depacketize} checks the run and writes
 * the concatenated fragments without their descriptors, i.e. the SFrame ciphertext, which it does not
 * interpret (the relay holds no key). Keyframe-ness is not in the payload: configure
 * {@link JitterBuffer.Builder#frameMarkingExtension} (RFC 9626 I bit).
 *
 * <p>A run is rejected (counted per {@link Drop}, {@code -1} returned, the jitter buffer drops the frame
 * and treats it as a loss) when a payload has no descriptor, the first lacks S, a later one has S, the
 * last lacks E, an earlier one has E, any has T = 1 (per-packet SFrame, §5.1.2, which Sluice does not
 * receive), or the ciphertext would exceed {@link #maxFrameBytes()}. The payload type check of §5.2 step 7
 * is the caller's (one depacketizer per payload type). Reserved descriptor bits are ignored.
 *
 * <p>Thread-safe: stateless apart from the drop counters.
 */
public final class SframeDepacketizer implements RtpDepacketizer {
    /** Default bound of one reassembled SFrame ciphertext, octets (4 MiB). */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 << 20;

    /** Why a run of packets was not turned into a frame. */
    public enum Drop {
        /** A payload is empty: no descriptor octet. */
        NO_DESCRIPTOR,
        /** The first payload of the run lacks the S bit (its start was lost). */
        MISSING_START,
        /** A payload after the first has the S bit. */
        START_INSIDE,
        /** The last payload of the run lacks the E bit (the frame was cut by a timestamp change or loss). */
        MISSING_END,
        /** A payload before the last has the E bit. */
        END_INSIDE,
        /** T = 1: per-packet SFrame (packetized content), not supported by this receiver. */
        PACKETIZED,
        /** The reassembled ciphertext would be larger than {@link #maxFrameBytes()}. */
        TOO_LARGE
    }

    private final int clockRate;
    private final int maxFrameBytes;
    private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);

    /**
     * @param clockRate     RTP clock rate of the media inside, Hz (90000 video, 48000 Opus)
     * @param maxFrameBytes bound of one reassembled ciphertext, octets, &ge; 1
     * @throws IllegalArgumentException if either is not positive
     */
    public SframeDepacketizer(int clockRate, int maxFrameBytes) {
        if (clockRate <= 0 || maxFrameBytes <= 0) {
            throw new IllegalArgumentException("clockRate " + clockRate + ", maxFrameBytes " + maxFrameBytes
                    + " (expected: both > 0)");
        }
        this.clockRate = clockRate;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** With {@link #DEFAULT_MAX_FRAME_BYTES}. */
    public SframeDepacketizer(int clockRate) {
        this(clockRate, DEFAULT_MAX_FRAME_BYTES);
    }

    /** @param payload borrowed; {@code true} if its descriptor has the S bit */
    @Override
    public boolean startsFrame(ByteBuf payload) {
        return payload.isReadable() && SframePayloadDescriptor.isStart(payload.getUnsignedByte(payload.readerIndex()));
    }

    /** @param payload borrowed; {@code true} if its descriptor has the E bit (the marker bit is not used) */
    @Override
    public boolean endsFrame(ByteBuf payload, boolean marker) {
        return payload.isReadable() && SframePayloadDescriptor.isEnd(payload.getUnsignedByte(payload.readerIndex()));
    }

    /**
     * Checks one run (see the class doc) and appends the ciphertext to {@code out}.
     *
     * @param payloads borrowed RTP payloads, consecutive sequence numbers, in order
     * @param out      borrowed destination, written from its writer index
     * @return 0 (no keyframe information in the payload), or -1 if rejected (counted)
     */
    @Override
    public int depacketize(List<ByteBuf> payloads, ByteBuf out) {
        int n = payloads.size();
        if (n == 0) {
            return reject(Drop.NO_DESCRIPTOR);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            ByteBuf p = payloads.get(i);
            if (!p.isReadable()) {
                return reject(Drop.NO_DESCRIPTOR);
            }
            int d = p.getUnsignedByte(p.readerIndex());
            if (SframePayloadDescriptor.isPacketized(d)) {
                return reject(Drop.PACKETIZED);
            }
            if (SframePayloadDescriptor.isStart(d) != (i == 0)) {
                return reject(i == 0 ? Drop.MISSING_START : Drop.START_INSIDE);
            }
            if (SframePayloadDescriptor.isEnd(d) != (i == n - 1)) {
                return reject(i == n - 1 ? Drop.MISSING_END : Drop.END_INSIDE);
            }
            total += p.readableBytes() - SframePayloadDescriptor.LENGTH;
        }
        if (total > maxFrameBytes) {
            return reject(Drop.TOO_LARGE);
        }
        for (ByteBuf p : payloads) {
            out.writeBytes(p, p.readerIndex() + SframePayloadDescriptor.LENGTH, p.readableBytes() - SframePayloadDescriptor.LENGTH);
        }
        return 0;
    }

    private int reject(Drop why) {
        drops.incrementAndGet(why.ordinal());
        return -1;
    }

    /** Runs rejected for {@code why} so far; callable from any thread. */
    public long drops(Drop why) {
        return drops.get(why.ordinal());
    }

    /** Runs rejected for any reason so far. */
    public long dropsTotal() {
        long t = 0;
        for (int i = 0; i < drops.length(); i++) {
            t += drops.get(i);
        }
        return t;
    }

    /** The bound of one reassembled ciphertext, octets. */
    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    @Override
    public int clockRate() {
        return clockRate;
    }
}
