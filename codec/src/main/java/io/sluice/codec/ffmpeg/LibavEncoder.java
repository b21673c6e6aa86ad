package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_packet;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_frame;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AV_OPT_SEARCH_CHILDREN;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_opt_set;

import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.spi.Encoder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * What the libavcodec encoders share: the open {@code AVCodecContext}, one reused {@code AVPacket},
 * the receive loop, option setting, the thread-safe target bitrate and the close/flush lifecycle.
 */
abstract class LibavEncoder implements Encoder {
    /** FFmpeg's encoder name, e.g. {@code "libx264"}. */
    final String encoderName;
    private final AtomicLong targetBitrate;

    AVCodecContext ctx;
    AVPacket packet;
    private boolean flushed;
    private boolean closed;

    LibavEncoder(String encoderName, long bitrateBps) {
        FfmpegLog.install();
        this.encoderName = encoderName;
        this.targetBitrate = new AtomicLong(bitrateBps);
    }

    /** FFmpeg's name of the encoder in use, e.g. {@code "libx264"}, {@code "libopenh264"}, {@code "aac"}, {@code "libopus"}. */
    public String encoderName() {
        return encoderName;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Thread-safe; applied before the next frame the encoder takes in (see the class doc for how).
     */
    @Override
    public void setTargetBitrate(long bitrateBps) {
        if (bitrateBps <= 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: > 0)");
        }
        targetBitrate.set(bitrateBps);
    }

    @Override
    public long targetBitrate() {
        return targetBitrate.get();
    }

    /** Encoder name and format for messages, e.g. {@code "libx264 1920x1080"}. */
    abstract String what();

    /** Converts one received packet; the packet is unreferenced afterwards. */
    abstract EncodedFrame toEncodedFrame(AVPacket p);

    /** Frees what the subclass allocated (the context and packet are freed here). */
    abstract void freeResources();

    /**
     * Drains the buffered input, then the encoder, to {@code out}. Idempotent; {@link #encode} throws afterwards.
     *
     * @throws IllegalStateException after {@link #close}
     */
    @Override
    public final void flush(Consumer<EncodedFrame> out) {
        if (closed) {
            throw new IllegalStateException("encoder closed");
        }
        if (flushed) {
            return;
        }
        flushed = true;
        flushInput(out);
        drainEncoder(out);
    }

    /** Encodes whatever the subclass still buffers before the encoder is drained; nothing by default. */
    void flushInput(Consumer<EncodedFrame> out) {
    }

    /** Frees every native resource. Idempotent; frames already emitted stay valid. */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        freeCodec();
        freeResources();
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
    }

    /** @throws IllegalStateException after {@link #flush} or {@link #close} */
    final void checkUsable() {
        if (closed) {
            throw new IllegalStateException("encoder closed");
        }
        if (flushed) {
            throw new IllegalStateException("encoder flushed; create a new one to encode more");
        }
    }

    final void allocatePacket() {
        packet = av_packet_alloc();
        if (packet == null) {
            throw new OutOfMemoryError("av_packet_alloc() returned NULL");
        }
    }

    static AVFrame allocateFrame() {
        AVFrame f = av_frame_alloc();
        if (f == null) {
            throw new OutOfMemoryError("av_frame_alloc() returned NULL");
        }
        return f;
    }

    static void freeFrame(AVFrame f) {
        if (f != null) {
            av_frame_free(f);
        }
    }

    /** {@code av_opt_set} on the context, then its private options (codec-specific). */
    final void setOption(String name, String value) {
        int ret = av_opt_set(ctx, name, value, AV_OPT_SEARCH_CHILDREN);
        if (ret < 0) {
            throw new EncoderException("av_opt_set", ret, FfmpegErrors.returned("av_opt_set", ret) + " for option '" + name
                    + "' = '" + value + "' on " + what());
        }
    }

    /** Sends {@code frame} to the encoder and passes every packet it has ready to {@code out}. */
    final void send(AVFrame frame, Consumer<EncodedFrame> out) {
        int ret = avcodec_send_frame(ctx, frame);
        if (ret < 0) {
            throw FfmpegErrors.encoder("avcodec_send_frame", ret, what());
        }
        receive(out);
    }

    /** Enters draining mode and passes every remaining packet to {@code out}; the context cannot be fed after this. */
    final void drainEncoder(Consumer<EncodedFrame> out) {
        int ret = avcodec_send_frame(ctx, null);
        if (ret < 0 && ret != AVERROR_EOF) {
            throw FfmpegErrors.encoder("avcodec_send_frame", ret, what());
        }
        receive(out);
    }

    private void receive(Consumer<EncodedFrame> out) {
        while (true) {
            int ret = avcodec_receive_packet(ctx, packet);
            if (ret == FfmpegErrors.EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw FfmpegErrors.encoder("avcodec_receive_packet", ret, what());
            }
            EncodedFrame frame;
            try {
                frame = toEncodedFrame(packet);
            } finally {
                av_packet_unref(packet);
            }
            out.accept(frame);
        }
    }

    final void freeCodec() {
        if (ctx != null) {
            avcodec_free_context(ctx);
            ctx = null;
        }
    }
}
