package io.sluice.codec.ffmpeg;

import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * A {@link MediaSource} over any JavaCV {@link FrameGrabber}: a V4L2 webcam or an X11 screen through
 * {@code FFmpegFrameGrabber}, {@code OpenCVFrameGrabber}, a file, so that a JavaCV application hands its grabber
 * to a {@link io.sluice.core.StreamPipeline} instead of driving a {@code FrameRecorder}:
 *
 * <pre>{@code
 * FFmpegFrameGrabber camera = new FFmpegFrameGrabber("/dev/video0");
 * camera.setFormat("video4linux2");
 * camera.setImageWidth(1280);
 * camera.setImageHeight(720);
 * StreamPipeline.builder().source(FrameGrabberSource.of(camera)) ... .transport("whip+http://...").build();
 * }</pre>
 *
 * <p>{@link #open()} calls {@code grabber.start()} and declares the tracks from what the grabber reports after
 * it: video if {@code getImageWidth()} and {@code getImageHeight()} are positive (rounded down to even sizes,
 * at least 16), audio if {@code getSampleRate()} and {@code getAudioChannels()} are. Each {@link #read()} grabs
 * until a frame of a selected track comes out and converts it like {@link PushSource#pushFrame(Frame, long)}
 * (packed 8-bit BGR/BGRA/gray pictures, 16-bit or float PCM). Timestamps are the grabber's
 * {@code Frame.timestamp} (µs) minus the first frame's, so the stream starts at 0; tracks keep their offsets.
 * {@link #close()} calls {@code stop()} and {@code release()}.
 *
 * <p>{@link #abort()} makes {@link #read()} return {@code null} after the grab in progress returns (a grabber's
 * own {@code grab()} cannot be interrupted). The grabber is used on the pipeline's source thread only.
 */
public final class FrameGrabberSource implements MediaSource {
    private final FrameGrabber grabber;
    private final String name;
    private final boolean live;
    private PushSource frames;
    private long firstTimestampUs = Long.MIN_VALUE;
    private volatile boolean aborted;
    private boolean started;
    private boolean ended;

    private FrameGrabberSource(FrameGrabber grabber, String name, boolean live) {
        this.grabber = grabber;
        this.name = name;
        this.live = live;
    }

    /** A live source (a camera, a screen) named after the grabber's class; see {@link #of(FrameGrabber, String, boolean)}. */
    public static FrameGrabberSource of(FrameGrabber grabber) {
        Objects.requireNonNull(grabber, "grabber");
        return new FrameGrabberSource(grabber, "grabber:" + grabber.getClass().getSimpleName(), true);
    }

    /**
     * @param grabber not yet started; this source starts, stops and releases it
     * @param name    for logs and messages, e.g. {@code "v4l2:/dev/video0"}
     * @param live    {@code true} for a device that produces frames in real time (camera, screen: the pipeline never
     *                paces it and drops rather than block it); {@code false} for a file read as fast as the pipeline
     *                takes it (or paced with {@code realtime(true)})
     */
    public static FrameGrabberSource of(FrameGrabber grabber, String name, boolean live) {
        return new FrameGrabberSource(Objects.requireNonNull(grabber, "grabber"), Objects.requireNonNull(name, "name"), live);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean isLive() {
        return live;
    }

    /**
     * Starts the grabber and declares its tracks (video track 0 if any, then audio).
     *
     * @throws MediaSourceException  if {@code start()} fails, naming the grabber's message, or it reports neither a
     *                               picture size nor an audio format
     * @throws IllegalStateException if already opened
     */
    @Override
    public List<TrackInfo> open() {
        if (frames != null || started) {
            throw new IllegalStateException("open(): already open (" + name + ")");
        }
        try {
            started = true;
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new MediaSourceException(name, "FrameGrabber.start() failed: " + e.getMessage(), e);
        }
        PushSource.Builder b = PushSource.builder().name(name).live(live).queueCapacity(4);
        int w = grabber.getImageWidth() & ~1;
        int h = grabber.getImageHeight() & ~1;
        boolean video = w >= 16 && h >= 16;
        if (video) {
            double fps = grabber.getFrameRate();
            b.video(Math.min(w, 8192), Math.min(h, 8192), fps > 0 && fps < 1000 ? Rational.of(Math.round(fps * 1000), 1000) : null);
        }
        boolean audio = grabber.getSampleRate() >= 8000 && grabber.getAudioChannels() >= 1;
        if (audio) {
            b.audio(grabber.getSampleRate(), Math.min(grabber.getAudioChannels(), 8));
        }
        if (!video && !audio) {
            throw new MediaSourceException(name, "the grabber reports no picture size (" + grabber.getImageWidth() + "x"
                    + grabber.getImageHeight() + ") and no audio format (" + grabber.getSampleRate() + " Hz "
                    + grabber.getAudioChannels() + " ch) after start()");
        }
        frames = b.build();
        return frames.open();
    }

    @Override
    public void select(Map<Integer, Delivery> delivery) {
        if (frames == null) {
            throw new IllegalStateException("select(): not open (" + name + ")");
        }
        frames.select(delivery);
    }

    /**
     * Grabs until a frame of a selected track comes out.
     *
     * @return a frame the caller releases, or {@code null} when the grabber has no more frames or after {@link #abort()}
     * @throws MediaSourceException if {@code grab()} fails, or a frame has a picture or sample format
     *                              {@link PushSource#pushFrame(Frame, long)} does not take
     */
    @Override
    public MediaFrame read() throws InterruptedException {
        if (frames == null) {
            throw new IllegalStateException("read(): not open (" + name + ")");
        }
        while (!aborted) {
            if (frames.queuedFrames() > 0) {
                return frames.read();
            }
            if (ended) {
                return null;
            }
            Frame f;
            try {
                f = grabber.grab();
            } catch (FrameGrabber.Exception e) {
                throw new MediaSourceException(name, "FrameGrabber.grab() failed: " + e.getMessage(), e);
            }
            if (f == null) {
                ended = true;
                continue;
            }
            boolean picture = f.image != null && frames.videoTrackId() >= 0;
            boolean samples = f.samples != null && frames.audioTrackId() >= 0;
            if (!picture && !samples) {
                continue;
            }
            if (firstTimestampUs == Long.MIN_VALUE) {
                firstTimestampUs = f.timestamp;
            }
            try {
                frames.pushFrame(f, Math.max(0, f.timestamp - firstTimestampUs));
            } catch (IllegalArgumentException e) {
                throw new MediaSourceException(name, e.getMessage(), e);
            }
        }
        return null;
    }

    @Override
    public void abort() {
        aborted = true;
    }

    /** Stops and releases the grabber, then frees queued frames. Idempotent. */
    @Override
    public void close() {
        if (started) {
            started = false;
            try {
                grabber.stop();
                grabber.release();
            } catch (FrameGrabber.Exception | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(FrameGrabberSource.class).warn("{}: stopping the grabber failed: {}", name, e.toString());
            }
        }
        if (frames != null) {
            frames.close();
        }
    }

    @Override
    public String toString() {
        return "FrameGrabberSource{" + name + '}';
    }
}
