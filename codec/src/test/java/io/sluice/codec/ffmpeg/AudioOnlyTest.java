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
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_AUDIO;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.Codec;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVDictionary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioOnlyTest {
    @TempDir
    Path tmp;

    @Test
    void aFileWithoutVideoIsUsableAsAudioOnly() throws Exception {
        Path m4a = tmp.resolve("rabbit-audio.m4a");
        remuxAudio(TestMedia.path(TestMedia.RABBIT), m4a);
        try (FfmpegSource source = FfmpegSource.of(m4a.toString())) {
            List<TrackInfo> tracks = source.open();
            assertEquals(1, tracks.size());
            assertEquals(Codec.AAC, tracks.get(0).codec());
            assertTrue(MediaSources.isAudioOnly(tracks));
            MediaSourceException e = assertThrows(MediaSourceException.class, () -> MediaSources.requireVideo(source, tracks));
            assertEquals("input '" + m4a + "': no video track (tracks: #0 AAC 44100Hz 2ch); it is audio-only", e.getMessage());
            assertEquals(0, MediaSources.requireAudio(source, tracks).trackId());

            source.select(Map.of(0, Delivery.DECODED));
            long samples = 0;
            for (MediaFrame f; (f = source.read()) != null; ) {
                samples += ((AvRawFrame) f).sampleCount();
                f.release();
            }
            assertTrue(Math.abs(samples / 44_100.0 - 7.8) < 0.2, samples + " samples");
        }
    }

    /** Stream-copies the audio of {@code src} into {@code dst} (format from the extension). */
    private static void remuxAudio(Path src, Path dst) {
        AVFormatContext in = new AVFormatContext(null);
        check(avformat_open_input(in, src.toString(), null, (AVDictionary) null));
        AVFormatContext out = new AVFormatContext(null);
        AVPacket pkt = av_packet_alloc();
        try {
            check(avformat_find_stream_info(in, (AVDictionary) null));
            int audio = -1;
            for (int i = 0; i < in.nb_streams(); i++) {
                if (in.streams(i).codecpar().codec_type() == AVMEDIA_TYPE_AUDIO) {
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
            throw new IllegalStateException(FfmpegErrors.describe("remux step", ret));
        }
    }
}
