package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_I;
import static org.bytedeco.ffmpeg.global.avutil.AV_PICTURE_TYPE_NONE;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.RawFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.VideoSize;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * H.264 encoder over libavcodec ({@code avcodec_send_frame}/{@code avcodec_receive_packet}) with
 * libx264 (GPL build) or libopenh264 (both builds), configured for live streaming: no B-frames
 * ({@code dts == pts}), a fixed keyframe interval, global headers, and for x264 {@code tune=zerolatency}
 * with a 1 s VBV.
 *
 * <p><b>Input</b>: {@link AvRawFrame}s of any size and pixel format; they are converted to I420
 * ({@code yuv420p}) at the output size with swscale (bicubic). A frame that already is yuv420p at the
 * output size is passed on by reference ({@code av_frame_ref}), without copying pixels.
 *
 * <p><b>Output</b>: one {@link EncodedFrame} per input frame (neither encoder buffers frames in this
 * configuration, so output follows input without delay). Payload: one access unit in <b>AVCC</b>
 * form (4-byte big-endian NAL unit lengths, see {@link Codec#H264}) in a pooled direct
 * {@link ByteBuf} owned by the frame. Keyframes carry their SPS and PPS in-band as well as in
 * {@link TrackInfo#codecConfig()} (x264 is told {@code repeat-headers=1}; for OpenH264, whose FFmpeg
 * wrapper leaves them out with global headers, they are copied in front of each keyframe), so a
 * receiver joining at any keyframe can decode. {@code ptsUs == dtsUs}, both exactly
 * the input frame's {@link RawFrame#ptsUs()} (the encoder runs in a µs time base, nothing is rounded
 * to frame numbers); an input timestamp that does not increase is bumped to previous + 1 µs.
 * {@link EncodedFrame#createdNanos()} is the input frame's {@link RawFrame#createdNanos()}.
 *
 * <p><b>Runtime control</b> ({@link #setTargetBitrate}, {@link #requestKeyframe}, {@link #setResolution})
 * is thread-safe and applied when the next frame is encoded. libx264 reconfigures its rate control
 * in place (FFmpeg's {@code reconfig_encoder} picks up {@code bit_rate}, {@code rc_max_rate} and
 * {@code rc_buffer_size}). FFmpeg's libopenh264 wrapper cannot change the bitrate of an open encoder,
 * so a new target there drains and reopens the encoder: the next frame is an IDR, and if the
 * parameter sets changed, frames from then on carry a new {@link TrackInfo} instance.
 *
 * <p>Not thread-safe otherwise: call {@link #encode}, {@link #flush} and {@link #close} from one thread.
 */
public final class FfmpegVideoEncoder extends LibavEncoder {
    private static final Logger log = LoggerFactory.getLogger(FfmpegVideoEncoder.class);
    /** Encoder time base: 1 µs, so encoder timestamps are the pipeline's. */
    private static final int TIME_BASE_DEN = 1_000_000;
    private static final Rational DEFAULT_FRAME_RATE = Rational.of(30, 1);
    private static final int CREATED_RING = 64;
    /** {@code AV_FRAME_FLAG_KEY} of libavutil/frame.h (a macro the preset does not map). */
    private static final int AV_FRAME_FLAG_KEY = 1 << 1;

    private final VideoEncoderConfig config;
    private final int trackId;
    private final boolean x264;
    private final AVCodec codec;
    /** The input's frame rate (or the configured one): the highest output rate, frames per second. */
    private final Rational sourceFrameRate;
    /** The open encoder's frame rate, frames per second; below {@link #sourceFrameRate} input frames are dropped. */
    private Rational frameRate;
    private final AtomicReference<Rational> pendingFrameRate = new AtomicReference<>();
    private volatile Rational requestedFrameRate;
    /** PTS of the last frame encoded, µs, for dropping frames below the source's frame rate. */
    private long lastKeptPtsUs = Long.MIN_VALUE;
    private final AvccPacketWriter avccWriter = new AvccPacketWriter();

    private final AtomicBoolean keyframeRequested = new AtomicBoolean();
    /** Pending output size as {@code width << 32 | height}, or 0. */
    private final AtomicLong pendingResolution = new AtomicLong();

    private volatile TrackInfo track;
    private volatile VideoSize requestedSize;
    private AVFrame scaled;
    private AVFrame passthrough;
    private SwsContext sws;
    private int width;
    private int height;
    private long appliedBitrate;
    private boolean forceIdr;
    /** SPS and PPS of the open encoder as AVCC NAL units (4-byte lengths), put before keyframes lacking them. */
    private byte[] parameterSets;

    private final long[] ringPts = new long[CREATED_RING];
    private final long[] ringCreated = new long[CREATED_RING];
    private int ringNext;

    private long lastPtsUs = Long.MIN_VALUE;
    private boolean warnedNonMonotonic;

    /**
     * Opens the encoder; {@link #outputTrack()} is available when this returns.
     *
     * @param input         the raw track: its resolution is the output size unless {@code config} sets one,
     *                      its frame rate (frames per second) is used for rate control unless {@code config} sets one
     *                      (30 fps if neither does)
     * @param config        output settings; {@link VideoEncoderConfig#encoderName()} picks libx264 or libopenh264
     * @param outputTrackId track id of the output track, &ge; 0
     * @throws EncoderException         if the codec is not H.264, the named encoder is unknown or missing from
     *                                  this FFmpeg build (the message lists the available ones), or it fails to open
     * @throws IllegalArgumentException if {@code input} is not a video track
     */
    public FfmpegVideoEncoder(TrackInfo input, VideoEncoderConfig config, int outputTrackId) {
        super(resolveEncoder(config), config.bitrateBps());
        Objects.requireNonNull(input, "input");
        this.config = config;
        if (!input.isVideo()) {
            throw new IllegalArgumentException("input: " + input + " (expected: a video track)");
        }
        if (outputTrackId < 0) {
            throw new IllegalArgumentException("outputTrackId: " + outputTrackId + " (expected: >= 0)");
        }
        this.trackId = outputTrackId;
        AVCodec c = avcodec_find_encoder_by_name(encoderName);
        if (c == null) {
            throw new EncoderException("H.264 encoder '" + encoderName + "' is not in this FFmpeg build (available: "
                    + String.join(", ", FfmpegCodecs.availableH264Encoders())
                    + (encoderName.equals(FfmpegCodecs.LIBX264) ? "; libx264 needs the GPL build, -Pgpl" : "") + ")");
        }
        this.codec = c;
        this.x264 = encoderName.equals(FfmpegCodecs.LIBX264);
        this.sourceFrameRate = config.frameRate().or(input::frameRate).orElse(DEFAULT_FRAME_RATE);
        this.frameRate = sourceFrameRate;
        this.requestedFrameRate = sourceFrameRate;
        int w = config.width() > 0 ? config.width() : input.width() & ~1;
        int h = config.height() > 0 ? config.height() : input.height() & ~1;
        boolean ok = false;
        try {
            allocatePacket();
            scaled = allocateFrame();
            passthrough = allocateFrame();
            open(w, h, config.bitrateBps());
            requestedSize = new VideoSize(w, h);
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    /** The current output track; a new instance after a change of parameter sets (bitrate reopen, resolution). */
    @Override
    public TrackInfo outputTrack() {
        return track;
    }

    /** {@inheritDoc} The next frame passed to {@link #encode} is coded as an IDR picture. */
    @Override
    public void requestKeyframe() {
        keyframeRequested.set(true);
    }

    /**
     * {@inheritDoc} {@code true} for libx264 (its rate control is reconfigured between two frames), {@code false}
     * for libopenh264 (a new bitrate reopens the encoder: an IDR picture).
     */
    @Override
    public boolean changesBitrateInPlace() {
        return x264;
    }

    /**
     * Changes the output size from the next frame on (for adaptive bitrate ladders). Thread-safe. The
     * encoder is drained and reopened at the next {@link #encode}: that frame is an IDR and it and
     * the following frames carry a new {@link TrackInfo} with the new size and parameter sets.
     *
     * @param width  pixels, even, 16..8192
     * @param height pixels, even, 16..8192
     * @return {@code true}: this encoder always supports it
     * @throws IllegalArgumentException if a dimension is odd or out of range
     */
    @Override
    public boolean setResolution(int width, int height) {
        if (width < 16 || height < 16 || width > 8192 || height > 8192 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("resolution: " + width + "x" + height + " (expected: even, 16..8192)");
        }
        pendingResolution.set((long) width << 32 | height);
        requestedSize = new VideoSize(width, height);
        return true;
    }

    /** The size last asked for with {@link #setResolution}, else the size the encoder opened with. */
    @Override
    public VideoSize resolution() {
        return requestedSize;
    }

    /**
     * Lowers (or restores) the output frame rate from the next frame on. Thread-safe. At the next {@link #encode} the
     * encoder is drained and reopened with the new rate (its GOP keeps its duration in seconds; that frame is an
     * IDR); from then on an input frame is dropped when it comes less than one output frame interval, less half an
     * input frame interval, after the last frame encoded. A rate at or above the input's keeps every frame.
     *
     * @param framesPerSecond 1..240 frames per second; capped at the input's (or configured) frame rate
     * @return {@code true}: this encoder always supports it
     * @throws IllegalArgumentException if the rate is outside 1..240
     */
    @Override
    public boolean setFrameRate(Rational framesPerSecond) {
        double fps = framesPerSecond.toDouble();
        if (!(fps >= 1 && fps <= 240)) {
            throw new IllegalArgumentException("frame rate: " + framesPerSecond + " (expected: 1..240 frames per second)");
        }
        Rational r = fps >= sourceFrameRate.toDouble() ? sourceFrameRate : framesPerSecond;
        pendingFrameRate.set(r);
        requestedFrameRate = r;
        return true;
    }

    /** The rate last asked for with {@link #setFrameRate}, else the input's (or configured) frame rate; frames per second. */
    @Override
    public Rational frameRate() {
        return requestedFrameRate;
    }

    /**
     * {@inheritDoc} Below the input's frame rate (see {@link #setFrameRate}) some frames give no output.
     *
     * @param frame borrowed; must be an {@link AvRawFrame} of a video track
     * @throws IllegalArgumentException if {@code frame} is not an {@link AvRawFrame} video frame
     * @throws IllegalStateException    after {@link #flush} or {@link #close}
     */
    @Override
    public void encode(RawFrame frame, Consumer<EncodedFrame> out) {
        if (!(frame instanceof AvRawFrame) || frame.mediaType() != MediaType.VIDEO) {
            throw new IllegalArgumentException("frame: " + frame + " (expected: a video AvRawFrame)");
        }
        checkUsable();
        applyPendingChanges(out);
        if (dropForFrameRate(frame.ptsUs())) {
            return;
        }
        AVFrame src = ((AvRawFrame) frame).avFrame();
        AVFrame in = prepareInput(src);
        try {
            long ptsUs = frame.ptsUs();
            if (ptsUs <= lastPtsUs) {
                if (!warnedNonMonotonic) {
                    warnedNonMonotonic = true;
                    log.warn("{}: input pts {} us does not increase (previous {} us); bumping to previous + 1 us (logged once)",
                            encoderName, ptsUs, lastPtsUs);
                }
                ptsUs = lastPtsUs + 1;
            }
            lastPtsUs = ptsUs;
            in.pts(ptsUs);
            in.flags(in.flags() & ~AV_FRAME_FLAG_KEY);
            boolean key = keyframeRequested.getAndSet(false) | forceIdr;
            forceIdr = false;
            in.pict_type(key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE);
            remember(ptsUs, frame.createdNanos());
            send(in, out);
        } finally {
            if (in == passthrough) {
                av_frame_unref(passthrough);
            }
        }
    }

    @Override
    void freeResources() {
        if (sws != null) {
            sws_freeContext(sws);
            sws = null;
        }
        freeFrame(scaled);
        scaled = null;
        freeFrame(passthrough);
        passthrough = null;
    }

    @Override
    public String toString() {
        return "FfmpegVideoEncoder{" + encoderName + ' ' + width + 'x' + height + ' ' + frameRate + "fps "
                + appliedBitrate / 1000 + "kb/s}";
    }

    @Override
    String what() {
        return encoderName + ' ' + width + 'x' + height;
    }

    /** Whether the frame at {@code ptsUs} is dropped to keep the output at {@link #frameRate}. */
    private boolean dropForFrameRate(long ptsUs) {
        if (frameRate == sourceFrameRate) {
            lastKeptPtsUs = ptsUs;
            return false;
        }
        double intervalUs = 1e6 / frameRate.toDouble() - 0.5e6 / sourceFrameRate.toDouble();
        if (lastKeptPtsUs != Long.MIN_VALUE && ptsUs > lastKeptPtsUs && ptsUs - lastKeptPtsUs < intervalUs) {
            return true;
        }
        lastKeptPtsUs = ptsUs;
        return false;
    }

    /** Applies a pending resolution, frame rate or bitrate change before the next frame. */
    private void applyPendingChanges(Consumer<EncodedFrame> out) {
        long res = pendingResolution.getAndSet(0);
        long bitrate = targetBitrate();
        Rational fps = pendingFrameRate.getAndSet(null);
        if (fps != null && !fps.equals(frameRate)) {
            frameRate = fps;
            lastKeptPtsUs = Long.MIN_VALUE; // the next frame is kept: the IDR at the new rate
            int w = res != 0 ? (int) (res >>> 32) : width;
            int h = res != 0 ? (int) res : height;
            reopen(w, h, bitrate, out);
        } else if (res != 0 && ((int) (res >>> 32) != width || (int) res != height)) {
            reopen((int) (res >>> 32), (int) res, bitrate, out);
        } else if (bitrate != appliedBitrate) {
            if (x264) {
                // libx264.c reconfig_encoder() compares these with its params on every frame and calls x264_encoder_reconfig().
                ctx.bit_rate(bitrate);
                ctx.rc_max_rate(bitrate);
                ctx.rc_buffer_size(vbvBits(bitrate));
                appliedBitrate = bitrate;
            } else {
                reopen(width, height, bitrate, out);
            }
        }
    }

    /** x264's VBV size for a bitrate, bits: {@link VideoEncoderConfig#rateControlBuffer()} at it, default 1 s. */
    private int vbvBits(long bitrate) {
        Duration buffer = config.rateControlBuffer() != null ? config.rateControlBuffer() : Duration.ofSeconds(1);
        return (int) Math.min(Integer.MAX_VALUE, bitrate * buffer.toNanos() / 1_000_000_000L);
    }

    /** Drains the open encoder into {@code out}, then opens a new one; the next frame is an IDR. */
    private void reopen(int w, int h, long bitrate, Consumer<EncodedFrame> out) {
        log.debug("{}: reopening at {}x{} {} bit/s", encoderName, w, h, bitrate);
        drainEncoder(out);
        freeCodec();
        open(w, h, bitrate);
        forceIdr = true;
    }

    private void open(int w, int h, long bitrate) {
        this.width = w;
        this.height = h;
        AVCodecContext c = avcodec_alloc_context3(codec);
        if (c == null) {
            throw new OutOfMemoryError("avcodec_alloc_context3() returned NULL");
        }
        ctx = c;
        c.width(w);
        c.height(h);
        c.pix_fmt(AV_PIX_FMT_YUV420P);
        c.sample_aspect_ratio(av_make_q(1, 1));
        c.time_base(av_make_q(1, TIME_BASE_DEN));
        c.framerate(av_make_q((int) frameRate.num(), (int) frameRate.den()));
        int gopFrames = (int) Math.max(1, Math.round(config.gop().toNanos() / 1e9 * frameRate.toDouble()));
        c.gop_size(gopFrames);
        c.keyint_min(gopFrames);
        c.max_b_frames(0);
        c.bit_rate(bitrate);
        c.rc_max_rate(bitrate);
        c.thread_count(config.threads());
        c.flags(c.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
        if (x264) {
            c.rc_buffer_size(vbvBits(bitrate)); // VBV: config.rateControlBuffer(), default 1 s
            setOption("preset", config.preset());
            setOption("tune", "zerolatency");
            setOption("profile", "high");
            setOption("forced-idr", "1");
            String x264Params = config.ffmpegOptions().get("x264-params");
            setOption("x264-params", x264Params == null ? "repeat-headers=1" : "repeat-headers=1:" + x264Params);
        } else {
            setOption("rc_mode", "bitrate");
            setOption("allow_skip_frames", "0");
        }
        for (Map.Entry<String, String> e : config.ffmpegOptions().entrySet()) {
            if (!e.getKey().equals("x264-params")) {
                setOption(e.getKey(), e.getValue());
            }
        }
        int ret = avcodec_open2(c, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (ret < 0) {
            throw FfmpegErrors.encoder("avcodec_open2", ret, what());
        }
        appliedBitrate = bitrate;
        track = buildTrack(c, bitrate);
    }

    /** The output track for the just-opened context; the previous instance when the parameter sets are unchanged. */
    private TrackInfo buildTrack(AVCodecContext c, long bitrate) {
        int size = c.extradata_size();
        if (c.extradata() == null || size <= 0) {
            throw new EncoderException(encoderName + " produced no extradata (SPS/PPS) for " + what());
        }
        ByteBuffer extradata = c.extradata().capacity(size).asByteBuffer();
        byte[] config;
        int profile;
        try {
            AvcDecoderConfigurationRecord record = AvcDecoderConfigurationRecord.fromAnnexB(extradata);
            config = record.toBytes();
            profile = record.profileIdc();
            parameterSets = avccParameterSets(record);
        } catch (MediaProtocolException e) {
            throw new EncoderException(encoderName + " extradata is not usable SPS/PPS for " + what() + ": " + e.getMessage(), e);
        }
        TrackInfo previous = track;
        if (previous != null && previous.width() == width && previous.height() == height
                && Arrays.equals(previous.codecConfig(), config) && previous.frameRate().equals(Optional.of(frameRate))) {
            return previous;
        }
        return TrackInfo.builder(trackId, Codec.H264)
                .codecConfig(config)
                .resolution(width, height)
                .frameRate(frameRate)
                .bitrateBps(bitrate)
                .hasBFrames(false)
                .description("h264 " + encoderName + ' ' + profileName(profile) + ' ' + width + 'x' + height)
                .build();
    }

    private static byte[] avccParameterSets(AvcDecoderConfigurationRecord record) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (java.util.List<byte[]> list : java.util.List.of(record.sps(), record.pps())) {
            for (byte[] nal : list) {
                out.write(nal.length >>> 24);
                out.write(nal.length >>> 16);
                out.write(nal.length >>> 8);
                out.write(nal.length);
                out.write(nal, 0, nal.length);
            }
        }
        return out.toByteArray();
    }

    private static String profileName(int profileIdc) {
        switch (profileIdc) {
            case 66:
                return "Baseline";
            case 77:
                return "Main";
            case 100:
                return "High";
            default:
                return "profile " + profileIdc;
        }
    }

    /** Converts {@code src} to yuv420p at the output size, or references it when it already is. */
    private AVFrame prepareInput(AVFrame src) {
        if (src.format() == AV_PIX_FMT_YUV420P && src.width() == width && src.height() == height) {
            int ret = av_frame_ref(passthrough, src);
            if (ret < 0) {
                throw FfmpegErrors.encoder("av_frame_ref", ret, what());
            }
            return passthrough;
        }
        if (scaled.width() != width || scaled.height() != height) {
            av_frame_unref(scaled);
            scaled.format(AV_PIX_FMT_YUV420P);
            scaled.width(width);
            scaled.height(height);
            int ret = av_frame_get_buffer(scaled, 0);
            if (ret < 0) {
                throw FfmpegErrors.encoder("av_frame_get_buffer", ret, what());
            }
        }
        // The encoder may still reference the previous picture's buffer: copy-on-write if so.
        int ret = av_frame_make_writable(scaled);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_frame_make_writable", ret, what());
        }
        sws = sws_getCachedContext(sws, src.width(), src.height(), src.format(), width, height, AV_PIX_FMT_YUV420P,
                SWS_BICUBIC, null, null, (double[]) null);
        if (sws == null) {
            throw new EncoderException("sws_getCachedContext", 0, "sws_getCachedContext() returned NULL for "
                    + src.width() + 'x' + src.height() + " pixel format " + src.format() + " -> yuv420p " + width + 'x' + height);
        }
        ret = sws_scale_frame(sws, scaled, src);
        if (ret < 0) {
            throw FfmpegErrors.encoder("sws_scale_frame", ret, what());
        }
        return scaled;
    }

    @Override
    EncodedFrame toEncodedFrame(AVPacket p) {
        ByteBuffer annexB = p.data().capacity(p.size()).asByteBuffer();
        boolean key = (p.flags() & AV_PKT_FLAG_KEY) != 0;
        ByteBuf payload = avccWriter.toAvcc(annexB, key ? parameterSets : null, PooledByteBufAllocator.DEFAULT);
        long pts = p.pts();
        long dts = p.dts();
        return new EncodedFrame(track, payload, pts, Math.min(dts, pts), key, createdNanosOf(pts));
    }

    private static String resolveEncoder(VideoEncoderConfig config) {
        if (Objects.requireNonNull(config, "config").codec() != Codec.H264) {
            throw new EncoderException("video codec " + config.codec() + " is not supported (expected: H264)");
        }
        return FfmpegCodecs.resolveH264(config.encoderName()).orElseThrow(() -> new EncoderException(
                "unknown or unavailable H.264 encoder '" + config.encoderName().orElse("") + "' (available in this FFmpeg build: "
                        + String.join(", ", FfmpegCodecs.availableH264Encoders())
                        + "; accepted names: x264, libx264 (GPL build, -Pgpl), openh264, libopenh264)"));
    }

    private void remember(long ptsUs, long createdNanos) {
        ringPts[ringNext] = ptsUs;
        ringCreated[ringNext] = createdNanos;
        ringNext = (ringNext + 1) % CREATED_RING;
    }

    private long createdNanosOf(long ptsUs) {
        for (int i = 1; i <= CREATED_RING; i++) {
            int idx = (ringNext - i + CREATED_RING) % CREATED_RING;
            if (ringPts[idx] == ptsUs) {
                return ringCreated[idx];
            }
        }
        return 0;
    }
}
