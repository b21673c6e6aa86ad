package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_SMALL_LAST_FRAME;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CAP_VARIABLE_FRAME_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_CONFIG_SAMPLE_RATE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_FLAG_GLOBAL_HEADER;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_encoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_supported_config;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avutil.AV_CHANNEL_ORDER_UNSPEC;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLT;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_free;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_read;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_size;
import static org.bytedeco.ffmpeg.global.avutil.av_audio_fifo_write;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_compare;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_uninit;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_make_writable;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_samples_set_silence;
import static org.bytedeco.ffmpeg.global.swresample.swr_alloc_set_opts2;
import static org.bytedeco.ffmpeg.global.swresample.swr_convert;
import static org.bytedeco.ffmpeg.global.swresample.swr_free;
import static org.bytedeco.ffmpeg.global.swresample.swr_get_out_samples;
import static org.bytedeco.ffmpeg.global.swresample.swr_init;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.RawFrame;
import io.sluice.core.Timebase;
import io.sluice.core.TrackInfo;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVAudioFifo;
import org.bytedeco.ffmpeg.avutil.AVChannelLayout;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swresample.SwrContext;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AAC-LC (FFmpeg's native {@code aac} encoder) or Opus ({@code libopus}) encoder over libavcodec.
 *
 * <p><b>Input</b>: {@link AvRawFrame}s in any sample format, rate and channel layout (which may change
 * between frames). swresample converts them to the encoder's sample format (AAC: planar float; Opus:
 * interleaved float), rate and layout: {@link AudioEncoderConfig#channels()} channels in FFmpeg's
 * default layout for that count (5.1 is downmixed to stereo by default; 0 keeps the input's channel
 * count), {@link AudioEncoderConfig#sampleRate()} or the input's rate when AAC supports it (else
 * 48 kHz); Opus always runs at 48 kHz. An {@code AVAudioFifo} cuts the stream into the encoder's
 * exact frame size (AAC 1024 samples, Opus 960 = 20 ms).
 *
 * <p><b>Timestamps</b> (µs) come from a sample counter anchored at the first input frame's
 * {@link RawFrame#ptsUs()}: output packet {@code n} starts exactly {@code n × frameSize} samples
 * after the anchor, so they never drift. As FFmpeg reports them, the first packet starts before the
 * anchor by the encoder's priming delay ({@code initial_padding}: AAC 1024 samples = 21.3 ms at
 * 48 kHz, Opus 312 samples = 6.5 ms), so it may be negative; transports with unsigned timestamps
 * must offset. When an input frame's timestamp is more than 100 ms away from where the counter says
 * it should be (a gap or a jump back in the source), the partly filled frame is completed with silence
 * and the counter is re-anchored at the new timestamp (never earlier than the end of what was already
 * encoded). The resampler's own delay (a few samples) is not compensated.
 *
 * <p><b>Output</b>: one {@link EncodedFrame} per encoded packet, {@code pts == dts}, every frame a
 * keyframe, payload a raw AAC frame (no ADTS) or one Opus packet in a pooled direct {@link ByteBuf}
 * owned by the frame. {@link TrackInfo#codecConfig()} is the {@code AudioSpecificConfig} (AAC) or
 * {@code OpusHead} (Opus) from the encoder's extradata.
 *
 * <p><b>Bitrate changes</b> ({@link #setTargetBitrate}, thread-safe) are applied at the next encoder
 * frame. AAC: FFmpeg's encoder reads {@code bit_rate} in its per-frame rate control, so it is set on
 * the open context (the psychoacoustic model keeps the bit reservoir sized at open, so the new rate is
 * approached gradually). Opus: FFmpeg's libopus wrapper applies {@code bit_rate} only when it opens, so
 * the encoder is reopened at the next frame boundary without draining: the new encoder's 312-sample
 * priming makes a dropout of up to 6.5 ms there; timestamps stay continuous.
 *
 * <p>Not thread-safe otherwise: call {@link #encode}, {@link #flush} and {@link #close} from one thread.
 */
public final class FfmpegAudioEncoder extends LibavEncoder {
    private static final Logger log = LoggerFactory.getLogger(FfmpegAudioEncoder.class);
    /** A timestamp further than this from the sample counter re-anchors it, µs. */
    static final long GAP_THRESHOLD_US = 100_000;
    private static final int OPUS_RATE = 48_000;
    private static final int CREATED_RING = 32;

    private final AudioEncoderConfig config;
    private final int trackId;
    private final AVCodec codec;
    private final int sampleFormat;
    private final int sampleRate;
    private final Rational sampleTimeBase;
    private final AVChannelLayout outLayout = new AVChannelLayout();
    private final AVChannelLayout inLayout = new AVChannelLayout();

    private volatile TrackInfo track;
    private AVFrame encFrame;
    private AVFrame convFrame;
    private AVAudioFifo fifo;
    private SwrContext swr;
    private int inFormat = -1;
    private int inRate;
    private int frameSize;
    private long appliedBitrate;

    /** Encoder sample position of the next sample sent to the encoder (never reset). */
    private long encPos;
    private boolean anchored;
    private long segPos;
    private long segUs;
    private long prevSegPos;
    private long prevSegUs;
    private boolean hasPrevSeg;

    private final long[] ringPos = new long[CREATED_RING];
    private final long[] ringCreated = new long[CREATED_RING];
    private int ringNext;
    private int ringCount;

    /**
     * Opens the encoder; {@link #outputTrack()} is available when this returns.
     *
     * @param input         the raw audio track (sample rate in Hz and channel count) frames will come from
     * @param config        codec ({@link Codec#AAC} or {@link Codec#OPUS}), bitrate (bit/s), rate, channels
     * @param outputTrackId track id of the output track, &ge; 0
     * @throws EncoderException         if the encoder is missing from this FFmpeg build, the configured sample
     *                                  rate is not supported, or it fails to open (naming the function and code)
     * @throws IllegalArgumentException if {@code input} is not an audio track
     */
    public FfmpegAudioEncoder(TrackInfo input, AudioEncoderConfig config, int outputTrackId) {
        super(Objects.requireNonNull(config, "config").codec() == Codec.OPUS ? "libopus" : "aac", config.bitrateBps());
        Objects.requireNonNull(input, "input");
        this.config = config;
        if (!input.isAudio()) {
            throw new IllegalArgumentException("input: " + input + " (expected: an audio track)");
        }
        if (outputTrackId < 0) {
            throw new IllegalArgumentException("outputTrackId: " + outputTrackId + " (expected: >= 0)");
        }
        this.trackId = outputTrackId;
        boolean opus = config.codec() == Codec.OPUS;
        AVCodec c = avcodec_find_encoder_by_name(encoderName);
        if (c == null) {
            throw new EncoderException("audio encoder '" + encoderName + "' is not in this FFmpeg build");
        }
        this.codec = c;
        this.sampleFormat = opus ? AV_SAMPLE_FMT_FLT : AV_SAMPLE_FMT_FLTP;
        this.sampleRate = opus ? OPUS_RATE : chooseRate(c, config.sampleRate(), input.sampleRate());
        this.sampleTimeBase = Rational.of(1, sampleRate);
        int channels = config.channels() > 0 ? config.channels() : input.channels();
        av_channel_layout_default(outLayout, channels);
        boolean ok = false;
        try {
            allocatePacket();
            encFrame = allocateFrame();
            convFrame = allocateFrame();
            open(config.bitrateBps());
            fifo = av_audio_fifo_alloc(sampleFormat, channels, Math.max(frameSize, 1) * 4);
            if (fifo == null) {
                throw new OutOfMemoryError("av_audio_fifo_alloc() returned NULL");
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    private int chooseRate(AVCodec c, int configured, int inputRate) {
        int[] supported = supportedRates(c);
        if (configured > 0) {
            if (supported.length > 0 && Arrays.stream(supported).noneMatch(r -> r == configured)) {
                throw new EncoderException("sampleRate: " + configured + " Hz is not supported by " + encoderName
                        + " (supported: " + Arrays.toString(supported) + ")");
            }
            return configured;
        }
        if (supported.length == 0 || Arrays.stream(supported).anyMatch(r -> r == inputRate)) {
            return inputRate;
        }
        return 48_000;
    }

    private static int[] supportedRates(AVCodec c) {
        try (PointerPointer<IntPointer> out = new PointerPointer<>(1); IntPointer num = new IntPointer(1)) {
            if (avcodec_get_supported_config(null, c, AV_CODEC_CONFIG_SAMPLE_RATE, 0, out, num) < 0 || out.get(0) == null) {
                return new int[0];
            }
            IntPointer rates = new IntPointer(out.get(0));
            int[] r = new int[num.get()];
            rates.capacity(r.length).get(r);
            return r;
        }
    }

    /** Samples per channel in each encoded frame (AAC 1024, Opus 960). */
    public int frameSize() {
        return frameSize;
    }

    @Override
    public TrackInfo outputTrack() {
        return track;
    }

    /** A no-op: every audio frame is a random access point. */
    @Override
    public void requestKeyframe() {
    }

    /**
     * {@inheritDoc}
     *
     * @param frame borrowed; must be an {@link AvRawFrame} of an audio track
     * @throws IllegalArgumentException if {@code frame} is not an audio {@link AvRawFrame}
     * @throws IllegalStateException    after {@link #flush} or {@link #close}
     */
    @Override
    public void encode(RawFrame frame, Consumer<EncodedFrame> out) {
        if (!(frame instanceof AvRawFrame) || frame.mediaType() != MediaType.AUDIO) {
            throw new IllegalArgumentException("frame: " + frame + " (expected: an audio AvRawFrame)");
        }
        checkUsable();
        AVFrame src = ((AvRawFrame) frame).avFrame();
        if (src.nb_samples() <= 0) {
            return;
        }
        long writePos = encPos + av_audio_fifo_size(fifo);
        if (!anchored) {
            anchored = true;
            segPos = encPos;
            segUs = frame.ptsUs();
        } else {
            long expectedUs = positionToUs(writePos);
            if (Math.abs(frame.ptsUs() - expectedUs) > GAP_THRESHOLD_US) {
                padPartialFrame(out);
                long endUs = positionToUs(encPos);
                log.debug("{}: input pts {} us, counter at {} us: re-anchoring", encoderName, frame.ptsUs(), expectedUs);
                prevSegPos = segPos;
                prevSegUs = segUs;
                hasPrevSeg = true;
                segPos = encPos;
                segUs = Math.max(frame.ptsUs(), endUs);
                writePos = encPos;
            }
        }
        rememberCreated(writePos, frame.createdNanos());
        configureResampler(src);
        int maxOut = swr_get_out_samples(swr, src.nb_samples());
        ensureConvCapacity(maxOut);
        int converted = swr_convert(swr, convFrame.extended_data(), convFrame.nb_samples(), src.extended_data(), src.nb_samples());
        if (converted < 0) {
            throw FfmpegErrors.encoder("swr_convert", converted, what());
        }
        writeFifo(converted);
        encodeFullFrames(out);
    }

    /**
     * Drains the resampler and the FIFO before the encoder is drained: the last frame is sent short, as
     * AAC and Opus allow, or padded with silence for an encoder that does not.
     */
    @Override
    void flushInput(Consumer<EncodedFrame> out) {
        if (swr != null) {
            int maxOut = swr_get_out_samples(swr, 0);
            if (maxOut > 0) {
                ensureConvCapacity(maxOut);
                int n = swr_convert(swr, convFrame.extended_data(), convFrame.nb_samples(), (PointerPointer<?>) null, 0);
                if (n < 0) {
                    throw FfmpegErrors.encoder("swr_convert", n, what());
                }
                writeFifo(n);
            }
        }
        encodeFullFrames(out);
        int rest = av_audio_fifo_size(fifo);
        if (rest > 0) {
            boolean shortOk = (codec.capabilities() & (AV_CODEC_CAP_SMALL_LAST_FRAME | AV_CODEC_CAP_VARIABLE_FRAME_SIZE)) != 0;
            sendFromFifo(rest, shortOk ? rest : frameSize, out);
        }
    }

    @Override
    void freeResources() {
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        if (fifo != null) {
            av_audio_fifo_free(fifo);
            fifo = null;
        }
        freeFrame(encFrame);
        encFrame = null;
        freeFrame(convFrame);
        convFrame = null;
        av_channel_layout_uninit(inLayout);
        av_channel_layout_uninit(outLayout);
    }

    @Override
    public String toString() {
        return "FfmpegAudioEncoder{" + encoderName + ' ' + sampleRate + "Hz/" + outLayout.nb_channels() + "ch "
                + appliedBitrate / 1000 + "kb/s}";
    }

    @Override
    String what() {
        return encoderName + ' ' + sampleRate + "Hz/" + outLayout.nb_channels() + "ch";
    }

    private void open(long bitrate) {
        AVCodecContext c = avcodec_alloc_context3(codec);
        if (c == null) {
            throw new OutOfMemoryError("avcodec_alloc_context3() returned NULL");
        }
        ctx = c;
        c.sample_fmt(sampleFormat);
        c.sample_rate(sampleRate);
        int ret = av_channel_layout_copy(c.ch_layout(), outLayout);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_channel_layout_copy", ret, what());
        }
        c.time_base(av_make_q(1, sampleRate));
        c.bit_rate(bitrate);
        c.flags(c.flags() | AV_CODEC_FLAG_GLOBAL_HEADER);
        if (config.codec() == Codec.AAC) {
            setOption("profile", "aac_low");
        }
        for (Map.Entry<String, String> e : config.ffmpegOptions().entrySet()) {
            setOption(e.getKey(), e.getValue());
        }
        ret = avcodec_open2(c, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (ret < 0) {
            throw FfmpegErrors.encoder("avcodec_open2", ret, what());
        }
        appliedBitrate = bitrate;
        frameSize = c.frame_size() > 0 ? c.frame_size() : 1024;
        track = buildTrack(c, bitrate);
    }

    private TrackInfo buildTrack(AVCodecContext c, long bitrate) {
        byte[] extradata = new byte[Math.max(0, c.extradata_size())];
        if (extradata.length > 0 && c.extradata() != null) {
            c.extradata().get(extradata);
        }
        TrackInfo previous = track;
        if (previous != null && Arrays.equals(previous.codecConfig(), extradata)) {
            return previous;
        }
        return TrackInfo.builder(trackId, config.codec())
                .codecConfig(extradata)
                .audio(sampleRate, outLayout.nb_channels())
                .bitrateBps(bitrate)
                .encoderDelaySamples(Math.max(0, Math.min(65_535, c.initial_padding())))
                .description((config.codec() == Codec.AAC ? "aac LC " : "opus ") + sampleRate + "Hz " + outLayout.nb_channels() + "ch")
                .build();
    }

    /** (Re)creates the resampler when the input format, rate or layout differs from the last frame's. */
    private void configureResampler(AVFrame src) {
        AVChannelLayout layout = src.ch_layout();
        boolean unspecified = layout.order() == AV_CHANNEL_ORDER_UNSPEC;
        boolean sameLayout = unspecified ? inLayout.nb_channels() == layout.nb_channels()
                : av_channel_layout_compare(inLayout, layout) == 0;
        if (swr != null && src.format() == inFormat && src.sample_rate() == inRate && sameLayout) {
            return;
        }
        av_channel_layout_uninit(inLayout);
        if (unspecified) {
            av_channel_layout_default(inLayout, layout.nb_channels());
        } else {
            int ret = av_channel_layout_copy(inLayout, layout);
            if (ret < 0) {
                throw FfmpegErrors.encoder("av_channel_layout_copy", ret, what());
            }
        }
        inFormat = src.format();
        inRate = src.sample_rate();
        if (swr != null) {
            swr_free(swr);
            swr = null;
        }
        SwrContext s = new SwrContext(null);
        int ret = swr_alloc_set_opts2(s, outLayout, sampleFormat, sampleRate, inLayout, inFormat, inRate, 0, null);
        if (ret < 0) {
            throw FfmpegErrors.encoder("swr_alloc_set_opts2", ret, what());
        }
        swr = s;
        ret = swr_init(s);
        if (ret < 0) {
            throw FfmpegErrors.encoder("swr_init", ret, what() + " from " + inRate + "Hz/" + inLayout.nb_channels() + "ch format " + inFormat);
        }
    }

    private void ensureConvCapacity(int samples) {
        if (convFrame.nb_samples() >= samples && convFrame.buf(0) != null) {
            return;
        }
        av_frame_unref(convFrame);
        convFrame.format(sampleFormat);
        convFrame.sample_rate(sampleRate);
        int ret = av_channel_layout_copy(convFrame.ch_layout(), outLayout);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_channel_layout_copy", ret, what());
        }
        convFrame.nb_samples(Math.max(samples, 2048));
        ret = av_frame_get_buffer(convFrame, 0);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_frame_get_buffer", ret, what());
        }
    }

    private void writeFifo(int samples) {
        if (samples <= 0) {
            return;
        }
        int ret = av_audio_fifo_write(fifo, convFrame.extended_data(), samples);
        if (ret < samples) {
            throw FfmpegErrors.encoder("av_audio_fifo_write", ret < 0 ? ret : -1, what());
        }
    }

    private void encodeFullFrames(Consumer<EncodedFrame> out) {
        while (av_audio_fifo_size(fifo) >= frameSize) {
            sendFromFifo(frameSize, frameSize, out);
        }
    }

    /** Completes a partly filled frame with silence and encodes it (before a re-anchor). */
    private void padPartialFrame(Consumer<EncodedFrame> out) {
        int rest = av_audio_fifo_size(fifo);
        if (rest > 0) {
            sendFromFifo(rest, frameSize, out);
        }
    }

    /** Sends {@code samples} from the FIFO as a frame of {@code frameSamples} (the tail filled with silence). */
    private void sendFromFifo(int samples, int frameSamples, Consumer<EncodedFrame> out) {
        applyBitrate();
        prepareEncFrame(frameSamples);
        int ret = av_audio_fifo_read(fifo, encFrame.extended_data(), samples);
        if (ret < samples) {
            throw FfmpegErrors.encoder("av_audio_fifo_read", ret < 0 ? ret : -1, what());
        }
        if (frameSamples > samples) {
            av_samples_set_silence(encFrame.extended_data(), samples, frameSamples - samples,
                    outLayout.nb_channels(), sampleFormat);
        }
        encFrame.pts(encPos);
        encPos += frameSamples;
        send(encFrame, out);
    }

    private void prepareEncFrame(int samples) {
        if (encFrame.buf(0) == null || encFrame.nb_samples() != samples) {
            av_frame_unref(encFrame);
            encFrame.format(sampleFormat);
            encFrame.sample_rate(sampleRate);
            int ret = av_channel_layout_copy(encFrame.ch_layout(), outLayout);
            if (ret < 0) {
                throw FfmpegErrors.encoder("av_channel_layout_copy", ret, what());
            }
            encFrame.nb_samples(samples);
            ret = av_frame_get_buffer(encFrame, 0);
            if (ret < 0) {
                throw FfmpegErrors.encoder("av_frame_get_buffer", ret, what());
            }
        }
        int ret = av_frame_make_writable(encFrame);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_frame_make_writable", ret, what());
        }
    }

    /** Applies a new target bitrate before the next encoder frame (see class doc). */
    private void applyBitrate() {
        long bitrate = targetBitrate();
        if (bitrate == appliedBitrate) {
            return;
        }
        if (config.codec() == Codec.AAC) {
            ctx.bit_rate(bitrate);
            appliedBitrate = bitrate;
        } else {
            log.debug("{}: reopening for {} bit/s", encoderName, bitrate);
            freeCodec();
            open(bitrate);
        }
    }

    @Override
    EncodedFrame toEncodedFrame(AVPacket p) {
        int size = p.size();
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        try {
            payload.writeBytes(p.data().capacity(size).asByteBuffer());
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
        long ptsUs = positionToUs(p.pts());
        return new EncodedFrame(track, payload, ptsUs, ptsUs, true, createdOf(p.pts()));
    }

    /** Maps an encoder sample position to µs on the pipeline clock through the anchor segments. */
    private long positionToUs(long pos) {
        if (hasPrevSeg && pos < segPos) {
            return prevSegUs + Timebase.toMicros(pos - prevSegPos, sampleTimeBase);
        }
        return segUs + Timebase.toMicros(pos - segPos, sampleTimeBase);
    }

    private void rememberCreated(long pos, long createdNanos) {
        ringPos[ringNext] = pos;
        ringCreated[ringNext] = createdNanos;
        ringNext = (ringNext + 1) % CREATED_RING;
        ringCount = Math.min(ringCount + 1, CREATED_RING);
    }

    /** createdNanos of the newest input frame that starts at or before {@code pos} (the oldest known if none). */
    private long createdOf(long pos) {
        long oldest = 0;
        for (int i = 1; i <= ringCount; i++) {
            int idx = (ringNext - i + CREATED_RING) % CREATED_RING;
            if (ringPos[idx] <= pos) {
                return ringCreated[idx];
            }
            oldest = ringCreated[idx];
        }
        return oldest;
    }
}
