package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AAC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_AV1;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_HEVC;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_OPUS;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_VORBIS;
import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_VP8;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_CORRUPT;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_ALL;
import static org.bytedeco.ffmpeg.global.avcodec.AVDISCARD_DEFAULT;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_get_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_profile_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.AV_DISPOSITION_ATTACHED_PIC;
import static org.bytedeco.ffmpeg.global.avformat.av_find_input_format;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_network_init;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EAGAIN;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EXIT;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_INVALIDDATA;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_DICT_IGNORE_SUFFIX;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_free;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_get;
import static org.bytedeco.ffmpeg.global.avutil.av_dict_set;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_move_ref;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_get_pix_fmt_name;
import static org.bytedeco.ffmpeg.global.avutil.av_get_sample_fmt_name;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.Sps;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.Timebase;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.time.Ticker;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOInterruptCB;
import org.bytedeco.ffmpeg.avformat.AVInputFormat;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.bytedeco.ffmpeg.avutil.AVDictionaryEntry;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MediaSource} over anything FFmpeg can demux: a file path, {@code file:}, {@code http(s):},
 * {@code rtmp:}, {@code rtsp:}, {@code srt:}, {@code udp:} URLs and so on.
 *
 * <pre>{@code
 * try (FfmpegSource source = FfmpegSource.builder("/media/clip.mp4").build()) {
 *     List<TrackInfo> tracks = source.open();
 *     source.select(Map.of(0, Delivery.DECODED, 1, Delivery.ENCODED));
 *     for (MediaFrame f; (f = source.read()) != null; ) {
 *         try { ... } finally { f.release(); }
 *     }
 * }
 * }</pre>
 *
 * <p><b>Tracks</b>: one {@link TrackInfo} per audio or video stream (cover-art streams are skipped), with
 * {@code trackId} = FFmpeg's stream index. {@link TrackInfo#codecConfig()} is the {@code avcC} record for H.264
 * (built from Annex B extradata when the container carries that, and always with 4-byte NAL unit lengths), the
 * {@code AudioSpecificConfig} for AAC, the {@code OpusHead} for Opus, otherwise the container's extradata.
 *
 * <p><b>Frames</b> ({@link #read()}): {@link Delivery#ENCODED} tracks give {@link EncodedFrame}s whose payload is
 * a copy of the demuxed packet in a pooled direct {@link ByteBuf}, H.264/H.265 rewritten to 4-byte NAL unit
 * lengths; {@link Delivery#DECODED} tracks give {@link AvRawFrame}s in the decoder's own format (H.264:
 * {@code yuv420p}; AAC: {@code fltp}). The caller owns and releases every frame.
 *
 * <p><b>Time</b>: {@code ptsUs = rescale(ts, stream time_base → µs) − originUs}, where {@code originUs} is the
 * smallest {@code start_time} over the selected streams, so A/V offsets in the container are kept. Decoded frames
 * use {@code best_effort_timestamp}; a frame without one, or one that would not advance its track's clock, gets the
 * previous timestamp plus the previous duration. Nothing is rounded to frame numbers.
 *
 * <p><b>Errors</b>: {@link MediaSourceException}s name the input, the native function and its return code, e.g.
 * {@code "input '/x/missing.mp4': avformat_open_input() returned -2 (No such file or directory)"}. A packet the
 * decoder rejects ({@code AVERROR_INVALIDDATA}) is counted ({@link #decodeErrorCount()}), logged (rate-limited)
 * and skipped.
 *
 * <p><b>Threads</b>: {@link #open()}, {@link #select(Map)}, {@link #read()} and {@link #close()} belong to one
 * thread; {@link #abort()} may be called from any thread and makes blocking network I/O return through FFmpeg's
 * interrupt callback. This class paces nothing: a file is read as fast as {@link #read()} is called.
 */
public final class FfmpegSource implements MediaSource {
    private static final Logger LOG = LoggerFactory.getLogger(FfmpegSource.class);
    private static final long MICROS = 1_000_000L;
    private static final String[] LIVE_SCHEMES = {"rtmp:", "rtmps:", "rtmpt:", "rtsp:", "rtsps:", "srt:", "udp:", "rtp:"};
    private static final InterruptCallback INTERRUPT = new InterruptCallback();
    private static volatile boolean networkInitialized;

    private final String input;
    private final String format;
    private final Map<String, String> options;
    private final boolean live;
    private final boolean opaquePayloads;

    private final Object abortLock = new Object();
    private volatile boolean aborted;
    private BytePointer abortFlag; // guarded by abortLock; 1 byte read by the interrupt callback

    private AVFormatContext formatContext;
    private AVPacket packet;
    private AVFrame decoded;
    private Track[] tracksByIndex = new Track[0];
    private List<TrackInfo> trackInfos;
    private boolean selected;
    private boolean endOfInput;
    private boolean closed;
    private long originUs;
    private boolean originKnown;
    private final ArrayDeque<MediaFrame> pending = new ArrayDeque<>();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final RateLimitedLog errorLog = new RateLimitedLog(LOG, 1_000_000_000L);

    /** Stamps {@code createdNanos} of every frame. */
    private final Ticker ticker;

    private FfmpegSource(Builder b) {
        this.input = b.input;
        this.ticker = b.ticker;
        this.format = b.format;
        this.options = Collections.unmodifiableMap(new LinkedHashMap<>(b.options));
        this.live = b.live != null ? b.live : isLiveUrl(b.input);
        this.opaquePayloads = b.opaquePayloads;
    }

    /**
     * A builder for {@code input}: a path or any URL FFmpeg's protocols accept.
     *
     * @throws IllegalArgumentException if {@code input} is empty
     */
    public static Builder builder(String input) {
        return new Builder(input);
    }

    /** Shorthand for {@code builder(input).build()}. */
    public static FfmpegSource of(String input) {
        return builder(input).build();
    }

    /** Whether {@code input} has a live-streaming scheme: {@code rtmp(s|t):}, {@code rtsp(s):}, {@code srt:}, {@code udp:}, {@code rtp:}. */
    public static boolean isLiveUrl(String input) {
        String lower = input.toLowerCase(Locale.ROOT);
        for (String scheme : LIVE_SCHEMES) {
            if (lower.startsWith(scheme)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String name() {
        return input;
    }

    /** The FFmpeg input format forced by the builder, or null to probe. */
    public String format() {
        return format;
    }

    /** The FFmpeg options passed to {@code avformat_open_input}. */
    public Map<String, String> options() {
        return options;
    }

    /**
     * {@code true} for {@code rtmp:}, {@code rtsp:}, {@code srt:}, {@code udp:}, {@code rtp:} inputs (or as set
     * with {@link Builder#live(boolean)}); {@code false} for files.
     */
    @Override
    public boolean isLive() {
        return live;
    }

    /** Packets the decoders rejected so far (skipped, not fatal). Thread-safe. */
    public long decodeErrorCount() {
        return decodeErrors.get();
    }

    /**
     * Opens the input ({@code avformat_open_input}, {@code avformat_find_stream_info}) and describes its audio and
     * video streams.
     *
     * @return one track per audio/video stream, in stream order; may hold audio only or video only
     * @throws MediaSourceException  if the input cannot be opened or probed, has no audio or video stream, or
     *                               {@link #abort()} was called meanwhile
     * @throws IllegalStateException if already opened or closed
     */
    @Override
    public List<TrackInfo> open() {
        if (closed || formatContext != null || trackInfos != null) {
            throw new IllegalStateException("open(): " + (closed ? "closed" : "already open") + " (input '" + input + "')");
        }
        FfmpegLog.install();
        initNetwork();
        try {
            openInput();
            int ret;
            FfmpegLog.probingOpaquePayloads(opaquePayloads);
            try {
                ret = avformat_find_stream_info(formatContext, (org.bytedeco.javacpp.PointerPointer<?>) null);
            } finally {
                FfmpegLog.probingOpaquePayloads(false);
            }
            if (ret < 0) {
                throw failure("avformat_find_stream_info", ret, null);
            }
            trackInfos = describeStreams();
            packet = av_packet_alloc();
            decoded = av_frame_alloc();
            if (packet == null || decoded == null) {
                throw new OutOfMemoryError("av_packet_alloc()/av_frame_alloc() returned NULL");
            }
            return trackInfos;
        } catch (RuntimeException | Error e) {
            freeNative();
            trackInfos = null;
            throw e;
        }
    }

    private void openInput() {
        AVInputFormat inputFormat = null;
        if (format != null) {
            inputFormat = av_find_input_format(format);
            if (inputFormat == null) {
                throw new MediaSourceException(input, "unknown FFmpeg input format '" + format + "' (av_find_input_format() returned NULL)");
            }
        }
        synchronized (abortLock) {
            abortFlag = new BytePointer(1L);
            abortFlag.put(0, (byte) (aborted ? 1 : 0));
        }
        AVFormatContext ctx = avformat_alloc_context();
        if (ctx == null) {
            throw new OutOfMemoryError("avformat_alloc_context() returned NULL");
        }
        AVIOInterruptCB cb = ctx.interrupt_callback();
        cb.callback(INTERRUPT);
        cb.opaque(abortFlag);
        AVDictionary dict = new AVDictionary(null);
        try {
            for (Map.Entry<String, String> e : options.entrySet()) {
                av_dict_set(dict, e.getKey(), e.getValue(), 0);
            }
            if (opaquePayloads) {
                // no AVParser on ciphertext: it would read encrypted slice headers (noparse needs nofillin)
                String fflags = options.getOrDefault("fflags", "");
                av_dict_set(dict, "fflags", fflags + "+noparse+nofillin", 0);
            }
            int ret = avformat_open_input(ctx, input, inputFormat, dict);
            if (ret < 0) {
                // avformat_open_input frees a user-supplied context on failure.
                throw failure("avformat_open_input", ret, null);
            }
            formatContext = ctx;
            warnUnusedOptions(dict);
        } finally {
            av_dict_free(dict);
        }
    }

    private void warnUnusedOptions(AVDictionary dict) {
        if (dict.isNull()) {
            return;
        }
        List<String> unused = new ArrayList<>();
        AVDictionaryEntry e = null;
        while ((e = av_dict_get(dict, "", e, AV_DICT_IGNORE_SUFFIX)) != null && !e.isNull()) {
            unused.add(e.key().getString());
        }
        if (!unused.isEmpty()) {
            LOG.warn("input '{}': FFmpeg did not recognize the options {}", input, unused);
        }
    }

    private List<TrackInfo> describeStreams() {
        int n = formatContext.nb_streams();
        tracksByIndex = new Track[n];
        List<TrackInfo> infos = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            AVStream stream = formatContext.streams(i);
            AVCodecParameters par = stream.codecpar();
            int type = par.codec_type();
            stream.discard(AVDISCARD_ALL);
            if (type != AVMEDIA_TYPE_VIDEO && type != AVMEDIA_TYPE_AUDIO
                    || (stream.disposition() & AV_DISPOSITION_ATTACHED_PIC) != 0) {
                skipped.add("#" + i + " " + codecName(par.codec_id()));
                continue;
            }
            if (opaquePayloads && type == AVMEDIA_TYPE_VIDEO && (par.width() <= 0 || par.height() <= 0)) {
                resolutionFromAvcc(par);
            }
            if (type == AVMEDIA_TYPE_VIDEO && (par.width() <= 0 || par.height() <= 0)
                    || type == AVMEDIA_TYPE_AUDIO && (par.sample_rate() <= 0 || par.ch_layout().nb_channels() <= 0)) {
                LOG.warn("input '{}': stream #{} ({}) has no {}; skipped", input, i, codecName(par.codec_id()),
                        type == AVMEDIA_TYPE_VIDEO ? "resolution" : "sample rate or channel count");
                skipped.add("#" + i + " " + codecName(par.codec_id()));
                continue;
            }
            Track t = new Track(i, stream);
            t.info = describe(t, par, type == AVMEDIA_TYPE_VIDEO);
            tracksByIndex[i] = t;
            infos.add(t.info);
        }
        if (infos.isEmpty()) {
            throw new MediaSourceException(input, "no audio or video stream (streams: "
                    + (skipped.isEmpty() ? "none" : String.join(", ", skipped)) + ")");
        }
        if (!skipped.isEmpty()) {
            LOG.debug("input '{}': ignoring streams {}", input, skipped);
        }
        return Collections.unmodifiableList(infos);
    }

    /**
     * Sets the resolution of an H.264 stream FFmpeg could not parse (encrypted slices) from the SPS in its
     * {@code avcC} extradata, which end-to-end encryption leaves clear; leaves other streams as they are.
     */
    private void resolutionFromAvcc(AVCodecParameters par) {
        byte[] extradata = extradata(par);
        if (par.codec_id() != AV_CODEC_ID_H264 || extradata.length < 7 || extradata[0] != 1) {
            return;
        }
        try {
            AvcDecoderConfigurationRecord avcc = AvcDecoderConfigurationRecord.parse(extradata);
            if (!avcc.sps().isEmpty()) {
                Sps sps = Sps.parse(avcc.sps().get(0));
                par.width(sps.width());
                par.height(sps.height());
            }
        } catch (MediaProtocolException e) {
            LOG.debug("input '{}': no resolution from the avcC: {}", input, e.getMessage());
        }
    }

    private TrackInfo describe(Track t, AVCodecParameters par, boolean video) {
        int codecId = par.codec_id();
        Codec codec = codecOf(codecId, video);
        TrackInfo.Builder b = TrackInfo.builder(t.index, codec)
                .bitrateBps(Math.max(0, par.bit_rate()))
                .opaque(opaquePayloads);
        byte[] extradata = extradata(par);
        t.lengthSize = H26xPayloads.ANNEX_B;
        if (codec == Codec.H264) {
            b.codecConfig(avcConfig(t, extradata));
        } else if (codec == Codec.H265) {
            b.codecConfig(hvcConfig(t, extradata));
        } else {
            b.codecConfig(extradata);
        }
        StringBuilder desc = new StringBuilder(codecName(codecId));
        BytePointer profile = avcodec_profile_name(codecId, par.profile());
        if (profile != null && !profile.isNull()) {
            desc.append(' ').append(profile.getString());
        }
        if (video) {
            b.resolution(par.width(), par.height());
            Rational rate = frameRate(t.stream);
            b.frameRate(rate);
            b.hasBFrames(par.video_delay() > 0);
            desc.append(' ').append(par.width()).append('x').append(par.height());
            BytePointer pix = av_get_pix_fmt_name(par.format());
            if (pix != null && !pix.isNull()) {
                desc.append(' ').append(pix.getString());
            }
            if (rate != null) {
                desc.append(String.format(Locale.ROOT, " %.3ffps", rate.toDouble()));
            }
            t.frameDurationUs = rate != null ? Timebase.rescale(1, MICROS * rate.den(), rate.num()) : 0;
        } else {
            int channels = par.ch_layout().nb_channels();
            b.audio(par.sample_rate(), channels);
            desc.append(' ').append(par.sample_rate()).append("Hz ").append(channels).append("ch");
            BytePointer fmt = av_get_sample_fmt_name(par.format());
            if (fmt != null && !fmt.isNull()) {
                desc.append(' ').append(fmt.getString());
            }
        }
        return b.description(desc.toString()).build();
    }

    /** The {@code avcC} for the track; sets the track's NAL length size for payload conversion. */
    private byte[] avcConfig(Track t, byte[] extradata) {
        if (extradata.length == 0) {
            return extradata; // SPS/PPS only in band (raw .h264, some MPEG-TS): payloads are Annex B
        }
        try {
            if (extradata[0] == 1) {
                if (extradata.length < 7) {
                    throw new MediaProtocolException("avcC of " + extradata.length + " bytes (expected: >= 7)");
                }
                AvcDecoderConfigurationRecord.parse(extradata); // validates
                t.lengthSize = (extradata[4] & 0x3) + 1;
                byte[] config = extradata.clone();
                config[4] = (byte) (config[4] | 0x3); // payloads are rewritten to 4-byte lengths
                return config;
            }
            return AvcDecoderConfigurationRecord.fromAnnexB(ByteBuffer.wrap(extradata)).toBytes();
        } catch (MediaProtocolException e) {
            throw new MediaSourceException(input, "invalid H.264 extradata on stream #" + t.index + ": " + e.getMessage(), e);
        }
    }

    /** The {@code hvcC} for the track, or empty when the container has Annex B parameter sets (not converted). */
    private byte[] hvcConfig(Track t, byte[] extradata) {
        if (extradata.length >= 23 && extradata[0] == 1) {
            t.lengthSize = (extradata[21] & 0x3) + 1;
            byte[] config = extradata.clone();
            config[21] = (byte) (config[21] | 0x3);
            return config;
        }
        if (extradata.length > 0) {
            LOG.warn("input '{}': H.265 stream #{} has Annex B parameter sets; codecConfig left empty (VPS/SPS/PPS stay in band)",
                    input, t.index);
        }
        return new byte[0];
    }

    private static byte[] extradata(AVCodecParameters par) {
        int size = par.extradata_size();
        BytePointer data = par.extradata();
        if (size <= 0 || data == null || data.isNull()) {
            return new byte[0];
        }
        byte[] bytes = new byte[size];
        data.position(0).get(bytes);
        return bytes;
    }

    private static Rational frameRate(AVStream stream) {
        AVRational r = stream.avg_frame_rate();
        if (r.num() <= 0 || r.den() <= 0) {
            r = stream.r_frame_rate();
        }
        return r.num() > 0 && r.den() > 0 ? Rational.of(r.num(), r.den()) : null;
    }

    static Codec codecOf(int codecId, boolean video) {
        if (codecId == AV_CODEC_ID_H264) {
            return Codec.H264;
        } else if (codecId == AV_CODEC_ID_HEVC) {
            return Codec.H265;
        } else if (codecId == AV_CODEC_ID_AV1) {
            return Codec.AV1;
        } else if (codecId == AV_CODEC_ID_VP8) {
            return Codec.VP8;
        } else if (codecId == AV_CODEC_ID_AAC) {
            return Codec.AAC;
        } else if (codecId == AV_CODEC_ID_OPUS) {
            return Codec.OPUS;
        } else if (codecId == AV_CODEC_ID_VORBIS) {
            return Codec.VORBIS;
        }
        return video ? Codec.OTHER_VIDEO : Codec.OTHER_AUDIO;
    }

    private static String codecName(int codecId) {
        BytePointer name = avcodec_get_name(codecId);
        return name == null || name.isNull() ? "codec " + codecId : name.getString();
    }

    /**
     * Chooses per track what {@link #read()} returns: {@link Delivery#DECODED} opens a decoder (threads chosen by
     * FFmpeg), {@link Delivery#ENCODED} passes packets through, {@link Delivery#DISCARD} or absence makes the
     * demuxer skip the stream ({@code AVDISCARD_ALL}).
     *
     * @param delivery track id &rarr; delivery; ids must come from {@link #open()}
     * @throws IllegalArgumentException if a track id is unknown
     * @throws IllegalStateException    if not open, or called twice
     * @throws MediaSourceException     if no decoder exists for a DECODED track or it fails to open
     */
    @Override
    public void select(Map<Integer, Delivery> delivery) {
        Objects.requireNonNull(delivery, "delivery");
        if (formatContext == null || closed) {
            throw new IllegalStateException("select(): not open (input '" + input + "')");
        }
        if (selected) {
            throw new IllegalStateException("select(): already called (input '" + input + "')");
        }
        for (Integer id : delivery.keySet()) {
            if (id == null || id < 0 || id >= tracksByIndex.length || tracksByIndex[id] == null) {
                throw new IllegalArgumentException("trackId: " + id + " (expected: one of " + trackIds() + ")");
            }
        }
        long origin = Long.MAX_VALUE;
        for (Track t : tracksByIndex) {
            if (t == null) {
                continue;
            }
            Delivery d = delivery.getOrDefault(t.index, Delivery.DISCARD);
            t.delivery = Objects.requireNonNull(d, "delivery of track " + t.index);
            if (d == Delivery.DISCARD) {
                continue;
            }
            t.stream.discard(AVDISCARD_DEFAULT);
            if (d == Delivery.DECODED) {
                openDecoder(t);
            }
            long start = t.stream.start_time();
            if (start != AV_NOPTS_VALUE) {
                origin = Math.min(origin, Timebase.rescale(start, MICROS * t.tbNum, t.tbDen));
            }
        }
        if (origin != Long.MAX_VALUE) {
            originUs = origin;
            originKnown = true;
        }
        selected = true;
    }

    private List<Integer> trackIds() {
        List<Integer> ids = new ArrayList<>();
        for (TrackInfo t : trackInfos) {
            ids.add(t.trackId());
        }
        return ids;
    }

    private void openDecoder(Track t) {
        AVCodecParameters par = t.stream.codecpar();
        AVCodec codec = avcodec_find_decoder(par.codec_id());
        if (codec == null || codec.isNull()) {
            throw new MediaSourceException(input, "no FFmpeg decoder for '" + codecName(par.codec_id())
                    + "' on track #" + t.index + " (avcodec_find_decoder() returned NULL)");
        }
        AVCodecContext ctx = avcodec_alloc_context3(codec);
        if (ctx == null) {
            throw new OutOfMemoryError("avcodec_alloc_context3() returned NULL");
        }
        t.decoder = ctx; // freed by close() from here on
        int ret = avcodec_parameters_to_context(ctx, par);
        if (ret < 0) {
            throw failure("avcodec_parameters_to_context", ret, "on track #" + t.index);
        }
        ctx.pkt_timebase(t.stream.time_base());
        ctx.thread_count(0);
        ctx.thread_type(AVCodecContext.FF_THREAD_FRAME | AVCodecContext.FF_THREAD_SLICE);
        ret = avcodec_open2(ctx, codec, (AVDictionary) null);
        if (ret < 0) {
            throw failure("avcodec_open2", ret, "for decoder '" + codec.name().getString() + "' on track #" + t.index);
        }
    }

    /**
     * The next frame (see class doc for types and ownership).
     *
     * @return a frame the caller must release, or {@code null} at the end of input (after the decoders are
     *         drained) or after {@link #abort()}
     * @throws MediaSourceException  if demuxing fails (corrupt or truncated input, network error)
     * @throws IllegalStateException if {@link #select(Map)} was not called
     * @throws InterruptedException  if interrupted while waiting to retry a demuxer that asked to ({@code EAGAIN})
     */
    @Override
    public MediaFrame read() throws InterruptedException {
        if (!selected || closed) {
            throw new IllegalStateException("read(): " + (closed ? "closed" : "select() not called") + " (input '" + input + "')");
        }
        while (true) {
            MediaFrame next = pending.poll();
            if (next != null) {
                return next;
            }
            if (aborted) {
                return null;
            }
            if (endOfInput) {
                return null;
            }
            int ret = av_read_frame(formatContext, packet);
            if (ret == AVERROR_EOF) {
                endOfInput = true;
                checkComplete(ret);
                drainDecoders();
                continue;
            }
            if (ret == AVERROR_EXIT || aborted) {
                av_packet_unref(packet);
                return null;
            }
            if (ret == AVERROR_EAGAIN()) {
                Thread.sleep(5);
                continue;
            }
            if (ret < 0) {
                throw failure("av_read_frame", ret, null);
            }
            try {
                int index = packet.stream_index();
                Track t = index >= 0 && index < tracksByIndex.length ? tracksByIndex[index] : null;
                if (t == null || t.delivery == Delivery.DISCARD) {
                    continue;
                }
                t.packets++;
                if ((packet.flags() & AV_PKT_FLAG_CORRUPT) != 0) {
                    countError(t, "the demuxer flagged the packet at dts " + packet.dts() + " as corrupt");
                }
                if (t.delivery == Delivery.ENCODED) {
                    EncodedFrame frame = encodedFrame(t);
                    if (frame != null) {
                        return frame;
                    }
                } else {
                    decode(t, packet);
                }
            } finally {
                av_packet_unref(packet);
            }
        }
    }

    private EncodedFrame encodedFrame(Track t) {
        long pts = packet.pts();
        long dts = packet.dts();
        if (pts == AV_NOPTS_VALUE) {
            pts = dts;
        }
        if (dts == AV_NOPTS_VALUE) {
            dts = pts;
        }
        long ptsUs;
        long dtsUs;
        if (pts == AV_NOPTS_VALUE) {
            dtsUs = t.lastUs == Long.MIN_VALUE ? 0 : t.lastUs + t.lastDurationUs;
            ptsUs = dtsUs;
        } else {
            ptsUs = toMicros(t, pts);
            dtsUs = Math.min(toMicros(t, dts), ptsUs);
        }
        long durationUs = packet.duration() > 0 ? Timebase.rescale(packet.duration(), MICROS * t.tbNum, t.tbDen) : 0;
        t.lastUs = dtsUs;
        t.lastDurationUs = durationUs;
        int size = packet.size();
        ByteBuffer data = size > 0 ? packet.data().position(0).capacity(size).asByteBuffer() : ByteBuffer.allocate(0);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(size + 16);
        try {
            if (t.info.codec() == Codec.H264 || t.info.codec() == Codec.H265) {
                H26xPayloads.appendAvcc(data, t.lengthSize, payload);
            } else {
                payload.writeBytes(data);
            }
        } catch (MediaProtocolException e) {
            payload.release();
            countError(t, "malformed packet at " + ptsUs + "us: " + e.getMessage() + "; packet skipped");
            return null;
        } catch (RuntimeException e) {
            payload.release();
            throw e;
        }
        boolean key = t.info.isAudio() || (packet.flags() & AV_PKT_FLAG_KEY) != 0;
        return new EncodedFrame(t.info, payload, ptsUs, dtsUs, key, ticker.nanoTime());
    }

    /** Sends {@code pkt} (null: flush) to the track's decoder and queues every frame it returns. */
    private void decode(Track t, AVPacket pkt) {
        int ret = avcodec_send_packet(t.decoder, pkt);
        if (ret == AVERROR_EAGAIN()) {
            receiveFrames(t);
            ret = avcodec_send_packet(t.decoder, pkt);
        }
        if (ret == AVERROR_INVALIDDATA) {
            countError(t, FfmpegErrors.returned("avcodec_send_packet", ret) + "; packet skipped");
        } else if (ret < 0 && ret != AVERROR_EOF) {
            throw failure("avcodec_send_packet", ret, "on track #" + t.index);
        }
        receiveFrames(t);
    }

    private void receiveFrames(Track t) {
        while (true) {
            int ret = avcodec_receive_frame(t.decoder, decoded);
            if (ret == AVERROR_EAGAIN() || ret == AVERROR_EOF) {
                return;
            }
            if (ret == AVERROR_INVALIDDATA) {
                countError(t, FfmpegErrors.returned("avcodec_receive_frame", ret) + "; frame skipped");
                continue;
            }
            if (ret < 0) {
                throw failure("avcodec_receive_frame", ret, "on track #" + t.index);
            }
            long ptsUs = decodedPts(t, decoded);
            AVFrame owned = av_frame_alloc();
            if (owned == null) {
                av_frame_unref(decoded);
                throw new OutOfMemoryError("av_frame_alloc() returned NULL");
            }
            av_frame_move_ref(owned, decoded);
            pending.add(new AvRawFrame(t.index, t.info.mediaType(), owned, ptsUs, ticker.nanoTime()));
        }
    }

    private long decodedPts(Track t, AVFrame frame) {
        long ts = frame.best_effort_timestamp();
        long durationUs;
        if (t.info.isAudio()) {
            durationUs = frame.sample_rate() > 0 ? Timebase.rescale(frame.nb_samples(), MICROS, frame.sample_rate()) : 0;
        } else {
            durationUs = frame.duration() > 0 ? Timebase.rescale(frame.duration(), MICROS * t.tbNum, t.tbDen) : t.frameDurationUs;
        }
        long ptsUs;
        if (ts == AV_NOPTS_VALUE) {
            ptsUs = t.lastUs == Long.MIN_VALUE ? 0 : t.lastUs + t.lastDurationUs;
        } else {
            ptsUs = toMicros(t, ts);
            if (t.lastUs != Long.MIN_VALUE && ptsUs <= t.lastUs) {
                long fixed = t.lastUs + Math.max(1, t.lastDurationUs);
                LOG.debug("input '{}': track #{} timestamp {}us does not advance past {}us; using {}us",
                        input, t.index, ptsUs, t.lastUs, fixed);
                ptsUs = fixed;
            }
        }
        t.lastUs = ptsUs;
        t.lastDurationUs = durationUs;
        return ptsUs;
    }

    /**
     * The MP4 demuxer skips samples past the end of a truncated file ("partial file") and then reports a plain
     * end of file; a stream that announced its sample count ({@code nb_frames}) and delivered fewer is truncated.
     */
    private void checkComplete(int ret) {
        for (Track t : tracksByIndex) {
            if (t == null || t.delivery == Delivery.DISCARD) {
                continue;
            }
            long expected = t.stream.nb_frames();
            if (expected > 0 && t.packets < expected) {
                throw failure("av_read_frame", ret, "after " + t.packets + " of " + expected + " packets of track #"
                        + t.index + ": the input is truncated");
            }
        }
    }

    private void drainDecoders() {
        for (Track t : tracksByIndex) {
            if (t != null && t.decoder != null) {
                decode(t, null);
            }
        }
    }

    private long toMicros(Track t, long ts) {
        long us = Timebase.rescale(ts, MICROS * t.tbNum, t.tbDen);
        if (!originKnown) {
            originUs = us;
            originKnown = true;
        }
        return us - originUs;
    }

    private void countError(Track t, String what) {
        long n = decodeErrors.incrementAndGet();
        errorLog.warn("input '{}': track #{}: {} ({} error(s) so far)", input, t.index, what, n);
    }

    private MediaSourceException failure(String function, int ret, String context) {
        if (ret == AVERROR_EXIT && aborted) {
            return new MediaSourceException(input, "aborted during " + function + "()", null, function, ret);
        }
        return FfmpegErrors.sourceError(input, function, ret, context);
    }

    /** Thread-safe: makes a blocked or later {@link #read()} (or a blocked {@link #open()}) return promptly. */
    @Override
    public void abort() {
        aborted = true;
        synchronized (abortLock) {
            if (abortFlag != null) {
                abortFlag.put(0, (byte) 1);
            }
        }
    }

    /** Releases queued frames and frees every native resource. Idempotent; call on the reading thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        freeNative();
    }

    private void freeNative() {
        for (MediaFrame f; (f = pending.poll()) != null; ) {
            f.release();
        }
        for (Track t : tracksByIndex) {
            if (t != null && t.decoder != null) {
                avcodec_free_context(t.decoder);
                t.decoder = null;
            }
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (decoded != null) {
            av_frame_free(decoded);
            decoded = null;
        }
        if (formatContext != null) {
            avformat_close_input(formatContext);
            formatContext = null;
        }
        synchronized (abortLock) {
            if (abortFlag != null) {
                abortFlag.close();
                abortFlag = null;
            }
        }
    }

    private static void initNetwork() {
        if (!networkInitialized) {
            synchronized (FfmpegSource.class) {
                if (!networkInitialized) {
                    avformat_network_init();
                    networkInitialized = true;
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FfmpegSource{" + input + (format != null ? " format=" + format : "") + '}';
    }

    /** Per-stream state; used only on the reading thread. */
    private static final class Track {
        final int index;
        final AVStream stream;
        final long tbNum;
        final long tbDen;
        TrackInfo info;
        Delivery delivery = Delivery.DISCARD;
        AVCodecContext decoder;
        int lengthSize;
        long frameDurationUs;
        long lastUs = Long.MIN_VALUE;
        long lastDurationUs;
        long packets;

        Track(int index, AVStream stream) {
            this.index = index;
            this.stream = stream;
            AVRational tb = stream.time_base();
            this.tbNum = tb.num();
            this.tbDen = tb.den() > 0 ? tb.den() : 1;
        }
    }

    /** Returns 1 (abort) when the byte at {@code opaque} is non-zero. One instance serves every source. */
    private static final class InterruptCallback extends AVIOInterruptCB.Callback_Pointer {
        InterruptCallback() {
            retainReference();
        }

        @Override
        public int call(Pointer opaque) {
            return opaque != null && !opaque.isNull() && new BytePointer(opaque).get(0) != 0 ? 1 : 0;
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final String input;
        private String format;
        private final Map<String, String> options = new LinkedHashMap<>();
        private Boolean live;
        private boolean opaquePayloads;
        private Ticker ticker = Ticker.system();

        private Builder(String input) {
            Objects.requireNonNull(input, "input");
            if (input.isBlank()) {
                throw new IllegalArgumentException("input: '' (expected: a path or URL)");
            }
            this.input = input;
        }

        /** Forces an FFmpeg input format ({@code -f}), e.g. {@code "mpegts"}, {@code "flv"}; null probes (default). */
        public Builder format(String format) {
            this.format = format == null || format.isBlank() ? null : format.trim();
            return this;
        }

        /**
         * Adds an option for {@code avformat_open_input} (demuxer and protocol {@code AVOption}s, e.g.
         * {@code "rw_timeout" = "5000000"} µs, {@code "rtsp_transport" = "tcp"}). Unstable escape hatch: names
         * follow FFmpeg. Options FFmpeg does not recognize are logged at WARN.
         */
        public Builder option(String name, String value) {
            options.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Adds every entry as with {@link #option(String, String)}. */
        public Builder options(Map<String, String> options) {
            options.forEach(this::option);
            return this;
        }

        /** Overrides {@link FfmpegSource#isLive()} (default: by URL scheme, see {@link FfmpegSource#isLiveUrl(String)}). */
        public Builder live(boolean live) {
            this.live = live;
            return this;
        }

        /**
         * Whether the input's payloads are end-to-end encrypted (SFrame, read by a subscriber that decrypts them with
         * a frame transform); default {@code false}. Then FFmpeg's demuxer runs no parser over them
         * ({@code fflags +noparse+nofillin}), the errors its probing decoders raise on the ciphertext during
         * {@link FfmpegSource#open()} are logged at DEBUG, an H.264 resolution FFmpeg could not find is read from the
         * SPS in the (clear) {@code avcC}, and every track is {@linkplain TrackInfo#isOpaque() opaque}: deliver them
         * {@link Delivery#ENCODED} ({@code copy(true)}).
         */
        public Builder opaquePayloads(boolean opaquePayloads) {
            this.opaquePayloads = opaquePayloads;
            return this;
        }

        /**
         * The clock that stamps each frame's creation time ({@link io.sluice.core.RawFrame#createdNanos()}),
         * which the pipeline's latency statistics subtract from its own ticker: give both the same one.
         * Default {@link Ticker#system()}.
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public FfmpegSource build() {
            return new FfmpegSource(this);
        }
    }
}
