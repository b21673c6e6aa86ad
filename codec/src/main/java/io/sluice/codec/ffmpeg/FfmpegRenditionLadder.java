package io.sluice.codec.ffmpeg;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.feedback.KeyframeRequestThrottle;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.core.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RenditionLadder} over FFmpeg: per source stream one transcode thread decodes the H.264 video once
 * ({@link FfmpegVideoDecoder}), and for every rung scales and encodes it ({@link FfmpegVideoEncoder}: x264 in
 * the GPL build, else OpenH264; no B-frames). Each rung is published into the hub as
 * <code>&lt;source&gt;~&lt;height&gt;p</code> with the source's audio passed through.
 *
 * <h2>Rungs</h2>
 * Chosen from the source's picture size: the top rung is the source itself, untouched (passthrough), when its
 * video has no B-frames, otherwise the source size transcoded; below it the {@linkplain Builder#heights heights}
 * (default 1080, 720, 480, 360, 240) smaller than the source, widths keeping the source's aspect ratio (rounded
 * to even), at most {@linkplain Builder#maxRungs maxRungs} in all. Bitrates: 0.1 bit per pixel per frame
 * (1280x720 at 30 fps: 2.76 Mbit/s), clamped to 150 kbit/s..8 Mbit/s.
 *
 * <h2>Keyframes</h2>
 * IDRs are forced on every transcoded rung at the same picture, so at identical PTS: with a passthrough rung at
 * the source's own keyframes (a rung subscriber's keyframe request goes to the source's publisher); without one
 * at every multiple of the {@linkplain Builder#gop GOP} on the source clock, and when a rung subscriber asks
 * (RTCP PLI), throttled by {@link KeyframeRequestThrottle}. The encoders never place keyframes themselves (their
 * own interval is 60 s and x264's scene-cut detection is off).
 *
 * <h2>Threads and lifecycle</h2>
 * One Java thread per running ladder does all decoding and encoding; FFmpeg's decoder and every encoder run with
 * {@linkplain Builder#threadsPerEncoder threadsPerEncoder} threads (default 1), so a ladder of n transcoded rungs
 * uses at most 1 + (n + 1) × threadsPerEncoder threads, and at most {@linkplain Builder#maxLadders maxLadders}
 * ladders run at once. The source's frames wait in a bounded queue
 * ({@linkplain Builder#queueFrames queueFrames}); when it is full, video is dropped up to the next source
 * keyframe (and one is requested), audio is never queued (it is forwarded at once). The source's GOP cache,
 * delivered when the ladder subscribes, is decoded but not encoded: the rungs start at the live edge with an IDR
 * (with a passthrough rung, that first IDR is not at a source keyframe; the next ones are). The ladder starts with the
 * first {@link #acquire}, stops when the last lease closes (source frames still queued then are dropped, and a
 * lease taken before its thread has unpublished the rungs waits up to 5 s for it), when the source unpublishes (after encoding every
 * picture it has: the rungs get the source's last frames) or is replaced, or on a
 * native failure (logged; rung subscribers then see the rung unpublish).
 *
 * <p>Thread-safe.
 */
public final class FfmpegRenditionLadder implements RenditionLadder, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FfmpegRenditionLadder.class);
    /** Standard rung heights, highest first. */
    public static final List<Integer> DEFAULT_HEIGHTS = List.of(1080, 720, 480, 360, 240);
    /** Bits per pixel per frame for a rung's bitrate. */
    static final double BITS_PER_PIXEL = 0.1;
    private static final Object STOP = new Object();
    /** Queued when the source ends: the decoder's last pictures are encoded before the rungs end. */
    private static final Object FLUSH = new Object();

    private final StreamHub hub;
    private final List<Integer> heights;
    private final int maxRungs;
    private final Duration gop;
    private final Optional<String> encoderName;
    private final String preset;
    private final int threadsPerEncoder;
    private final int queueFrames;
    private final int maxLadders;
    private final Ticker ticker;
    private final Map<String, Ladder> running = new HashMap<>();
    /** Ladders whose thread has not finished closing its codecs and rung streams yet, by source stream. */
    private final Map<String, Ladder> stopping = new ConcurrentHashMap<>();
    private boolean closed;

    private FfmpegRenditionLadder(Builder b) {
        this.hub = b.hub;
        this.heights = b.heights;
        this.maxRungs = b.maxRungs;
        this.gop = b.gop;
        this.encoderName = b.encoderName;
        this.preset = b.preset;
        this.threadsPerEncoder = b.threadsPerEncoder;
        this.queueFrames = b.queueFrames;
        this.maxLadders = b.maxLadders;
        this.ticker = b.ticker;
    }

    /** A builder for ladders of {@code hub}'s streams. */
    public static Builder builder(StreamHub hub) {
        return new Builder(hub);
    }

    @Override
    public Lease acquire(String sourceStream) {
        Ladder l;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("ladder closed");
            }
            l = running.get(sourceStream);
            if (l == null || l.ended.get()) {
                Ladder old = stopping.get(sourceStream);
                if (old != null) {
                    old.join(5_000); // its rung streams unpublish as its thread ends: a new lease must not race them
                }
                if (running.size() >= maxLadders) {
                    throw new IllegalStateException("stream '" + sourceStream + "': " + running.size()
                            + " ladders already run (limit " + maxLadders + ")");
                }
                TrackInfo video = hub.tracks(sourceStream).orElseThrow(() -> new IllegalStateException(
                        "stream '" + sourceStream + "' is not live")).stream().filter(TrackInfo::isVideo).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("stream '" + sourceStream + "' has no video"));
                if (video.codec() != Codec.H264 || video.isOpaque() || video.width() < 16 || video.height() < 16) {
                    throw new IllegalArgumentException("stream '" + sourceStream + "': " + video
                            + " (expected: H.264 video, not opaque, with a known picture size)");
                }
                l = new Ladder(sourceStream, video);
                l.start();
                running.put(sourceStream, l);
            }
            l.leases++;
        }
        return new LadderLease(l);
    }

    /** Source streams whose ladder runs now (with at least one lease). */
    public synchronized List<String> runningLadders() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, Ladder> e : running.entrySet()) {
            if (!e.getValue().ended.get()) {
                names.add(e.getKey());
            }
        }
        return names;
    }

    /** Stops every ladder (their rung streams unpublish). Idempotent. */
    @Override
    public void close() {
        List<Ladder> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(running.values());
            running.clear();
        }
        for (Ladder l : all) {
            l.end();
        }
        for (Ladder l : all) {
            l.join(5_000);
        }
    }

    private synchronized void release(Ladder l) {
        if (--l.leases == 0) {
            running.remove(l.source, l);
            l.end();
        }
    }

    private synchronized void ended(Ladder l) {
        running.remove(l.source, l);
    }

    /**
     * The rung sizes for a source of {@code width × height}: {width, height} pairs, highest first, the first being
     * the source size; every later one smaller than the source, even, keeping the aspect ratio.
     */
    static List<int[]> rungSizes(int width, int height, List<Integer> heights, int maxRungs) {
        List<int[]> sizes = new ArrayList<>();
        sizes.add(new int[] {width & ~1, height & ~1});
        for (int h : heights) {
            if (sizes.size() >= maxRungs) {
                break;
            }
            if (h < height) {
                int w = (int) Math.round((double) width * h / height / 2) * 2;
                sizes.add(new int[] {Math.max(16, w), h & ~1});
            }
        }
        return sizes;
    }

    /** {@link #BITS_PER_PIXEL} × pixels × frame rate, clamped to 150 kbit/s..8 Mbit/s. */
    static long bitrateFor(int width, int height, double fps) {
        return Math.max(150_000, Math.min(8_000_000, Math.round(BITS_PER_PIXEL * width * height * fps)));
    }

    /** Lowest target a rung is capped to, bit/s. */
    static final long MIN_CAPPED_BPS = 16_000;

    /**
     * The target bitrates of the rungs of {@code sizes} (highest first, the first the source size), bit/s:
     * {@link #bitrateFor} of each size, capped so that the bitrate falls with the resolution whatever the source
     * (a test pattern that compresses to 280 kbit/s at 720p would otherwise have its 480p rung at 1.2 Mbit/s, and
     * players that rank variants by BANDWIDTH would rank them wrongly): the top rung at most {@code sourceBps},
     * every later rung at most 3/4 of the one above (for a passthrough top rung, of {@code sourceBps}), and no
     * capped target under {@link #MIN_CAPPED_BPS}.
     *
     * @param sourceBps the source video's bitrate (measured, else nominal), bit/s; 0 if unknown (then the top rung
     *                  is not capped)
     * @return one target per size; the passthrough rung's is {@code sourceBps}
     */
    static long[] rungTargets(List<int[]> sizes, double fps, boolean passthrough, long sourceBps) {
        long[] targets = new long[sizes.size()];
        for (int i = 0; i < targets.length; i++) {
            long nominal = bitrateFor(sizes.get(i)[0], sizes.get(i)[1], fps);
            if (i == 0) {
                targets[i] = passthrough ? sourceBps : sourceBps > 0 ? Math.min(nominal, Math.max(MIN_CAPPED_BPS, sourceBps)) : nominal;
            } else {
                long above = targets[i - 1] > 0 ? targets[i - 1] : nominal * 4 / 3;
                targets[i] = Math.min(nominal, Math.max(MIN_CAPPED_BPS, above * 3 / 4));
            }
        }
        return targets;
    }

    /** One encoded rung: its encoder and its hub publication. Touched by the ladder's thread only (after start). */
    private record EncodedRung(Rung rung, FfmpegVideoEncoder encoder, StreamHub.Publication publication) {
    }

    private final class LadderLease implements Lease {
        private final Ladder ladder;
        private final AtomicBoolean closed = new AtomicBoolean();

        LadderLease(Ladder ladder) {
            this.ladder = ladder;
        }

        @Override
        public List<Rung> rungs() {
            return ladder.rungs;
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                release(ladder);
            }
        }
    }

    /** The running transcode of one source stream. */
    private final class Ladder implements StreamSubscriber {
        final String source;
        final TrackInfo sourceVideo;
        final boolean passthrough;
        final AtomicBoolean ended = new AtomicBoolean();
        /** The source ended: the queued frames are still transcoded after {@link #ended} (else they are dropped). */
        volatile boolean draining;
        final List<EncodedRung> encoded = new ArrayList<>();
        final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        final AtomicInteger queued = new AtomicInteger();
        final AtomicBoolean keyframeRequested = new AtomicBoolean();
        /** A rung subscriber asked for a keyframe with a passthrough rung: passed to the source on its next frame. */
        final AtomicBoolean sourceKeyframeWanted = new AtomicBoolean();
        final AtomicLong dropped = new AtomicLong();
        final KeyframeRequestThrottle throttle = KeyframeRequestThrottle.withDefaultInterval();
        /** Source PTS of keyframes on their way through the decoder (passthrough alignment); ladder thread only. */
        final Set<Long> sourceKeyPts = new HashSet<>();
        List<Rung> rungs = List.of();
        int leases;
        Thread thread;
        volatile StreamHub.Subscription subscription;
        int publications;
        boolean droppingToKeyframe;
        FfmpegVideoDecoder decoder;
        long nextKeyPtsUs = Long.MIN_VALUE;
        long pictures;
        volatile Thread subscribingThread;
        /** The rung sizes (highest first) and the source frame rate, for {@link #rungTargets}. */
        List<int[]> sizes = List.of();
        double fps;
        /** Source video measured over at least 1 s of whole GOPs (ladder thread): first keyframe PTS, bytes since. */
        long measureStartPtsUs = Long.MIN_VALUE;
        long measureBytes;
        /** The source video's bitrate over its last measured GOPs, bit/s; 0 until measured (ladder thread). */
        long measuredSourceBps;
        /** Highest PTS among the GOP cache's video frames: older pictures are decoded but not encoded. */
        volatile long cachedMaxPtsUs = Long.MIN_VALUE;

        Ladder(String source, TrackInfo sourceVideo) {
            this.source = source;
            this.sourceVideo = sourceVideo;
            this.passthrough = !sourceVideo.hasBFrames();
        }

        /** Opens the codecs, publishes the rung streams and subscribes to the source. On the caller's thread. */
        void start() {
            boolean ok = false;
            try {
                List<TrackInfo> others = hub.tracks(source).orElseThrow(() -> new IllegalStateException(
                        "stream '" + source + "' is not live")).stream().filter(t -> !t.isVideo()).toList();
                fps = sourceVideo.frameRate().map(Rational::toDouble).orElse(30.0);
                List<Rung> all = new ArrayList<>();
                sizes = rungSizes(sourceVideo.width(), sourceVideo.height(), heights, maxRungs);
                long[] targets = rungTargets(sizes, fps, passthrough, sourceVideo.bitrateBps());
                for (int i = 0; i < sizes.size(); i++) {
                    int[] s = sizes.get(i);
                    if (i == 0 && passthrough) {
                        all.add(new Rung(source, sourceVideo.width(), sourceVideo.height(), sourceVideo.bitrateBps(), true));
                        continue;
                    }
                    long bitrate = targets[i];
                    FfmpegVideoEncoder enc = new FfmpegVideoEncoder(sourceVideo, encoderConfig(s[0], s[1], bitrate),
                            sourceVideo.trackId());
                    String name = source + "~" + s[1] + "p";
                    StreamHub.Publication pub;
                    try {
                        List<TrackInfo> tracks = new ArrayList<>();
                        tracks.add(enc.outputTrack());
                        tracks.addAll(others);
                        pub = hub.publish(name, tracks, this::onRungKeyframeRequest);
                    } catch (RuntimeException e) {
                        enc.close();
                        throw e;
                    }
                    Rung r = new Rung(name, s[0], s[1], bitrate, false);
                    encoded.add(new EncodedRung(r, enc, pub));
                    all.add(r);
                }
                rungs = List.copyOf(all);
                if (!encoded.isEmpty()) {
                    decoder = new FfmpegVideoDecoder(sourceVideo, threadsPerEncoder);
                    thread = new Thread(this::run, "sluice-ladder-" + source);
                    thread.setDaemon(true);
                    stopping.put(source, this);
                    thread.start();
                    subscribingThread = Thread.currentThread();
                    try {
                        subscription = hub.subscribe(source, this);
                    } finally {
                        subscribingThread = null;
                    }
                }
                log.info("stream '{}': rendition ladder started: {}", source, describe());
                ok = true;
            } finally {
                if (!ok) {
                    end();
                    if (thread == null) {
                        cleanUp();
                    }
                }
            }
        }

        private VideoEncoderConfig encoderConfig(int width, int height, long bitrate) {
            VideoEncoderConfig.Builder b = VideoEncoderConfig.builder().bitrateBps(bitrate).resolution(width, height)
                    .gop(Duration.ofSeconds(60)).preset(preset).threads(threadsPerEncoder);
            sourceVideo.frameRate().ifPresent(b::frameRate);
            encoderName.ifPresent(b::encoderName);
            if (FfmpegCodecs.resolveH264(encoderName).filter(FfmpegCodecs.LIBX264::equals).isPresent()) {
                b.ffmpegOption("x264-params", "scenecut=0"); // keyframes only where the ladder puts them
            }
            return b.build();
        }

        private String describe() {
            StringBuilder sb = new StringBuilder();
            for (Rung r : rungs) {
                sb.append(sb.length() == 0 ? "" : ", ").append(r.streamName()).append(' ').append(r.width()).append('x')
                        .append(r.height()).append(r.passthrough() ? " passthrough" : " " + r.bitrateBps() / 1000 + " kb/s");
            }
            return sb.toString();
        }

        /**
         * A rung subscriber wants a keyframe (any thread, possibly inside the hub's delivery of a rung frame, so
         * holding that rung stream's lock): aligned on every rung. With a passthrough rung the request goes to the
         * source's publisher from the source's next frame (on the source's thread): asking from here would take the
         * source stream's lock while holding the rung's, the reverse of the order in which source audio is
         * forwarded to the rungs (a deadlock).
         */
        private void onRungKeyframeRequest() {
            if (passthrough) {
                sourceKeyframeWanted.set(true); // the rungs follow the source's keyframes
            } else {
                keyframeRequested.set(true);
            }
        }

        void end() {
            if (ended.compareAndSet(false, true)) {
                ended(this);
                queue.add(STOP);
            }
        }

        void join(long millis) {
            Thread t = thread;
            if (t != null && t != Thread.currentThread()) {
                try {
                    t.join(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        // ------------------------------------------------------------ hub callbacks (the source publisher's thread)

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
            if (publications++ > 0) {
                end(); // a new publisher: consumers acquire again, for its tracks
            }
        }

        /** @param frame ownership passes here: forwarded (audio), queued for the thread, or released */
        @Override
        public void onFrame(EncodedFrame frame) {
            if (ended.get()) {
                frame.release();
                return;
            }
            StreamHub.Subscription source = subscription;
            if (source != null && sourceKeyframeWanted.getAndSet(false)) {
                source.requestKeyframe();
            }
            if (frame.mediaType() != MediaType.VIDEO) {
                try {
                    for (EncodedRung r : encoded) {
                        r.publication().send(frame.retainedDuplicate());
                    }
                } finally {
                    frame.release();
                }
                return;
            }
            if (frame.trackId() != sourceVideo.trackId()) {
                frame.release();
                return;
            }
            if (subscribingThread == Thread.currentThread()) {
                // The GOP cache (bounded by the hub): decoded to reach the live edge, where encoding starts.
                cachedMaxPtsUs = Math.max(cachedMaxPtsUs, frame.ptsUs());
                queued.incrementAndGet();
                queue.add(frame);
                return;
            }
            if (droppingToKeyframe && !frame.isKeyframe() || queued.get() >= queueFrames) {
                if (!droppingToKeyframe) {
                    droppingToKeyframe = true;
                    StreamHub.Subscription s = subscription;
                    if (s != null) {
                        s.requestKeyframe();
                    }
                }
                dropped.incrementAndGet();
                frame.release();
                return;
            }
            droppingToKeyframe = false;
            queued.incrementAndGet();
            queue.add(frame);
        }

        @Override
        public void onUnpublish(String streamName) {
            if (!ended.get()) {
                draining = true;
                queue.add(FLUSH); // the rungs get every source picture, then end
            }
            end();
        }

        @Override
        public void onClosed(String streamName) {
            end();
        }

        // ------------------------------------------------------------ the ladder's thread

        private void run() {
            try {
                while (true) {
                    Object o = queue.poll(1, TimeUnit.SECONDS);
                    if (o == STOP) {
                        break;
                    }
                    if (o == FLUSH) {
                        decoder.flush(this::encodePicture);
                    }
                    if (o instanceof EncodedFrame f) {
                        queued.decrementAndGet();
                        try {
                            if (ended.get() && !draining) {
                                continue; // stopped (last lease, close): the backlog is not for anyone; released below
                            }
                            transcode(f);
                        } finally {
                            f.release();
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                log.warn("stream '{}': rendition ladder failed; its rung streams end", source, e);
            } finally {
                end();
                cleanUp();
                stopping.remove(source, this);
                log.info("stream '{}': rendition ladder stopped after {} pictures ({} source frames dropped)", source,
                        pictures, dropped.get());
            }
        }

        private void transcode(EncodedFrame f) {
            if (passthrough && f.isKeyframe()) {
                sourceKeyPts.add(f.ptsUs());
            }
            measureSource(f);
            decoder.decode(f, this::encodePicture);
        }

        /** The source's bitrate from keyframe to keyframe, over whole GOPs of at least 1 s together. */
        private void measureSource(EncodedFrame f) {
            if (f.isKeyframe()) {
                long span = f.ptsUs() - measureStartPtsUs;
                if (measureStartPtsUs == Long.MIN_VALUE || span <= 0 || span > 30_000_000L) {
                    measureStartPtsUs = f.ptsUs(); // the first keyframe, or a timestamp jump: start again
                    measureBytes = 0;
                } else if (span >= 1_000_000L) {
                    measuredSourceBps = measureBytes * 8_000_000L / span;
                    measureStartPtsUs = f.ptsUs();
                    measureBytes = 0;
                }
            }
            if (measureStartPtsUs != Long.MIN_VALUE) {
                measureBytes += f.size();
            }
        }

        /**
         * Re-caps the transcoded rungs' targets on the source's measured bitrate ({@link #rungTargets}); called at
         * a ladder keyframe, where an encoder that must reopen for a new bitrate (OpenH264) costs no extra IDR.
         */
        private void capRungTargets() {
            if (measuredSourceBps <= 0) {
                return;
            }
            long[] targets = rungTargets(sizes, fps, passthrough, measuredSourceBps);
            for (EncodedRung r : encoded) {
                int i = rungs.indexOf(r.rung());
                if (i >= 0 && r.encoder().targetBitrate() != targets[i]) {
                    r.encoder().setTargetBitrate(targets[i]);
                }
            }
        }

        /** @param raw ownership passes here */
        private void encodePicture(AvRawFrame raw) {
            try {
                long pts = raw.ptsUs();
                boolean sourceKey = sourceKeyPts.remove(pts);
                if (pts < cachedMaxPtsUs) {
                    return; // older than the live edge at start: not worth sending
                }
                pictures++;
                boolean key;
                if (passthrough) {
                    key = sourceKey || pictures == 1;
                    if (sourceKeyPts.size() > 64) {
                        sourceKeyPts.clear(); // PTS the decoder never gave back (corrupt frames)
                    }
                } else {
                    long now = ticker.nanoTime();
                    boolean requested = keyframeRequested.getAndSet(false) && throttle.request(now) || throttle.handleTimeout(now);
                    key = requested || pts >= nextKeyPtsUs;
                    if (key) {
                        long gopUs = gop.toNanos() / 1000;
                        nextKeyPtsUs = Math.floorDiv(pts, gopUs) * gopUs + gopUs;
                        throttle.cancelPending();
                    }
                }
                if (key) {
                    capRungTargets();
                }
                for (EncodedRung r : encoded) {
                    if (key) {
                        r.encoder().requestKeyframe();
                    }
                    Consumer<EncodedFrame> out = e -> r.publication().send(e);
                    r.encoder().encode(raw, out);
                }
            } finally {
                raw.release();
            }
        }

        /** Closes the subscription, the rung publications and the codecs; releases queued frames. */
        private void cleanUp() {
            StreamHub.Subscription s = subscription;
            if (s != null) {
                s.close();
            }
            for (EncodedRung r : encoded) {
                r.publication().close();
                r.encoder().close();
            }
            if (decoder != null) {
                decoder.close();
            }
            Object o;
            while ((o = queue.poll()) != null) {
                if (o instanceof EncodedFrame f) {
                    f.release();
                }
            }
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final StreamHub hub;
        private List<Integer> heights = DEFAULT_HEIGHTS;
        private int maxRungs = 4;
        private Duration gop = Duration.ofSeconds(2);
        private Optional<String> encoderName = Optional.empty();
        private String preset = "veryfast";
        private int threadsPerEncoder = 1;
        private int queueFrames = 120;
        private int maxLadders = 4;
        private Ticker ticker = Ticker.system();

        private Builder(StreamHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
        }

        /**
         * Rung heights below the top rung (default {@link #DEFAULT_HEIGHTS}); heights not below the source's are
         * skipped for that source.
         *
         * @param heights pixels, even, 16..4320 each, in any order (used highest first)
         */
        public Builder heights(int... heights) {
            List<Integer> list = new ArrayList<>();
            for (int h : heights) {
                if (h < 16 || h > 4320 || h % 2 != 0) {
                    throw new IllegalArgumentException("height: " + h + " (expected: even, 16..4320)");
                }
                list.add(h);
            }
            list.sort((a, b) -> Integer.compare(b, a));
            this.heights = List.copyOf(list);
            return this;
        }

        /** @param maxRungs rungs per ladder including the top one, 1..8 (default 4) */
        public Builder maxRungs(int maxRungs) {
            if (maxRungs < 1 || maxRungs > 8) {
                throw new IllegalArgumentException("maxRungs: " + maxRungs + " (expected: 1..8)");
            }
            this.maxRungs = maxRungs;
            return this;
        }

        /** @param gop IDR interval on the source clock when there is no passthrough rung, 200 ms..20 s (default 2 s) */
        public Builder gop(Duration gop) {
            Objects.requireNonNull(gop, "gop");
            if (gop.toMillis() < 200 || gop.compareTo(Duration.ofSeconds(20)) > 0) {
                throw new IllegalArgumentException("gop: " + gop + " (expected: 200ms..20s)");
            }
            this.gop = gop;
            return this;
        }

        /** @param encoderName {@code x264} or {@code openh264} (default: the best this FFmpeg build has) */
        public Builder encoderName(String encoderName) {
            if (FfmpegCodecs.resolveH264(Optional.of(encoderName)).isEmpty()) {
                throw new IllegalArgumentException("encoderName: " + encoderName + " (expected: x264 or openh264)");
            }
            this.encoderName = Optional.of(encoderName);
            return this;
        }

        /** @param preset x264 preset (default {@code veryfast}) */
        public Builder preset(String preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            return this;
        }

        /** @param threads FFmpeg threads per encoder (and for the decoder), 1..16 (default 1) */
        public Builder threadsPerEncoder(int threads) {
            if (threads < 1 || threads > 16) {
                throw new IllegalArgumentException("threadsPerEncoder: " + threads + " (expected: 1..16)");
            }
            this.threadsPerEncoder = threads;
            return this;
        }

        /** @param frames source video frames queued for the ladder thread before dropping, 8..10000 (default 120) */
        public Builder queueFrames(int frames) {
            if (frames < 8 || frames > 10_000) {
                throw new IllegalArgumentException("queueFrames: " + frames + " (expected: 8..10000)");
            }
            this.queueFrames = frames;
            return this;
        }

        /** @param maxLadders ladders running at once (each costs one thread and a transcode), 1..256 (default 4) */
        public Builder maxLadders(int maxLadders) {
            if (maxLadders < 1 || maxLadders > 256) {
                throw new IllegalArgumentException("maxLadders: " + maxLadders + " (expected: 1..256)");
            }
            this.maxLadders = maxLadders;
            return this;
        }

        /** @param ticker the clock for keyframe-request throttling (default {@link Ticker#system()}) */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public FfmpegRenditionLadder build() {
            return new FfmpegRenditionLadder(this);
        }
    }
}
