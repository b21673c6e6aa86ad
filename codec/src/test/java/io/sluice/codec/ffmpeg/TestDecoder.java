package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_find_best_stream;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.av_rescale_q;

import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;

/**
 * Test helper: decodes one stream of a media file with avformat/avcodec and yields {@link AvRawFrame}s
 * with µs timestamps relative to the stream's start (the sources module is written in parallel, so
 * encoder tests bring their own input). Not thread-safe.
 */
final class TestDecoder implements AutoCloseable {
    static {
        av_log_set_level(AV_LOG_ERROR);
    }

    private final AVFormatContext fmt;
    private final AVCodecContext dec;
    private final AVPacket pkt = av_packet_alloc();
    private final AVFrame frame = av_frame_alloc();
    private final int streamIndex;
    private final MediaType mediaType;
    private final AVRational timeBase;
    private final AVRational micros = new AVRational().num(1).den(1_000_000);
    private final long startPts;
    private final long ptsOffsetUs;
    private long lastPtsUs = Long.MIN_VALUE;
    private boolean inputDone;
    private boolean decoderDone;

    /** A clip from {@code shared/media}. */
    static Path media(String name) {
        return Paths.get(System.getProperty("sluice.shared.dir", "/work/shared"), "media", name);
    }

    static TestDecoder video(String clip) {
        return new TestDecoder(media(clip), MediaType.VIDEO, 0);
    }

    static TestDecoder audio(String clip) {
        return new TestDecoder(media(clip), MediaType.AUDIO, 0);
    }

    /**
     * @param ptsOffsetUs added to every output timestamp (to loop a clip on one timeline)
     */
    TestDecoder(Path file, MediaType mediaType, long ptsOffsetUs) {
        this.mediaType = mediaType;
        this.ptsOffsetUs = ptsOffsetUs;
        fmt = new AVFormatContext(null);
        check(avformat_open_input(fmt, file.toString(), null, null), "avformat_open_input");
        check(avformat_find_stream_info(fmt, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "avformat_find_stream_info");
        streamIndex = check(av_find_best_stream(fmt, mediaType == MediaType.VIDEO ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO,
                -1, -1, (org.bytedeco.ffmpeg.avcodec.AVCodec) null, 0), "av_find_best_stream");
        AVStream st = fmt.streams(streamIndex);
        timeBase = st.time_base();
        startPts = st.start_time() == AV_NOPTS_VALUE ? 0 : st.start_time();
        dec = avcodec_alloc_context3(avcodec_find_decoder(st.codecpar().codec_id()));
        check(avcodec_parameters_to_context(dec, st.codecpar()), "avcodec_parameters_to_context");
        dec.pkt_timebase(timeBase);
        check(avcodec_open2(dec, null, (org.bytedeco.ffmpeg.avutil.AVDictionary) null), "avcodec_open2");
    }

    /** The stream as a raw input track (resolution and frame rate, or sample rate and channels). */
    TrackInfo track(int trackId) {
        AVStream st = fmt.streams(streamIndex);
        if (mediaType == MediaType.VIDEO) {
            AVRational fr = st.avg_frame_rate();
            return TrackInfo.builder(trackId, io.sluice.core.Codec.OTHER_VIDEO).resolution(dec.width(), dec.height())
                    .frameRate(fr.num() > 0 ? Rational.of(fr.num(), fr.den()) : null).build();
        }
        return TrackInfo.builder(trackId, io.sluice.core.Codec.OTHER_AUDIO)
                .audio(dec.sample_rate(), dec.ch_layout().nb_channels()).build();
    }

    /** The next decoded frame (caller owns it), or null at the end. */
    AvRawFrame next() {
        while (true) {
            int ret = avcodec_receive_frame(dec, frame);
            if (ret >= 0) {
                long pts = frame.best_effort_timestamp();
                long ptsUs = av_rescale_q(pts - startPts, timeBase, micros) + ptsOffsetUs;
                lastPtsUs = ptsUs;
                return AvRawFrame.cloneOf(0, mediaType, frame, ptsUs, System.nanoTime());
            }
            if (ret == AVERROR_EOF || decoderDone) {
                decoderDone = true;
                return null;
            }
            if (ret != FfmpegErrors.EAGAIN) {
                check(ret, "avcodec_receive_frame");
            }
            if (inputDone) {
                decoderDone = true;
                return null;
            }
            feed();
        }
    }

    /** Timestamp of the last frame returned by {@link #next()}, µs. */
    long lastPtsUs() {
        return lastPtsUs;
    }

    private void feed() {
        while (true) {
            int ret = av_read_frame(fmt, pkt);
            if (ret < 0) {
                inputDone = true;
                check(avcodec_send_packet(dec, null), "avcodec_send_packet");
                return;
            }
            try {
                if (pkt.stream_index() == streamIndex) {
                    check(avcodec_send_packet(dec, pkt), "avcodec_send_packet");
                    return;
                }
            } finally {
                av_packet_unref(pkt);
            }
        }
    }

    private static int check(int ret, String fn) {
        if (ret < 0) {
            throw new IllegalStateException(FfmpegErrors.returned(fn, ret));
        }
        return ret;
    }

    @Override
    public void close() {
        avcodec_free_context(dec);
        avformat_close_input(fmt);
        av_packet_free(pkt);
        av_frame_free(frame);
    }
}
