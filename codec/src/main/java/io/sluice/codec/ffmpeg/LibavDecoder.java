package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_flush_buffers;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_NOPTS_VALUE;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.TrackInfo;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;

/**
 * What the libavcodec decoders share ({@link FfmpegVideoDecoder}, {@link FfmpegAudioTranscoder}): one open
 * decoder for one track (its codec config as extradata, packet time base 1 µs, so decoded timestamps are the
 * pipeline's), {@code avcodec_send_packet}/{@code avcodec_receive_frame} and the native frees. Not thread-safe.
 */
final class LibavDecoder implements AutoCloseable {
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    private final TrackInfo track;
    private AVCodecContext ctx;
    private AVPacket packet;
    private AVFrame frame;

    /**
     * @param track   the input track (audio: its sample rate and channel count are set before opening)
     * @param threads FFmpeg decoder threads, ≥ 1
     * @throws EncoderException if FFmpeg has no decoder for the codec or it fails to open
     */
    LibavDecoder(TrackInfo track, int threads) {
        this.track = track;
        FfmpegLog.install();
        AVCodec codec = avcodec_find_decoder_by_name(track.codec().ffmpegName());
        if (codec == null) {
            throw new EncoderException(track.mediaType().name().toLowerCase(java.util.Locale.ROOT) + " decoder '"
                    + track.codec().ffmpegName() + "' is not in this FFmpeg build");
        }
        boolean ok = false;
        try {
            ctx = avcodec_alloc_context3(codec);
            if (ctx == null) {
                throw new OutOfMemoryError("avcodec_alloc_context3() returned NULL");
            }
            ctx.pkt_timebase(MICROS);
            ctx.thread_count(threads);
            if (track.isAudio()) {
                ctx.sample_rate(track.sampleRate());
                av_channel_layout_default(ctx.ch_layout(), track.channels());
            }
            byte[] config = track.codecConfig();
            if (config.length > 0) {
                BytePointer extradata = new BytePointer(av_malloc(config.length + AV_INPUT_BUFFER_PADDING_SIZE));
                extradata.position(0).put(config).position(config.length)
                        .put(new byte[AV_INPUT_BUFFER_PADDING_SIZE]).position(0);
                ctx.extradata(extradata);
                ctx.extradata_size(config.length);
            }
            int ret = avcodec_open2(ctx, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
            if (ret < 0) {
                throw FfmpegErrors.encoder("avcodec_open2", ret, what());
            }
            packet = av_packet_alloc();
            frame = av_frame_alloc();
            if (packet == null || frame == null) {
                throw new OutOfMemoryError("av_packet_alloc()/av_frame_alloc() returned NULL");
            }
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    TrackInfo track() {
        return track;
    }

    /**
     * Sends one frame's payload with its PTS and DTS (µs).
     *
     * @param f borrowed
     * @return {@code false} if the decoder rejected it as corrupt (skip it, as a player would)
     */
    boolean send(EncodedFrame f) {
        int size = f.content().readableBytes();
        if (size == 0) {
            return true;
        }
        int ret = av_new_packet(packet, size);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_new_packet", ret, what());
        }
        try {
            f.content().getBytes(f.content().readerIndex(), packet.data().position(0).capacity(size).asByteBuffer());
            packet.pts(f.ptsUs());
            packet.dts(f.dtsUs());
            ret = avcodec_send_packet(ctx, packet);
        } finally {
            av_packet_unref(packet);
        }
        return ret >= 0 || ret == FfmpegErrors.EAGAIN;
    }

    /**
     * Passes every decoded frame ready now to {@code out}, PTS in µs ({@code best_effort_timestamp}).
     *
     * @param out ownership of each frame passes to the consumer
     */
    void receive(long createdNanos, Consumer<AvRawFrame> out) {
        while (true) {
            int ret = avcodec_receive_frame(ctx, frame);
            if (ret == FfmpegErrors.EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw FfmpegErrors.encoder("avcodec_receive_frame", ret, what());
            }
            long pts = frame.best_effort_timestamp();
            if (pts == AV_NOPTS_VALUE) {
                pts = frame.pts();
            }
            AvRawFrame raw = AvRawFrame.cloneOf(track.trackId(), track.mediaType(), frame, pts, createdNanos);
            av_frame_unref(frame);
            out.accept(raw);
        }
    }

    /** Drains what the decoder holds into {@code out} (end of stream), then resets it to take frames again. */
    void drain(Consumer<AvRawFrame> out) {
        avcodec_send_packet(ctx, null);
        receive(0, out);
        avcodec_flush_buffers(ctx);
    }

    /** Frees the native decoder. Idempotent. */
    @Override
    public void close() {
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (ctx != null) {
            avcodec_free_context(ctx);
            ctx = null;
        }
    }

    String what() {
        return "decoder " + track.codec().ffmpegName();
    }
}
