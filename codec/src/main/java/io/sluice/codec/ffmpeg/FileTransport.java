package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.AV_PKT_FLAG_KEY;
import static org.bytedeco.ffmpeg.global.avcodec.FF_COMPLIANCE_NORMAL;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_descriptor_get_by_name;
import static org.bytedeco.ffmpeg.global.avformat.AVFMT_NOFILE;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_query_codec;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_make_q;
import static org.bytedeco.ffmpeg.global.avutil.av_mallocz;

import io.netty.buffer.ByteBuf;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.Timebase;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import java.io.File;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.ffmpeg.avcodec.AVCodecDescriptor;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records {@link EncodedFrame}s to a file through an FFmpeg muxer chosen by the file extension:
 * {@code .mp4}/{@code .m4v}/{@code .mov} → {@code mp4}, {@code .mkv} → {@code matroska},
 * {@code .flv} → {@code flv}, {@code .ts} → {@code mpegts}.
 *
 * <p>Payloads are written as they come (H.264 AVCC with the {@code AVCDecoderConfigurationRecord} as
 * extradata, raw AAC with its {@code AudioSpecificConfig}, Opus packets with {@code OpusHead}). For
 * MPEG-TS, libavformat inserts the {@code h264_mp4toannexb} bitstream filter and ADTS headers by
 * itself (automatic bitstream filtering is on by default). Timestamps are µs in, rescaled to each
 * stream's time base; the decode timestamps of a stream are made strictly increasing (a repeated or
 * earlier DTS is bumped to previous + 1 tick, logged once), as muxers require.
 *
 * <p>{@link #send} writes synchronously through the muxer into the OS page cache: it can block on
 * disk I/O but never waits for a network, and it never drops frames. Only the first configuration
 * of each track is recorded: a new {@link TrackInfo} instance with other parameter sets (a resolution
 * change) is written on, with the in-band SPS/PPS the Sluice encoders emit at every IDR.
 *
 * <p>Call {@link #open}, {@link #send} and {@link #close} from one thread; {@link #stats()} is thread-safe.
 */
public final class FileTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(FileTransport.class);

    /** File extension (lower case, no dot) → FFmpeg muxer name. */
    private static final Map<String, String> MUXERS = Map.of(
            "mp4", "mp4", "m4v", "mp4", "mov", "mp4",
            "mkv", "matroska",
            "flv", "flv",
            "ts", "mpegts");

    private final URI uri;
    private final String path;
    private final String muxer;

    private volatile TransportState state;
    private volatile long bytesSent;
    private volatile long framesSent;
    private volatile long framesDropped;

    private TransportFeedback feedback;
    private AVFormatContext fmt;
    private AVPacket packet;
    private boolean headerWritten;
    private final Map<Integer, Integer> streamOfTrack = new HashMap<>();
    private long[] lastDts;
    private boolean warnedDts;

    /**
     * @param uri a {@code file:} URI (absolute path) whose extension names the container
     * @throws TransportException if the scheme is not {@code file} or the extension is not supported
     */
    public FileTransport(URI uri) {
        FfmpegLog.install();
        this.uri = Objects.requireNonNull(uri, "uri");
        if (uri.getScheme() != null && !uri.getScheme().equalsIgnoreCase("file")) {
            throw new TransportException(uri, "scheme '" + uri.getScheme() + "' is not 'file'");
        }
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
            throw new TransportException(uri, "no file path (expected: file:/path/name.mp4)");
        }
        this.path = new File(uri.getPath()).getPath();
        this.muxer = muxerFor(uri, path);
    }

    /** Extensions {@link FileTransport} can write, lower case without the dot: {@code flv, m4v, mkv, mov, mp4, ts}. */
    public static List<String> supportedExtensions() {
        return MUXERS.keySet().stream().sorted().toList();
    }

    private static String muxerFor(URI uri, String path) {
        int dot = path.lastIndexOf('.');
        String ext = dot < 0 || dot < path.lastIndexOf(File.separatorChar) ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
        String m = MUXERS.get(ext);
        if (m == null) {
            throw new TransportException(uri, "unsupported file extension '" + ext + "' (supported: "
                    + String.join(", ", supportedExtensions()) + ")");
        }
        return m;
    }

    /** The {@code file:} URI given at construction. */
    @Override
    public URI uri() {
        return uri;
    }

    /**
     * Creates the file, one output stream per track (codec parameters and extradata from
     * {@link TrackInfo#codecConfig()}) and writes the container header. Reports
     * {@link TransportState#CONNECTING} then {@link TransportState#CONNECTED}, or
     * {@link TransportState#FAILED} before throwing.
     *
     * @throws TransportException       naming the URI, the native function and its code, if the file cannot be
     *                                  created or the muxer rejects the tracks
     * @throws IllegalStateException    if already opened
     * @throws IllegalArgumentException if {@code tracks} is empty
     */
    @Override
    public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
        Objects.requireNonNull(tracks, "tracks");
        this.feedback = Objects.requireNonNull(feedback, "feedback");
        if (state != null) {
            throw new IllegalStateException("already opened: " + uri);
        }
        if (tracks.isEmpty()) {
            throw new IllegalArgumentException("tracks: empty (expected: at least one)");
        }
        setState(TransportState.CONNECTING, null);
        try {
            openMuxer(tracks);
        } catch (RuntimeException e) {
            freeAll();
            setState(TransportState.FAILED, e);
            throw e;
        }
        setState(TransportState.CONNECTED, null);
    }

    private void openMuxer(List<TrackInfo> tracks) {
        AVFormatContext f = new AVFormatContext(null);
        int ret = avformat_alloc_output_context2(f, null, muxer, path);
        if (ret < 0 || f.isNull()) {
            throw FfmpegErrors.transport(uri, "avformat_alloc_output_context2", ret);
        }
        fmt = f;
        packet = av_packet_alloc();
        for (TrackInfo t : tracks) {
            if (streamOfTrack.containsKey(t.trackId())) {
                throw new IllegalArgumentException("tracks: track id " + t.trackId() + " twice");
            }
            AVStream st = avformat_new_stream(f, null);
            if (st == null) {
                throw new OutOfMemoryError("avformat_new_stream() returned NULL");
            }
            fillParameters(st, t);
            // Asked before the file is created: otherwise avformat_write_header() fails with a bare -22.
            if (avformat_query_codec(f.oformat(), st.codecpar().codec_id(), FF_COMPLIANCE_NORMAL) == 0) {
                throw new TransportException(uri, "the " + muxer + " container cannot carry " + t.codec()
                        + " (track #" + t.trackId() + "); re-encode it or write a container that can, e.g. .mkv");
            }
            streamOfTrack.put(t.trackId(), st.index());
        }
        lastDts = new long[tracks.size()];
        java.util.Arrays.fill(lastDts, Long.MIN_VALUE);
        if ((f.oformat().flags() & AVFMT_NOFILE) == 0) {
            AVIOContext pb = new AVIOContext(null);
            ret = avio_open(pb, path, AVIO_FLAG_WRITE);
            if (ret < 0) {
                throw FfmpegErrors.transport(uri, "avio_open", ret);
            }
            f.pb(pb);
        }
        ret = avformat_write_header(f, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (ret < 0) {
            throw FfmpegErrors.transport(uri, "avformat_write_header", ret);
        }
        headerWritten = true;
    }

    private void fillParameters(AVStream st, TrackInfo t) {
        AVCodecDescriptor desc = avcodec_descriptor_get_by_name(t.codec().ffmpegName());
        if (desc == null || t.codec() == Codec.OTHER_AUDIO || t.codec() == Codec.OTHER_VIDEO) {
            throw new TransportException(uri, "track #" + t.trackId() + ": codec " + t.codec() + " cannot be recorded");
        }
        AVCodecParameters par = st.codecpar();
        par.codec_id(desc.id());
        if (t.mediaType() == MediaType.VIDEO) {
            par.codec_type(AVMEDIA_TYPE_VIDEO);
            par.width(t.width());
            par.height(t.height());
            st.time_base(av_make_q(1, 90_000));
            t.frameRate().ifPresent(r -> st.avg_frame_rate(av_make_q((int) r.num(), (int) r.den())));
        } else {
            par.codec_type(AVMEDIA_TYPE_AUDIO);
            par.sample_rate(t.sampleRate());
            av_channel_layout_default(par.ch_layout(), t.channels());
            st.time_base(av_make_q(1, t.sampleRate()));
            if (t.codec() == Codec.AAC) {
                par.frame_size(1024);
            } else if (t.codec() == Codec.OPUS) {
                par.frame_size(960);
                par.initial_padding(312);
            }
        }
        par.bit_rate(t.bitrateBps());
        int n = t.codecConfigLength();
        if (n > 0) {
            BytePointer extradata = new BytePointer(av_mallocz(n + AV_INPUT_BUFFER_PADDING_SIZE));
            extradata.capacity(n).put(t.codecConfig());
            par.extradata(extradata);
            par.extradata_size(n);
        }
    }

    /**
     * Writes one frame (synchronously, into the OS page cache).
     *
     * @param frame ownership passes here: it is released on return, also when this throws
     * @return {@code true}; {@code false} only for a frame of a track not given to {@link #open} (dropped)
     * @throws TransportException    naming the URI, {@code av_interleaved_write_frame} and its code, if the muxer fails
     *                               (the transport is then {@link TransportState#FAILED})
     * @throws IllegalStateException if not open
     */
    @Override
    public boolean send(EncodedFrame frame) {
        try {
            if (state != TransportState.CONNECTED) {
                throw new IllegalStateException("transport " + uri + " is " + (state == null ? "not opened" : state));
            }
            Integer index = streamOfTrack.get(frame.trackId());
            if (index == null) {
                framesDropped++;
                return false;
            }
            write(frame, index);
            return true;
        } finally {
            frame.release();
        }
    }

    private void write(EncodedFrame frame, int index) {
        ByteBuf content = frame.content();
        int size = content.readableBytes();
        int ret = av_new_packet(packet, size);
        if (ret < 0) {
            throw fail(FfmpegErrors.transport(uri, "av_new_packet", ret));
        }
        content.getBytes(content.readerIndex(), packet.data().capacity(size).asByteBuffer());
        AVRational tb = fmt.streams(index).time_base();
        io.sluice.core.Rational streamTb = io.sluice.core.Rational.of(tb.num(), tb.den());
        long pts = Timebase.fromMicros(frame.ptsUs(), streamTb);
        long dts = Timebase.fromMicros(frame.dtsUs(), streamTb);
        if (dts <= lastDts[index]) {
            if (!warnedDts) {
                warnedDts = true;
                log.warn("{}: stream {} DTS {} does not increase (previous {}); bumping by 1 tick of {} (logged once)",
                        uri, index, dts, lastDts[index], streamTb);
            }
            dts = lastDts[index] + 1;
        }
        lastDts[index] = dts;
        packet.pts(Math.max(pts, dts));
        packet.dts(dts);
        packet.stream_index(index);
        packet.flags(frame.isKeyframe() ? AV_PKT_FLAG_KEY : 0);
        ret = av_interleaved_write_frame(fmt, packet);
        av_packet_unref(packet);
        if (ret < 0) {
            throw fail(FfmpegErrors.transport(uri, "av_interleaved_write_frame", ret));
        }
        bytesSent += size;
        framesSent++;
    }

    private TransportException fail(TransportException e) {
        setState(TransportState.FAILED, e);
        return e;
    }

    /** Counters since {@link #open}: payload bytes and frames written, frames dropped (unknown track); thread-safe. */
    @Override
    public TransportStats stats() {
        TransportState s = state;
        return new TransportStats(s == null ? TransportState.CONNECTING : s, bytesSent, framesSent, framesDropped, 0, 0);
    }

    /**
     * Writes the trailer ({@code av_write_trailer}: the MP4 index), closes the file and frees the muxer.
     * Reports {@link TransportState#CLOSED}. Idempotent.
     *
     * @throws TransportException naming the URI if the trailer cannot be written (everything is freed anyway)
     */
    @Override
    public void close() {
        if (state == null || state.isTerminal() && fmt == null) {
            if (state == null) {
                state = TransportState.CLOSED;
            }
            return;
        }
        int ret = headerWritten ? av_write_trailer(fmt) : 0;
        freeAll();
        if (state != TransportState.FAILED) {
            setState(TransportState.CLOSED, null);
        }
        if (ret < 0) {
            throw FfmpegErrors.transport(uri, "av_write_trailer", ret);
        }
    }

    private void freeAll() {
        headerWritten = false;
        if (fmt != null) {
            if ((fmt.oformat().flags() & AVFMT_NOFILE) == 0 && fmt.pb() != null) {
                avio_closep(fmt.pb());
            }
            avformat_free_context(fmt);
            fmt = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
    }

    private void setState(TransportState s, Throwable cause) {
        state = s;
        if (feedback != null) {
            feedback.onStateChanged(s, cause);
        }
    }

    @Override
    public String toString() {
        return "FileTransport{" + uri + " (" + muxer + ") " + state + '}';
    }
}
