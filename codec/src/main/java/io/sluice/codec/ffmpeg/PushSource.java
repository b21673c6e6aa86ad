package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_0BGR32;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_0RGB32;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_ABGR;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGRA;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_GRAY8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB32;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import io.sluice.core.Codec;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.time.Ticker;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.SinglePixelPackedSampleModel;
import java.awt.image.WritableRaster;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacv.Frame;

/**
 * A source the application feeds: pictures (I420 planes or {@link BufferedImage}s) and PCM samples, each with its
 * presentation time in µs on the application's clock (shared by both tracks; start near 0).
 *
 * <pre>{@code
 * PushSource source = PushSource.builder().video(1280, 720, Rational.of(30, 1)).audio(48000, 2).build();
 * // hand it to a pipeline, then from the capture thread(s):
 * source.pushImage(image, ptsUs);
 * source.pushPcm(samples, 1024, ptsUs);
 * source.end();
 * }</pre>
 *
 * <p>An application built on JavaCV pushes its {@link Frame}s as they are ({@link #pushFrame(Frame)}: packed
 * 8-bit BGR, BGRA or gray pictures, 16-bit or float PCM); to read a whole {@code FrameGrabber} use
 * {@link FrameGrabberSource}.
 *
 * <p>Tracks: video (if declared) is track 0, audio is the next id. Pictures become {@code yuv420p} frames of the
 * declared size (a {@link BufferedImage} of another size is scaled with swscale); samples become {@code fltp}
 * frames. Both are {@link AvRawFrame}s the reader releases. Tracks are raw ({@link Codec#RAW_VIDEO},
 * {@link Codec#RAW_AUDIO}): only {@link Delivery#DECODED} or {@link Delivery#DISCARD} can be selected, and
 * pushes to a discarded track are validated and dropped.
 *
 * <p><b>Threads and back-pressure</b>: the {@code push*} methods are thread-safe and copy their input, so the
 * caller may reuse its arrays at once. They put the frame into a bounded queue ({@link Builder#queueCapacity(int)})
 * and <b>block while it is full</b>, i.e. while the pipeline is slower than the producer. After {@link #end()},
 * {@link #abort()} or {@link #close()} they throw {@link IllegalStateException} (a push blocked at that moment
 * wakes up and throws too). {@link #read()} blocks until a frame is queued, {@link #end()} was called and the queue
 * is empty ({@code null}), or {@link #abort()} ({@code null} at once).
 */
public final class PushSource implements MediaSource {
    private final String name;
    private final int width;
    private final int height;
    private final Rational frameRate;
    private final int sampleRate;
    private final int channels;
    private final int capacity;
    private final boolean live;
    private final List<TrackInfo> tracks;
    private final int videoTrackId;
    private final int audioTrackId;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<AvRawFrame> queue = new ArrayDeque<>(); // guarded by lock
    private boolean ended; // guarded by lock
    private volatile boolean aborted;
    private boolean closed; // guarded by lock
    private volatile boolean videoDropped;
    private volatile boolean audioDropped;
    private boolean opened;

    private final Object scaleLock = new Object();
    private SwsContext sws; // guarded by scaleLock
    private BytePointer pixels; // guarded by scaleLock; reused source picture for swscale

    /** Stamps {@code createdNanos} of every frame. */
    private final Ticker ticker;

    private PushSource(Builder b) {
        this.live = b.live;
        this.ticker = b.ticker;
        this.name = b.name;
        this.width = b.width;
        this.height = b.height;
        this.frameRate = b.frameRate;
        this.sampleRate = b.sampleRate;
        this.channels = b.channels;
        this.capacity = b.capacity;
        List<TrackInfo> list = new ArrayList<>();
        int next = 0;
        if (b.width > 0) {
            videoTrackId = next++;
            list.add(TrackInfo.builder(videoTrackId, Codec.RAW_VIDEO).resolution(width, height).frameRate(frameRate)
                    .description("push yuv420p " + width + "x" + height).build());
        } else {
            videoTrackId = -1;
        }
        if (b.sampleRate > 0) {
            audioTrackId = next;
            list.add(TrackInfo.builder(audioTrackId, Codec.RAW_AUDIO).audio(sampleRate, channels)
                    .description("push fltp " + sampleRate + "Hz " + channels + "ch").build());
        } else {
            audioTrackId = -1;
        }
        this.tracks = Collections.unmodifiableList(list);
    }

    /** A builder; declare at least one of video and audio. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * {@code true} by default: frames arrive in real time (a camera, a game), so a pipeline that falls
     * behind drops raw video rather than slowing the application. Built with {@code live(false)} for an
     * application that renders faster than real time: then every frame is encoded and the push
     * methods block until the pipeline has room.
     */
    @Override
    public boolean isLive() {
        return live;
    }

    /** Id of the video track, or -1 if none was declared. */
    public int videoTrackId() {
        return videoTrackId;
    }

    /** Id of the audio track, or -1 if none was declared. */
    public int audioTrackId() {
        return audioTrackId;
    }

    /** The declared tracks (available before {@link #open()} too). */
    public List<TrackInfo> tracks() {
        return tracks;
    }

    /** @return the declared tracks: video first, then audio */
    @Override
    public List<TrackInfo> open() {
        opened = true;
        return tracks;
    }

    /**
     * @throws MediaSourceException     if a track is asked for {@link Delivery#ENCODED}
     * @throws IllegalArgumentException if a track id is unknown
     */
    @Override
    public void select(Map<Integer, Delivery> delivery) {
        if (!opened) {
            throw new IllegalStateException("select(): not open (" + name + ")");
        }
        for (Map.Entry<Integer, Delivery> e : delivery.entrySet()) {
            int id = Objects.requireNonNull(e.getKey(), "trackId");
            if (id != videoTrackId && id != audioTrackId || id < 0) {
                throw new IllegalArgumentException("trackId: " + id + " (expected: one of " + trackIds() + ")");
            }
            if (e.getValue() == Delivery.ENCODED) {
                throw new MediaSourceException(name, "track #" + id + " is raw; ENCODED delivery is not possible (expected: DECODED or DISCARD)");
            }
        }
        videoDropped = videoTrackId >= 0 && delivery.get(videoTrackId) != Delivery.DECODED;
        audioDropped = audioTrackId >= 0 && delivery.get(audioTrackId) != Delivery.DECODED;
        lock.lock();
        try {
            queue.removeIf(f -> {
                boolean drop = f.mediaType() == MediaType.VIDEO ? videoDropped : audioDropped;
                if (drop) {
                    f.release();
                }
                return drop;
            });
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private List<Integer> trackIds() {
        List<Integer> ids = new ArrayList<>();
        tracks.forEach(t -> ids.add(t.trackId()));
        return ids;
    }

    /**
     * Pushes one I420 ({@code yuv420p}) picture of the declared size from arrays.
     *
     * @param y       luma, {@code height} rows of {@code yStride} bytes (the last row needs only {@code width})
     * @param u       Cb, {@code (height+1)/2} rows of {@code uStride} bytes, {@code (width+1)/2} used per row
     * @param v       Cr, like {@code u}
     * @param ptsUs   presentation time, µs
     * @throws IllegalArgumentException if a stride or array is too small
     * @throws IllegalStateException    if no video track was declared, or after {@link #end()}/{@link #abort()}/{@link #close()}
     * @throws InterruptedException     if interrupted while waiting for room in the queue
     */
    public void pushI420(byte[] y, int yStride, byte[] u, int uStride, byte[] v, int vStride, long ptsUs)
            throws InterruptedException {
        pushI420(ByteBuffer.wrap(y), yStride, ByteBuffer.wrap(u), uStride, ByteBuffer.wrap(v), vStride, ptsUs);
    }

    /**
     * Pushes one I420 picture from buffers (heap or direct), read from each buffer's position; positions are not
     * moved. Same contract as {@link #pushI420(byte[], int, byte[], int, byte[], int, long)}.
     */
    public void pushI420(ByteBuffer y, int yStride, ByteBuffer u, int uStride, ByteBuffer v, int vStride, long ptsUs)
            throws InterruptedException {
        requireVideo();
        int cw = (width + 1) / 2;
        int ch = (height + 1) / 2;
        checkPlane("y", y, yStride, width, height);
        checkPlane("u", u, uStride, cw, ch);
        checkPlane("v", v, vStride, cw, ch);
        if (videoDropped) {
            return;
        }
        AVFrame f = AvFrames.video(name, width, height);
        try {
            copyPlane(y, yStride, f, 0, width, height);
            copyPlane(u, uStride, f, 1, cw, ch);
            copyPlane(v, vStride, f, 2, cw, ch);
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        enqueue(new AvRawFrame(videoTrackId, MediaType.VIDEO, f, ptsUs, ticker.nanoTime()));
    }

    private static void checkPlane(String plane, ByteBuffer b, int stride, int rowBytes, int rows) {
        Objects.requireNonNull(b, plane);
        if (stride < rowBytes) {
            throw new IllegalArgumentException(plane + "Stride: " + stride + " (expected: >= " + rowBytes + ")");
        }
        long needed = (long) stride * (rows - 1) + rowBytes;
        if (b.remaining() < needed) {
            throw new IllegalArgumentException(plane + ": " + b.remaining() + " bytes (expected: >= " + needed + ")");
        }
    }

    private static void copyPlane(ByteBuffer src, int srcStride, AVFrame f, int plane, int rowBytes, int rows) {
        ByteBuffer dst = AvFrames.plane(f, plane, rows);
        int dstStride = f.linesize(plane);
        int base = src.position();
        for (int r = 0; r < rows; r++) {
            dst.put(r * dstStride, src, base + r * srcStride, rowBytes);
        }
    }

    /**
     * Pushes a picture, converted to {@code yuv420p} (BT.601) and scaled to the declared size with swscale.
     * {@code TYPE_3BYTE_BGR}, {@code TYPE_4BYTE_ABGR}, {@code TYPE_INT_RGB}, {@code TYPE_INT_ARGB},
     * {@code TYPE_INT_BGR} and {@code TYPE_BYTE_GRAY} are read directly (alpha is ignored); other types are
     * first drawn into a {@code TYPE_3BYTE_BGR} copy.
     *
     * @param ptsUs presentation time, µs
     * @throws IllegalStateException if no video track was declared, or after {@link #end()}/{@link #abort()}/{@link #close()}
     * @throws InterruptedException  if interrupted while waiting for room in the queue
     */
    public void pushImage(BufferedImage image, long ptsUs) throws InterruptedException {
        Objects.requireNonNull(image, "image");
        requireVideo();
        if (videoDropped) {
            return;
        }
        AVFrame f = AvFrames.video(name, width, height);
        try {
            convert(image, f);
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        enqueue(new AvRawFrame(videoTrackId, MediaType.VIDEO, f, ptsUs, ticker.nanoTime()));
    }

    /**
     * Pushes a JavaCV {@link Frame} at its own {@code timestamp} (µs); see {@link #pushFrame(Frame, long)}.
     */
    public void pushFrame(Frame frame) throws InterruptedException {
        Objects.requireNonNull(frame, "frame");
        pushFrame(frame, frame.timestamp);
    }

    /**
     * Pushes a JavaCV {@link Frame}: its picture, its samples, or both, copied (JavaCV grabbers reuse their
     * {@code Frame}, so the caller may grab the next one at once).
     *
     * <ul>
     *   <li>Picture ({@code frame.image != null}): 8-bit ({@link Frame#DEPTH_UBYTE} or {@link Frame#DEPTH_BYTE}),
     *       packed, {@code imageChannels} 3 (BGR, what {@code FFmpegFrameGrabber} and {@code OpenCVFrameConverter}
     *       produce), 4 (BGRA) or 1 (gray), {@code imageStride} bytes a row; converted to {@code yuv420p} and scaled
     *       to the declared size with swscale. Needs a declared video track.</li>
     *   <li>Samples ({@code frame.samples != null}): {@link ShortBuffer} (signed 16-bit) or {@link FloatBuffer}
     *       (-1..1), one interleaved buffer or one buffer per channel (planar), {@code audioChannels} and
     *       {@code sampleRate} equal to the declared ones. Needs a declared audio track.</li>
     * </ul>
     * A frame with neither (JavaCV's data or subtitle frames) is ignored. Buffers are read from position 0 to
     * their limit; positions are not moved.
     *
     * @param ptsUs presentation time, µs on the application's clock
     * @throws IllegalArgumentException if the picture's depth or channel count, or the samples' type, channel count
     *                                  or rate is not one listed above
     * @throws IllegalStateException    if the frame has a picture but no video track was declared (or samples and
     *                                  no audio track), or after {@link #end()}/{@link #abort()}/{@link #close()}
     * @throws InterruptedException     if interrupted while waiting for room in the queue
     */
    public void pushFrame(Frame frame, long ptsUs) throws InterruptedException {
        Objects.requireNonNull(frame, "frame");
        if (frame.image != null && frame.image.length > 0 && frame.image[0] != null) {
            pushFramePicture(frame, ptsUs);
        }
        if (frame.samples != null && frame.samples.length > 0 && frame.samples[0] != null) {
            pushFrameSamples(frame, ptsUs);
        }
    }

    private void pushFramePicture(Frame frame, long ptsUs) throws InterruptedException {
        requireVideo();
        if (frame.imageDepth != Frame.DEPTH_UBYTE && frame.imageDepth != Frame.DEPTH_BYTE) {
            throw new IllegalArgumentException("frame.imageDepth: " + frame.imageDepth + " (expected: Frame.DEPTH_UBYTE)");
        }
        int format = switch (frame.imageChannels) {
            case 1 -> AV_PIX_FMT_GRAY8;
            case 3 -> AV_PIX_FMT_BGR24;
            case 4 -> AV_PIX_FMT_BGRA;
            default -> throw new IllegalArgumentException("frame.imageChannels: " + frame.imageChannels
                    + " (expected: 1 gray, 3 BGR or 4 BGRA)");
        };
        int w = frame.imageWidth;
        int h = frame.imageHeight;
        int stride = frame.imageStride;
        if (w < 1 || h < 1 || stride < w * frame.imageChannels) {
            throw new IllegalArgumentException("frame: " + w + "x" + h + " stride " + stride + " (expected: a picture, stride >= "
                    + (long) w * frame.imageChannels + ")");
        }
        if (!(frame.image[0] instanceof ByteBuffer buf)) {
            throw new IllegalArgumentException("frame.image[0]: " + frame.image[0].getClass().getSimpleName() + " (expected: ByteBuffer)");
        }
        long needed = (long) stride * (h - 1) + (long) w * frame.imageChannels;
        if (buf.limit() < needed) {
            throw new IllegalArgumentException("frame.image[0]: " + buf.limit() + " bytes (expected: >= " + needed + ")");
        }
        if (videoDropped) {
            return;
        }
        AVFrame f = AvFrames.video(name, width, height);
        try {
            int bytes = (int) needed;
            ByteBuffer src = buf.duplicate(); // the caller's position and limit are not moved
            src.clear().limit(bytes);
            scale("pushFrame()", w, h, format, stride, f, pixels -> {
                if (src.hasArray()) {
                    pixels.position(0).put(src.array(), src.arrayOffset(), bytes);
                } else {
                    try (BytePointer p = new BytePointer(src)) {
                        pixels.position(0).put(p); // memcpy of [position, limit)
                    }
                }
            }, bytes);
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        enqueue(new AvRawFrame(videoTrackId, MediaType.VIDEO, f, ptsUs, ticker.nanoTime()));
    }

    private void pushFrameSamples(Frame frame, long ptsUs) throws InterruptedException {
        if (audioTrackId < 0) {
            throw new IllegalStateException("pushFrame(): the frame has samples but no audio track was declared (" + name + ")");
        }
        if (frame.audioChannels != channels || frame.sampleRate != sampleRate) {
            throw new IllegalArgumentException("frame: " + frame.sampleRate + " Hz " + frame.audioChannels
                    + " ch (expected: the declared " + sampleRate + " Hz " + channels + " ch)");
        }
        Buffer[] planes = frame.samples;
        boolean planar = planes.length > 1;
        if (planar && planes.length != channels) {
            throw new IllegalArgumentException("frame.samples: " + planes.length + " buffers (expected: 1 interleaved or "
                    + channels + " planar)");
        }
        int sampleCount = planar ? planes[0].limit() : planes[0].limit() / channels;
        for (Buffer b : planes) {
            if (!(b instanceof ShortBuffer) && !(b instanceof FloatBuffer)) {
                throw new IllegalArgumentException("frame.samples: " + b.getClass().getSimpleName()
                        + " (expected: ShortBuffer or FloatBuffer)");
            }
            if (planar && b.limit() < sampleCount) {
                throw new IllegalArgumentException("frame.samples: planes of " + sampleCount + " and " + b.limit() + " samples");
            }
        }
        if (sampleCount < 1) {
            return;
        }
        int length = sampleCount * channels;
        pushAudio(length, sampleCount, ptsUs, (c, out) -> {
            Buffer b = planar ? planes[c] : planes[0];
            int start = planar ? 0 : c;
            int step = planar ? 1 : channels;
            for (int i = 0; i < sampleCount; i++) {
                int at = start + i * step;
                out[i] = b instanceof ShortBuffer sb ? sb.get(at) / 32768f : ((FloatBuffer) b).get(at);
            }
        });
    }

    private void convert(BufferedImage image, AVFrame dst) {
        int w = image.getWidth();
        int h = image.getHeight();
        WritableRaster raster = image.getRaster();
        int format = pixelFormat(image);
        boolean direct = format >= 0 && raster.getParent() == null && raster.getDataBuffer().getOffset() == 0
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0;
        if (!direct) {
            BufferedImage bgr = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = bgr.createGraphics();
            try {
                g.drawImage(image, 0, 0, null);
            } finally {
                g.dispose();
            }
            convert(bgr, dst);
            return;
        }
        int stride;
        if (raster.getDataBuffer() instanceof DataBufferByte db) {
            stride = ((ComponentSampleModel) raster.getSampleModel()).getScanlineStride();
            byte[] data = db.getData();
            scale("pushImage()", w, h, format, stride, dst, pixels -> pixels.position(0).put(data, 0, data.length), data.length);
        } else {
            DataBufferInt db = (DataBufferInt) raster.getDataBuffer();
            stride = ((SinglePixelPackedSampleModel) raster.getSampleModel()).getScanlineStride() * 4;
            int[] data = db.getData();
            scale("pushImage()", w, h, format, stride, dst, pixels -> new IntPointer(pixels.position(0)).put(data, 0, data.length),
                    (long) data.length * 4);
        }
    }

    /** Copies a packed picture into the reused native buffer. */
    @FunctionalInterface
    private interface PixelCopy {
        void copy(BytePointer pixels);
    }

    /**
     * Converts a packed picture ({@code w x h} of AVPixelFormat {@code format}, {@code stride} bytes a row, put into
     * the reused native buffer by {@code copy}) to the declared size in {@code yuv420p} with swscale.
     */
    private void scale(String what, int w, int h, int format, int stride, AVFrame dst, PixelCopy copy, long bytes) {
        synchronized (scaleLock) {
            if (closedForScaling()) {
                throw new IllegalStateException(what + ": closed (" + name + ")");
            }
            ensurePixels(bytes);
            copy.copy(pixels);
            sws = sws_getCachedContext(sws, w, h, format, width, height, AV_PIX_FMT_YUV420P, SWS_BILINEAR,
                    null, null, (DoublePointer) null);
            if (sws == null || sws.isNull()) {
                sws = null;
                throw new MediaSourceException(name, "sws_getCachedContext() returned NULL for " + w + "x" + h
                        + " pixel format " + format + " to " + width + "x" + height + " yuv420p");
            }
            // Packed formats only read plane 0; the other entries just must not be garbage.
            try (PointerPointer<BytePointer> src = new PointerPointer<BytePointer>(4)
                            .put(0, pixels.position(0)).put(1, pixels).put(2, pixels).put(3, pixels);
                    IntPointer strides = new IntPointer(stride, 0, 0, 0)) {
                int ret = sws_scale(sws, src, strides, 0, h, dst.data(), dst.linesize());
                if (ret <= 0) {
                    throw FfmpegErrors.sourceError(name, "sws_scale", ret, null);
                }
            }
        }
    }

    private static int pixelFormat(BufferedImage image) {
        switch (image.getType()) {
            case BufferedImage.TYPE_3BYTE_BGR:
                return AV_PIX_FMT_BGR24;
            case BufferedImage.TYPE_4BYTE_ABGR:
                return AV_PIX_FMT_ABGR;
            case BufferedImage.TYPE_INT_RGB:
                return AV_PIX_FMT_0RGB32; // 0x00RRGGBB ints in native byte order
            case BufferedImage.TYPE_INT_ARGB:
                return AV_PIX_FMT_RGB32; // 0xAARRGGBB ints in native byte order
            case BufferedImage.TYPE_INT_BGR:
                return AV_PIX_FMT_0BGR32; // 0x00BBGGRR ints in native byte order
            case BufferedImage.TYPE_BYTE_GRAY:
                return AV_PIX_FMT_GRAY8;
            default:
                return -1;
        }
    }

    private void ensurePixels(long bytes) {
        if (pixels == null || pixels.capacity() < bytes) {
            if (pixels != null) {
                pixels.close();
            }
            pixels = new BytePointer(bytes);
        }
    }

    private boolean closedForScaling() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Pushes interleaved signed 16-bit PCM ({@code L R L R ...} for stereo), converted to {@code fltp}.
     *
     * @param interleaved at least {@code sampleCount * channels} samples
     * @param sampleCount samples per channel, &ge; 1
     * @param ptsUs       presentation time of the first sample, µs
     * @throws IllegalArgumentException if {@code sampleCount} is out of range for the array
     * @throws IllegalStateException    if no audio track was declared, or after {@link #end()}/{@link #abort()}/{@link #close()}
     * @throws InterruptedException     if interrupted while waiting for room in the queue
     */
    public void pushPcm(short[] interleaved, int sampleCount, long ptsUs) throws InterruptedException {
        Objects.requireNonNull(interleaved, "interleaved");
        pushAudio(interleaved.length, sampleCount, ptsUs, (c, out) -> {
            for (int i = 0; i < sampleCount; i++) {
                out[i] = interleaved[i * channels + c] / 32768f;
            }
        });
    }

    /**
     * Pushes interleaved 32-bit float PCM (nominal range -1..1), converted to {@code fltp}. Same contract as
     * {@link #pushPcm(short[], int, long)}.
     */
    public void pushPcm(float[] interleaved, int sampleCount, long ptsUs) throws InterruptedException {
        Objects.requireNonNull(interleaved, "interleaved");
        pushAudio(interleaved.length, sampleCount, ptsUs, (c, out) -> {
            for (int i = 0; i < sampleCount; i++) {
                out[i] = interleaved[i * channels + c];
            }
        });
    }

    /** Writes channel {@code channel}'s samples into {@code out[0 .. sampleCount)}. */
    @FunctionalInterface
    private interface Deinterleaver {
        void channel(int channel, float[] out);
    }

    private void pushAudio(int length, int sampleCount, long ptsUs, Deinterleaver deinterleaver) throws InterruptedException {
        if (audioTrackId < 0) {
            throw new IllegalStateException("pushPcm(): no audio track declared (" + name + ")");
        }
        if (sampleCount < 1 || (long) sampleCount * channels > length) {
            throw new IllegalArgumentException("sampleCount: " + sampleCount + " (expected: 1.." + length / channels
                    + " for " + length + " interleaved samples of " + channels + " channels)");
        }
        if (audioDropped) {
            return;
        }
        float[] plane = new float[sampleCount];
        AVFrame f = AvFrames.audio(name, sampleRate, channels, sampleCount);
        try {
            for (int c = 0; c < channels; c++) {
                deinterleaver.channel(c, plane);
                new FloatPointer(f.data(c)).put(plane, 0, sampleCount);
            }
        } catch (RuntimeException | Error e) {
            av_frame_free(f);
            throw e;
        }
        enqueue(new AvRawFrame(audioTrackId, MediaType.AUDIO, f, ptsUs, ticker.nanoTime()));
    }

    private void requireVideo() {
        if (videoTrackId < 0) {
            throw new IllegalStateException("no video track declared (" + name + ")");
        }
    }

    /** Takes ownership of {@code frame}: queues it, or releases it and throws. */
    private void enqueue(AvRawFrame frame) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (queue.size() >= capacity && !ended && !aborted && !closed) {
                notFull.await();
            }
            if (ended || aborted || closed) {
                throw new IllegalStateException("push after " + (closed ? "close()" : aborted ? "abort()" : "end()") + " (" + name + ")");
            }
            queue.add(frame);
            frame = null;
            notEmpty.signal();
        } finally {
            lock.unlock();
            if (frame != null) {
                frame.release();
            }
        }
    }

    /** Marks the end of input: {@link #read()} returns what is queued, then {@code null}. Later pushes throw. Idempotent. */
    public void end() {
        lock.lock();
        try {
            ended = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Frames queued and not yet read. */
    public int queuedFrames() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the next pushed frame.
     *
     * @return a frame the caller releases, or {@code null} after {@link #end()} once the queue is empty, or at once
     *         after {@link #abort()}
     * @throws InterruptedException if interrupted while waiting
     */
    @Override
    public MediaFrame read() throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (queue.isEmpty() && !ended && !aborted && !closed) {
                notEmpty.await();
            }
            if (aborted || closed) {
                return null;
            }
            AvRawFrame f = queue.poll();
            if (f != null) {
                notFull.signal();
            }
            return f;
        } finally {
            lock.unlock();
        }
    }

    /** Thread-safe: wakes a blocked {@link #read()} (which returns {@code null}) and blocked pushes (which throw). */
    @Override
    public void abort() {
        aborted = true;
        lock.lock();
        try {
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Releases queued frames and frees the scaler. Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (AvRawFrame f; (f = queue.poll()) != null; ) {
                f.release();
            }
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        synchronized (scaleLock) {
            if (sws != null) {
                sws_freeContext(sws);
                sws = null;
            }
            if (pixels != null) {
                pixels.close();
                pixels = null;
            }
        }
    }

    @Override
    public String toString() {
        return "PushSource{" + name + ' ' + tracks + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private String name = "push:";
        private int width;
        private int height;
        private Rational frameRate;
        private int sampleRate;
        private int channels;
        private int capacity = 16;
        private boolean live = true;
        private Ticker ticker = Ticker.system();

        private Builder() {
        }

        /** Name for logs and messages; default {@code "push:"}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Declares the video track.
         *
         * @param width     pixels, even, 16..8192
         * @param height    pixels, even, 16..8192
         * @param frameRate nominal frames per second (for encoder rate control), or null if unknown
         */
        public Builder video(int width, int height, Rational frameRate) {
            if (width < 16 || height < 16 || width > 8192 || height > 8192 || width % 2 != 0 || height % 2 != 0) {
                throw new IllegalArgumentException("video: " + width + "x" + height + " (expected: even, 16..8192 each)");
            }
            if (frameRate != null && frameRate.num() <= 0) {
                throw new IllegalArgumentException("frameRate: " + frameRate + " (expected: > 0)");
            }
            this.width = width;
            this.height = height;
            this.frameRate = frameRate;
            return this;
        }

        /**
         * Declares the audio track.
         *
         * @param sampleRate Hz, 8000..192000
         * @param channels   1..8
         */
        public Builder audio(int sampleRate, int channels) {
            if (sampleRate < 8000 || sampleRate > 192_000) {
                throw new IllegalArgumentException("sampleRate: " + sampleRate + " (expected: 8000..192000)");
            }
            if (channels < 1 || channels > 8) {
                throw new IllegalArgumentException("channels: " + channels + " (expected: 1..8)");
            }
            this.sampleRate = sampleRate;
            this.channels = channels;
            return this;
        }

        /** Frames (of both tracks together) queued before a push blocks, 1..1024; default 16. */
        public Builder queueCapacity(int frames) {
            if (frames < 1 || frames > 1024) {
                throw new IllegalArgumentException("queueCapacity: " + frames + " (expected: 1..1024)");
            }
            this.capacity = frames;
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

        /**
         * Whether the application pushes in real time (default {@code true}); see {@link PushSource#isLive()}.
         */
        public Builder live(boolean live) {
            this.live = live;
            return this;
        }

        /** @throws IllegalStateException if neither video nor audio was declared */
        public PushSource build() {
            if (width == 0 && sampleRate == 0) {
                throw new IllegalStateException("PushSource needs video(...) or audio(...)");
            }
            return new PushSource(this);
        }
    }
}
