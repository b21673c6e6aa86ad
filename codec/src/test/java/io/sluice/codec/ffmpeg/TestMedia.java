package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_rescale_ts;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_copy;
import static org.bytedeco.ffmpeg.global.avformat.AVIO_FLAG_WRITE;
import static org.bytedeco.ffmpeg.global.avformat.av_interleaved_write_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.av_write_trailer;
import static org.bytedeco.ffmpeg.global.avformat.avformat_alloc_output_context2;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_free_context;
import static org.bytedeco.ffmpeg.global.avformat.avformat_new_stream;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_write_header;
import static org.bytedeco.ffmpeg.global.avformat.avio_closep;
import static org.bytedeco.ffmpeg.global.avformat.avio_open;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;

/** Paths of the shared test media (see shared/DATA.md). */
final class TestMedia {
    static final String BBB = "bbb_480p_30s_h264_aac51.mp4";
    static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";
    static final String FLOWER = "flower_960x540_5s_h264_aac.mp4";
    static final String FRIDAY = "friday_640x480_6s_h264_aac.mp4";
    static final String TOS = "tos_battle_800x332_30s_vp8_vorbis.webm";

    private TestMedia() {
    }

    static Path path(String name) {
        String dir = System.getProperty("sluice.shared.dir");
        if (dir == null) {
            throw new IllegalStateException("system property sluice.shared.dir is not set (the root pom sets it for surefire)");
        }
        Path p = Path.of(dir, "media", name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing test media: " + p);
        }
        return p;
    }

    static String input(String name) {
        return path(name).toString();
    }

    /** Stream-copies the first stream of {@code mediaType} ({@code AVMEDIA_TYPE_*}) of {@code src} into {@code dst} (format from the extension). */
    static void remux(Path src, Path dst, int mediaType) {
        AVFormatContext in = new AVFormatContext(null);
        check(avformat_open_input(in, src.toString(), null, (AVDictionary) null));
        AVFormatContext out = new AVFormatContext(null);
        AVPacket pkt = av_packet_alloc();
        try {
            check(avformat_find_stream_info(in, (AVDictionary) null));
            int audio = -1;
            for (int i = 0; i < in.nb_streams(); i++) {
                if (audio < 0 && in.streams(i).codecpar().codec_type() == mediaType) {
                    audio = i;
                }
            }
            check(avformat_alloc_output_context2(out, null, null, dst.toString()));
            AVStream os = avformat_new_stream(out, null);
            check(avcodec_parameters_copy(os.codecpar(), in.streams(audio).codecpar()));
            os.codecpar().codec_tag(0);
            AVIOContext pb = new AVIOContext(null);
            check(avio_open(pb, dst.toString(), AVIO_FLAG_WRITE));
            out.pb(pb);
            check(avformat_write_header(out, (AVDictionary) null));
            while (av_read_frame(in, pkt) >= 0) {
                if (pkt.stream_index() == audio) {
                    av_packet_rescale_ts(pkt, in.streams(audio).time_base(), os.time_base());
                    pkt.stream_index(0);
                    check(av_interleaved_write_frame(out, pkt));
                }
                av_packet_unref(pkt);
            }
            check(av_write_trailer(out));
            avio_closep(out.pb());
        } finally {
            av_packet_free(pkt);
            avformat_free_context(out);
            avformat_close_input(in);
        }
    }

    private static void check(int ret) {
        if (ret < 0) {
            throw new IllegalStateException(FfmpegErrors.returned("remux step", ret));
        }
    }
}
