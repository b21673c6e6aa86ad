package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avcodec.av_new_packet;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder_by_name;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avcodec.AV_INPUT_BUFFER_PADDING_SIZE;
import static org.bytedeco.ffmpeg.global.avutil.av_channel_layout_default;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_unref;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;

import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncoderException;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.FrameTranscoder;
import java.util.Objects;
import java.util.function.Consumer;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.javacpp.BytePointer;

/**
 * Audio {@link FrameTranscoder} over libavcodec: decodes the input codec (AAC, Opus, anything FFmpeg
 * decodes by {@link Codec#ffmpegName()}) into {@link AvRawFrame}s and re-encodes them with an
 * {@link FfmpegAudioEncoder}, e.g. AAC → Opus 48 kHz for WebRTC viewers of an RTMP stream.
 *
 * <p>Timestamps: decoded frames keep the input PTS (µs); the encoder anchors its sample counter on
 * the first one (see {@link FfmpegAudioEncoder}), so the output starts about one input frame plus the
 * encoder's priming later. Not thread-safe; confine to one thread.
 */
public final class FfmpegAudioTranscoder implements FrameTranscoder {
    private static final AVRational MICROS = new AVRational().num(1).den(1_000_000);

    private final TrackInfo input;
    private final FfmpegAudioEncoder encoder;
    private AVCodecContext decoder;
    private AVPacket packet;
    private AVFrame frame;
    private boolean closed;

    /**
     * Opens the decoder for {@code input} and the encoder for {@code output}.
     *
     * @param input  an audio track with its codec config (AAC: the AudioSpecificConfig)
     * @param output encoder settings (codec {@link Codec#AAC} or {@link Codec#OPUS}, bitrate in bit/s)
     * @throws IllegalArgumentException if {@code input} is not audio
     * @throws EncoderException         if FFmpeg has no decoder for the input or a codec fails to open
     */
    public FfmpegAudioTranscoder(TrackInfo input, AudioEncoderConfig output) {
        this.input = Objects.requireNonNull(input, "input");
        Objects.requireNonNull(output, "output");
        if (!input.isAudio()) {
            throw new IllegalArgumentException("input: " + input + " (expected: an audio track)");
        }
        FfmpegLog.install();
        boolean ok = false;
        FfmpegAudioEncoder enc = null;
        try {
            openDecoder();
            enc = new FfmpegAudioEncoder(input, output, input.trackId());
            ok = true;
        } finally {
            if (!ok) {
                freeDecoder();
            }
        }
        this.encoder = enc;
    }

    private void openDecoder() {
        AVCodec codec = avcodec_find_decoder_by_name(input.codec().ffmpegName());
        if (codec == null) {
            throw new EncoderException("audio decoder '" + input.codec().ffmpegName() + "' is not in this FFmpeg build");
        }
        decoder = avcodec_alloc_context3(codec);
        if (decoder == null) {
            throw new OutOfMemoryError("avcodec_alloc_context3() returned NULL");
        }
        decoder.sample_rate(input.sampleRate());
        av_channel_layout_default(decoder.ch_layout(), input.channels());
        decoder.pkt_timebase(MICROS);
        byte[] config = input.codecConfig();
        if (config.length > 0) {
            BytePointer extradata = new BytePointer(av_malloc(config.length + AV_INPUT_BUFFER_PADDING_SIZE));
            extradata.position(0).put(config).position(config.length)
                    .put(new byte[AV_INPUT_BUFFER_PADDING_SIZE]).position(0);
            decoder.extradata(extradata);
            decoder.extradata_size(config.length);
        }
        int ret = avcodec_open2(decoder, codec, (org.bytedeco.ffmpeg.avutil.AVDictionary) null);
        if (ret < 0) {
            throw FfmpegErrors.encoder("avcodec_open2", ret, "decoder " + input.codec().ffmpegName());
        }
        packet = av_packet_alloc();
        frame = av_frame_alloc();
        if (packet == null || frame == null) {
            throw new OutOfMemoryError("av_packet_alloc()/av_frame_alloc() returned NULL");
        }
    }

    @Override
    public TrackInfo outputTrack() {
        return encoder.outputTrack();
    }

    /**
     * {@inheritDoc}
     *
     * @param frame borrowed; a frame of the input track's codec
     * @throws IllegalArgumentException if the frame's codec is not the input track's
     * @throws IllegalStateException    after {@link #close()}
     */
    @Override
    public void transcode(EncodedFrame frame, Consumer<EncodedFrame> out) {
        checkOpen();
        if (frame.codec() != input.codec()) {
            throw new IllegalArgumentException("frame codec: " + frame.codec() + " (expected: " + input.codec() + ")");
        }
        int size = frame.content().readableBytes();
        if (size == 0) {
            return;
        }
        int ret = av_new_packet(packet, size);
        if (ret < 0) {
            throw FfmpegErrors.encoder("av_new_packet", ret, what());
        }
        try {
            byte[] bytes = new byte[size];
            frame.content().getBytes(frame.content().readerIndex(), bytes);
            packet.data().position(0).put(bytes).position(0);
            packet.pts(frame.ptsUs());
            packet.dts(frame.ptsUs());
            ret = avcodec_send_packet(decoder, packet);
        } finally {
            av_packet_unref(packet);
        }
        if (ret < 0 && ret != FfmpegErrors.EAGAIN) {
            // A corrupt frame: skip it, as a player would.
            return;
        }
        drainDecoder(frame.createdNanos(), out);
    }

    private void drainDecoder(long createdNanos, Consumer<EncodedFrame> out) {
        while (true) {
            int ret = avcodec_receive_frame(decoder, frame);
            if (ret == FfmpegErrors.EAGAIN || ret == AVERROR_EOF) {
                return;
            }
            if (ret < 0) {
                throw FfmpegErrors.encoder("avcodec_receive_frame", ret, what());
            }
            long pts = frame.best_effort_timestamp();
            AvRawFrame raw = AvRawFrame.cloneOf(input.trackId(), MediaType.AUDIO, frame, pts, createdNanos);
            av_frame_unref(frame);
            try {
                encoder.encode(raw, out);
            } finally {
                raw.release();
            }
        }
    }

    @Override
    public void flush(Consumer<EncodedFrame> out) {
        checkOpen();
        avcodec_send_packet(decoder, null);
        drainDecoder(0, out);
        encoder.flush(out);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (encoder != null) {
                encoder.close();
            }
        } finally {
            freeDecoder();
        }
    }

    private void freeDecoder() {
        if (frame != null) {
            av_frame_free(frame);
            frame = null;
        }
        if (packet != null) {
            av_packet_free(packet);
            packet = null;
        }
        if (decoder != null) {
            avcodec_free_context(decoder);
            decoder = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("transcoder closed");
        }
    }

    private String what() {
        return "transcoder " + input.codec() + " -> " + encoder;
    }

    @Override
    public String toString() {
        return "FfmpegAudioTranscoder{" + input.codec() + " " + input.sampleRate() + "Hz/" + input.channels() + "ch -> "
                + encoder + '}';
    }
}
