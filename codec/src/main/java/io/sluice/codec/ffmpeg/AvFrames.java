package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.AV_SAMPLE_FMT_FLTP;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_get_buffer;

import java.nio.ByteBuffer;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/** Allocation of the frames Sluice's own sources produce, and views of their planes. */
final class AvFrames {
    private AvFrames() {
    }

    /**
     * A {@code yuv420p} frame with its buffers allocated (contents undefined); the caller frees it.
     *
     * @param input names the source in the exception
     * @throws io.sluice.core.MediaSourceException if {@code av_frame_get_buffer} fails
     */
    static AVFrame video(String input, int width, int height) {
        AVFrame f = alloc();
        f.format(AV_PIX_FMT_YUV420P).width(width).height(height);
        return allocBuffers(input, f);
    }

    /**
     * An {@code fltp} frame with {@code samples} samples per channel and the default layout for {@code channels};
     * buffers allocated (contents undefined); the caller frees it.
     */
    static AVFrame audio(String input, int sampleRate, int channels, int samples) {
        AVFrame f = alloc();
        f.format(AV_SAMPLE_FMT_FLTP).sample_rate(sampleRate).nb_samples(samples);
        av_channel_layout_default(f.ch_layout(), channels);
        return allocBuffers(input, f);
    }

    /** A view of {@code rows} rows of plane {@code plane} (row {@code r} starts at {@code r * linesize}). */
    static ByteBuffer plane(AVFrame f, int plane, int rows) {
        return f.data(plane).position(0).capacity((long) f.linesize(plane) * rows).asByteBuffer();
    }

    private static AVFrame alloc() {
        AVFrame f = av_frame_alloc();
        if (f == null) {
            throw new OutOfMemoryError("av_frame_alloc() returned NULL");
        }
        return f;
    }

    private static AVFrame allocBuffers(String input, AVFrame f) {
        int ret = av_frame_get_buffer(f, 0);
        if (ret < 0) {
            av_frame_free(f);
            throw FfmpegErrors.sourceError(input, "av_frame_get_buffer", ret, null);
        }
        return f;
    }
}
