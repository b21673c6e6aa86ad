package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_copy;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import io.sluice.core.Codec;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.Timebase;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.time.Ticker;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A synthetic source for demos and tests: 75% colour bars with a moving white box and a clock panel (elapsed
 * time {@code hh:mm:ss.mmm} and the frame number, drawn with a built-in 5x7 bitmap font), plus a 1 kHz tone that
 * beeps for the first 100 ms of every second, so A/V sync can be checked by eye and ear.
 *
 * <p>Tracks: #{@value #VIDEO_TRACK} raw video ({@link Codec#RAW_VIDEO}, {@code yuv420p}, default 1280x720 at
 * 30 fps) and, unless disabled, #{@value #AUDIO_TRACK} raw audio ({@link Codec#RAW_AUDIO}, {@code fltp}, 48 kHz
 * stereo, 1024 samples per frame). Only {@link Delivery#DECODED} or {@link Delivery#DISCARD} can be selected.
 *
 * <p>Frames are {@link AvRawFrame}s the caller releases. They come as fast as {@link #read()} is called
 * ({@link #isLive()} is {@code false}: the pipeline paces). Timestamps are exact: video
 * {@code ptsUs = round(frameIndex * 1e6 * den / num)}, audio {@code ptsUs = round(sampleIndex * 1e6 / 48000)},
 * so nothing drifts however long it runs. Frames are interleaved by timestamp.
 */
public final class PatternSource implements MediaSource {
    /** Track id of the video track. */
    public static final int VIDEO_TRACK = 0;
    /** Track id of the audio track. */
    public static final int AUDIO_TRACK = 1;
    /** Audio sample rate, Hz. */
    public static final int SAMPLE_RATE = 48_000;
    /** Audio channels (stereo, same signal in both). */
    public static final int CHANNELS = 2;
    /** Samples per channel in each audio frame. */
    public static final int SAMPLES_PER_FRAME = 1024;

    private static final long MICROS = 1_000_000L;
    private static final int TONE_HZ = 1000;
    private static final int BEEP_SAMPLES = SAMPLE_RATE / 10; // 100 ms at the start of each second
    private static final float AMPLITUDE = 0.3f;
    /** BT.601 limited-range Y, U, V of 75% bars: white, yellow, cyan, green, magenta, red, blue, black. */
    private static final int[][] BARS = {
        {180, 128, 128}, {162, 44, 142}, {131, 156, 44}, {112, 72, 58},
        {84, 184, 198}, {65, 100, 212}, {35, 212, 114}, {16, 128, 128},
    };

    private final int width;
    private final int height;
    private final Rational frameRate;
    private final long durationUs;
    private final boolean audio;
    private final String name;

    private volatile boolean aborted;
    private boolean opened;
    private boolean closed;
    private boolean videoOn;
    private boolean audioOn;
    private List<TrackInfo> tracks;
    private AVFrame background;
    private ClockPanel clock;
    private long frameIndex;
    private long sampleIndex;
    private final long totalSamples;
    private final float[] samples = new float[SAMPLES_PER_FRAME];
    private final float[] sine = new float[SAMPLE_RATE / TONE_HZ];

    /** Stamps {@code createdNanos} of every frame. */
    private final Ticker ticker;

    private PatternSource(Builder b) {
        this.width = b.width;
        this.ticker = b.ticker;
        this.height = b.height;
        this.frameRate = b.frameRate;
        this.durationUs = b.duration == null ? Long.MAX_VALUE : b.duration.toNanos() / 1000;
        this.audio = b.audio;
        this.totalSamples = b.duration == null ? Long.MAX_VALUE : Timebase.rescale(durationUs, SAMPLE_RATE, MICROS);
        this.name = "pattern:" + width + "x" + height + "@" + (frameRate.den() == 1 ? String.valueOf(frameRate.num()) : frameRate.toString());
        for (int i = 0; i < sine.length; i++) {
            sine[i] = (float) (AMPLITUDE * Math.sin(2 * Math.PI * i / sine.length));
        }
    }

    /** A builder with the defaults: 1280x720, 30 fps, unlimited, with audio. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code "pattern:WIDTHxHEIGHT@RATE"}. */
    @Override
    public String name() {
        return name;
    }

    /** Always {@code false}: frames are made on demand, the pipeline paces them. */
    @Override
    public boolean isLive() {
        return false;
    }

    /**
     * @return the video track and, if enabled, the audio track (see class doc)
     * @throws IllegalStateException if already opened or closed
     */
    @Override
    public List<TrackInfo> open() {
        if (opened || closed) {
            throw new IllegalStateException("open(): " + (closed ? "closed" : "already open") + " (" + name + ")");
        }
        opened = true;
        List<TrackInfo> list = new ArrayList<>();
        list.add(TrackInfo.builder(VIDEO_TRACK, Codec.RAW_VIDEO).resolution(width, height).frameRate(frameRate)
                .description("pattern yuv420p " + width + "x" + height + " " + frameRate + "fps").build());
        if (audio) {
            list.add(TrackInfo.builder(AUDIO_TRACK, Codec.RAW_AUDIO).audio(SAMPLE_RATE, CHANNELS)
                    .description("pattern 1 kHz beep fltp " + SAMPLE_RATE + "Hz " + CHANNELS + "ch").build());
        }
        tracks = Collections.unmodifiableList(list);
        return tracks;
    }

    /**
     * @throws MediaSourceException     if a track is asked for {@link Delivery#ENCODED} (the pattern is raw)
     * @throws IllegalArgumentException if a track id is unknown
     * @throws IllegalStateException    if not open
     */
    @Override
    public void select(Map<Integer, Delivery> delivery) {
        if (!opened || closed) {
            throw new IllegalStateException("select(): not open (" + name + ")");
        }
        for (Map.Entry<Integer, Delivery> e : delivery.entrySet()) {
            int id = Objects.requireNonNull(e.getKey(), "trackId");
            if (id != VIDEO_TRACK && !(audio && id == AUDIO_TRACK)) {
                throw new IllegalArgumentException("trackId: " + id + " (expected: " + (audio ? "0 or 1" : "0") + ")");
            }
            if (e.getValue() == Delivery.ENCODED) {
                throw new MediaSourceException(name, "track #" + id + " is raw " + (id == VIDEO_TRACK ? "video" : "audio")
                        + "; ENCODED delivery is not possible (expected: DECODED or DISCARD)");
            }
        }
        videoOn = delivery.get(VIDEO_TRACK) == Delivery.DECODED;
        audioOn = audio && delivery.get(AUDIO_TRACK) == Delivery.DECODED;
        if (videoOn && background == null) {
            clock = new ClockPanel(width, height);
            background = AvFrames.video(name, width, height);
            paintBackground(background);
        }
    }

    /**
     * The next video or audio frame, whichever has the smaller timestamp (video first on a tie).
     *
     * @return a frame the caller releases; {@code null} after the duration or after {@link #abort()}
     */
    @Override
    public MediaFrame read() {
        if (closed) {
            throw new IllegalStateException("read(): closed (" + name + ")");
        }
        if (aborted) {
            return null;
        }
        long videoPts = videoOn ? videoPtsUs(frameIndex) : Long.MAX_VALUE;
        boolean videoLeft = videoOn && videoPts < durationUs;
        boolean audioLeft = audioOn && sampleIndex < totalSamples;
        long audioPts = audioLeft ? Timebase.rescale(sampleIndex, MICROS, SAMPLE_RATE) : Long.MAX_VALUE;
        if (videoLeft && videoPts <= audioPts) {
            return nextVideo(videoPts);
        }
        if (audioLeft) {
            return nextAudio(audioPts);
        }
        return null;
    }

    private long videoPtsUs(long index) {
        return Timebase.rescale(index, MICROS * frameRate.den(), frameRate.num());
    }

    private AvRawFrame nextVideo(long ptsUs) {
        AVFrame f = AvFrames.video(name, width, height);
        try {
            check(av_frame_copy(f, background), "av_frame_copy");
            ByteBuffer y = AvFrames.plane(f, 0, height);
            ByteBuffer u = AvFrames.plane(f, 1, (height + 1) / 2);
            ByteBuffer v = AvFrames.plane(f, 2, (height + 1) / 2);
            drawBox(f, y, u, v, ptsUs);
            clock.draw(y, f.linesize(0), ptsUs, frameIndex);
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        frameIndex++;
        return new AvRawFrame(VIDEO_TRACK, MediaType.VIDEO, f, ptsUs, ticker.nanoTime());
    }

    private AvRawFrame nextAudio(long ptsUs) {
        int n = (int) Math.min(SAMPLES_PER_FRAME, totalSamples - sampleIndex);
        AVFrame f = AvFrames.audio(name, SAMPLE_RATE, CHANNELS, n);
        try {
            for (int i = 0; i < n; i++) {
                long s = sampleIndex + i;
                samples[i] = s % SAMPLE_RATE < BEEP_SAMPLES ? sine[(int) (s % sine.length)] : 0f;
            }
            for (int c = 0; c < CHANNELS; c++) {
                new FloatPointer(f.data(c)).put(samples, 0, n);
            }
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        sampleIndex += n;
        return new AvRawFrame(AUDIO_TRACK, MediaType.AUDIO, f, ptsUs, ticker.nanoTime());
    }

    private void check(int ret, String function) {
        if (ret < 0) {
            throw FfmpegErrors.sourceError(name, function, ret, null);
        }
    }

    private void paintBackground(AVFrame f) {
        ByteBuffer y = AvFrames.plane(f, 0, height);
        ByteBuffer u = AvFrames.plane(f, 1, (height + 1) / 2);
        ByteBuffer v = AvFrames.plane(f, 2, (height + 1) / 2);
        int cw = (width + 1) / 2;
        byte[] rowY = new byte[width];
        byte[] rowU = new byte[cw];
        byte[] rowV = new byte[cw];
        for (int x = 0; x < width; x++) {
            int[] bar = BARS[x * BARS.length / width];
            rowY[x] = (byte) bar[0];
        }
        for (int x = 0; x < cw; x++) {
            int[] bar = BARS[Math.min(BARS.length - 1, 2 * x * BARS.length / width)];
            rowU[x] = (byte) bar[1];
            rowV[x] = (byte) bar[2];
        }
        for (int r = 0; r < height; r++) {
            y.put(r * f.linesize(0), rowY, 0, width);
        }
        for (int r = 0; r < (height + 1) / 2; r++) {
            u.put(r * f.linesize(1), rowU, 0, cw);
            v.put(r * f.linesize(2), rowV, 0, cw);
        }
        clock.paintPanel(y, f.linesize(0), u, f.linesize(1), v, f.linesize(2));
    }

    /** A white square bouncing left and right every 4 s across the lower third. */
    private void drawBox(AVFrame f, ByteBuffer y, ByteBuffer u, ByteBuffer v, long ptsUs) {
        int size = Math.max(2, (height / 6) & ~1);
        int travel = Math.max(1, width - size);
        long phase = ptsUs % 4_000_000L;
        long pos = phase < 2_000_000L ? phase : 4_000_000L - phase;
        int x0 = (int) (pos * travel / 2_000_000L) & ~1;
        int y0 = Math.min(height - size, height * 2 / 3) & ~1;
        byte[] white = new byte[size];
        java.util.Arrays.fill(white, (byte) 235);
        for (int r = 0; r < size; r++) {
            y.put((y0 + r) * f.linesize(0) + x0, white, 0, Math.min(size, width - x0));
        }
        byte[] neutral = new byte[size / 2];
        java.util.Arrays.fill(neutral, (byte) 128);
        int cx = x0 / 2;
        int clen = Math.min(size / 2, (width + 1) / 2 - cx);
        for (int r = 0; r < size / 2; r++) {
            u.put((y0 / 2 + r) * f.linesize(1) + cx, neutral, 0, clen);
            v.put((y0 / 2 + r) * f.linesize(2) + cx, neutral, 0, clen);
        }
    }

    /** Makes a later {@link #read()} return {@code null}. Thread-safe. */
    @Override
    public void abort() {
        aborted = true;
    }

    /** Frees the background picture. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (background != null) {
            av_frame_free(background);
            background = null;
        }
    }

    @Override
    public String toString() {
        return "PatternSource{" + name + (durationUs == Long.MAX_VALUE ? "" : " " + durationUs + "us") + (audio ? " +audio" : "") + '}';
    }

    /**
     * The clock panel in the top-left corner: two lines of digits, {@code hh:mm:ss.mmm} and a 7-digit frame
     * number, white on black, at an integer scale of a 5x7 font.
     */
    static final class ClockPanel {
        /** 5x7 glyphs, one int per row, bit 4 = leftmost pixel: 0-9, ':', '.'. */
        private static final int[][] GLYPHS = {
            {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
            {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
            {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
            {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
            {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
            {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C},
        };
        private static final int CHARS = 12; // "hh:mm:ss.mmm"
        private static final byte INK = (byte) 235;
        private static final byte PAPER = (byte) 16;

        final int scale;
        final int x0;
        final int y0;
        final int panelWidth;
        final int panelHeight;
        private final byte[] pixels;
        private final char[] text = new char[CHARS];

        ClockPanel(int width, int height) {
            int s = Math.min(height / 120, (width - 4) / (CHARS * 6 + 2));
            this.scale = Math.max(1, s);
            this.panelWidth = Math.min(width & ~1, (CHARS * 6 + 2) * scale & ~1);
            this.panelHeight = Math.min(height & ~1, (2 * 9 + 1) * scale & ~1);
            this.x0 = Math.min(2 * scale, width - panelWidth) & ~1;
            this.y0 = Math.min(2 * scale, height - panelHeight) & ~1;
            this.pixels = new byte[panelWidth * panelHeight];
        }

        /** Black panel with neutral chroma, painted once into the background. */
        void paintPanel(ByteBuffer y, int ys, ByteBuffer u, int us, ByteBuffer v, int vs) {
            byte[] black = new byte[panelWidth];
            java.util.Arrays.fill(black, PAPER);
            for (int r = 0; r < panelHeight; r++) {
                y.put((y0 + r) * ys + x0, black, 0, panelWidth);
            }
            byte[] neutral = new byte[panelWidth / 2];
            java.util.Arrays.fill(neutral, (byte) 128);
            for (int r = 0; r < panelHeight / 2; r++) {
                u.put((y0 / 2 + r) * us + x0 / 2, neutral, 0, panelWidth / 2);
                v.put((y0 / 2 + r) * vs + x0 / 2, neutral, 0, panelWidth / 2);
            }
        }

        /** Draws the time and frame number into the luma plane. */
        void draw(ByteBuffer y, int stride, long ptsUs, long frame) {
            java.util.Arrays.fill(pixels, PAPER);
            long ms = ptsUs / 1000;
            format(ms / 3_600_000 % 100, 2, 0);
            text[2] = ':';
            format(ms / 60_000 % 60, 2, 3);
            text[5] = ':';
            format(ms / 1000 % 60, 2, 6);
            text[8] = '.';
            format(ms % 1000, 3, 9);
            drawLine(0);
            java.util.Arrays.fill(text, ' ');
            format(frame % 10_000_000, 7, 0);
            drawLine(9 * scale);
            for (int r = 0; r < panelHeight; r++) {
                y.put((y0 + r) * stride + x0, pixels, r * panelWidth, panelWidth);
            }
        }

        private void format(long value, int digits, int at) {
            for (int i = digits - 1; i >= 0; i--) {
                text[at + i] = (char) ('0' + value % 10);
                value /= 10;
            }
        }

        private void drawLine(int top) {
            for (int c = 0; c < CHARS; c++) {
                char ch = text[c];
                int g = ch >= '0' && ch <= '9' ? ch - '0' : ch == ':' ? 10 : ch == '.' ? 11 : -1;
                if (g < 0) {
                    continue;
                }
                int left = scale + c * 6 * scale;
                for (int row = 0; row < 7; row++) {
                    int bits = GLYPHS[g][row];
                    for (int col = 0; col < 5; col++) {
                        if ((bits & (0x10 >> col)) != 0) {
                            fill(left + col * scale, top + scale + row * scale);
                        }
                    }
                }
            }
        }

        private void fill(int px, int py) {
            for (int dy = 0; dy < scale && py + dy < panelHeight; dy++) {
                int base = (py + dy) * panelWidth;
                for (int dx = 0; dx < scale && px + dx < panelWidth; dx++) {
                    pixels[base + px + dx] = INK;
                }
            }
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private int width = 1280;
        private int height = 720;
        private Rational frameRate = Rational.of(30, 1);
        private Duration duration;
        private boolean audio = true;
        private Ticker ticker = Ticker.system();

        private Builder() {
        }

        /** Picture size in pixels, even, 16..8192 each; default 1280x720. */
        public Builder size(int width, int height) {
            if (width < 16 || height < 16 || width > 8192 || height > 8192 || width % 2 != 0 || height % 2 != 0) {
                throw new IllegalArgumentException("size: " + width + "x" + height + " (expected: even, 16..8192 each)");
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /** Frame rate in frames per second, 0 &lt; rate &le; 240; default 30. */
        public Builder frameRate(Rational frameRate) {
            Objects.requireNonNull(frameRate, "frameRate");
            if (frameRate.num() <= 0 || frameRate.toDouble() > 240) {
                throw new IllegalArgumentException("frameRate: " + frameRate + " (expected: 0 < fps <= 240)");
            }
            this.frameRate = frameRate;
            return this;
        }

        /** Shorthand for {@code frameRate(Rational.of(fps, 1))}. */
        public Builder frameRate(int fps) {
            return frameRate(Rational.of(fps, 1));
        }

        /**
         * Stops after {@code duration}: video frames with {@code ptsUs < duration} and exactly
         * {@code duration * 48000} audio samples (the last audio frame may be short). Null (default): unlimited.
         */
        public Builder duration(Duration duration) {
            if (duration != null && (duration.isNegative() || duration.isZero())) {
                throw new IllegalArgumentException("duration: " + duration + " (expected: > 0, or null for unlimited)");
            }
            this.duration = duration;
            return this;
        }

        /** Whether to add the audio track; default {@code true}. */
        public Builder audio(boolean audio) {
            this.audio = audio;
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

        public PatternSource build() {
            return new PatternSource(this);
        }
    }
}
