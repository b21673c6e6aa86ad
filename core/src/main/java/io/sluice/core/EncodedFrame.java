package io.sluice.core;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Objects;

/**
 * One encoded access unit (video) or audio frame, with its timing and the track configuration it
 * was produced under.
 *
 * <p><b>Payload layout</b> is fixed per {@link Codec}: H.264 is AVCC (4-byte big-endian NAL unit
 * lengths, no start codes), AAC is a raw frame without ADTS, Opus one packet. The payload is a
 * reference-counted {@link ByteBuf}; this holder starts with a reference count of 1 and releases the
 * payload when its count reaches 0 ({@link io.netty.buffer.ByteBufHolder} semantics).
 *
 * <p><b>Time</b>: {@link #ptsUs()} and {@link #dtsUs()} are microseconds on the pipeline's one
 * media clock (shared by every track, starting near 0). {@code dtsUs <= ptsUs}; they differ only
 * for streams with B-frames. Protocols convert at their edge (RTMP ms, RTP 90 kHz / 48 kHz).
 */
public final class EncodedFrame extends DefaultByteBufHolder implements MediaFrame {
    private final TrackInfo track;
    private final long ptsUs;
    private final long dtsUs;
    private final boolean keyframe;
    private final long createdNanos;

    /**
     * @param track        configuration this frame was encoded with; its {@link TrackInfo#trackId()} is the frame's track
     * @param payload      encoded bytes in the codec's layout (see class doc); ownership passes to this frame
     * @param ptsUs        presentation timestamp, µs
     * @param dtsUs        decode timestamp, µs, &le; {@code ptsUs}
     * @param keyframe     {@code true} for a random access point (see {@link #isKeyframe()}); every audio
     *                     frame is one
     * @param createdNanos when the frame entered the pipeline, ns on the pipeline's {@link io.sluice.core.time.Ticker}
     *                     ({@link System#nanoTime()} with the default one), for latency statistics; 0 if unknown
     */
    public EncodedFrame(TrackInfo track, ByteBuf payload, long ptsUs, long dtsUs, boolean keyframe, long createdNanos) {
        super(payload);
        this.track = Objects.requireNonNull(track, "track");
        this.ptsUs = ptsUs;
        this.dtsUs = dtsUs;
        this.keyframe = keyframe;
        this.createdNanos = createdNanos;
    }

    /** Shorthand for a frame with {@code dts == pts} and no creation time. */
    public EncodedFrame(TrackInfo track, ByteBuf payload, long ptsUs, boolean keyframe) {
        this(track, payload, ptsUs, ptsUs, keyframe, 0);
    }

    public TrackInfo track() {
        return track;
    }

    @Override
    public int trackId() {
        return track.trackId();
    }

    @Override
    public MediaType mediaType() {
        return track.mediaType();
    }

    public Codec codec() {
        return track.codec();
    }

    @Override
    public long ptsUs() {
        return ptsUs;
    }

    /** Decode timestamp in µs; equals {@link #ptsUs()} without B-frames. */
    public long dtsUs() {
        return dtsUs;
    }

    /**
     * Whether this frame is a random access point: a decoder may start here. For H.264 that is an
     * IDR access unit, or an access unit with a recovery point SEI (ITU-T H.264 §D.2.8) whose
     * {@code exact_match_flag} is set, as intra-refresh encoders (some WebRTC cameras) send instead of
     * IDRs; decoding from a recovery point is exact from the recovery frame on, which may be a few
     * frames later. The parameter sets are in the access unit or the track's codec configuration.
     * Producers that cannot see the SEI fields mark every recovery point SEI (the WHIP ingest's
     * RTP depacketizer does). Always {@code true} for audio.
     */
    public boolean isKeyframe() {
        return keyframe;
    }

    /** When the source produced the frame this was encoded from, ns on the pipeline's {@link io.sluice.core.time.Ticker}; 0 if unknown. */
    public long createdNanos() {
        return createdNanos;
    }

    /** Payload size in bytes. */
    public int size() {
        return content().readableBytes();
    }

    /** A frame with the same timing and track over a new payload. Ownership of {@code payload} passes to the result; this frame is untouched. */
    @Override
    public EncodedFrame replace(ByteBuf payload) {
        return new EncodedFrame(track, payload, ptsUs, dtsUs, keyframe, createdNanos);
    }

    /** The same frame with another track configuration; the result shares (and retains) the payload. */
    public EncodedFrame withTrack(TrackInfo newTrack) {
        return new EncodedFrame(newTrack, content().retain(), ptsUs, dtsUs, keyframe, createdNanos);
    }

    @Override
    public EncodedFrame copy() {
        return replace(content().copy());
    }

    @Override
    public EncodedFrame duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public EncodedFrame retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public EncodedFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public EncodedFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public EncodedFrame touch() {
        super.touch();
        return this;
    }

    @Override
    public EncodedFrame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public String toString() {
        return "EncodedFrame{#" + trackId() + ' ' + codec() + " pts=" + ptsUs + "us dts=" + dtsUs + "us"
                + (keyframe ? " key" : "") + " size=" + (refCnt() > 0 ? size() : -1) + '}';
    }
}
