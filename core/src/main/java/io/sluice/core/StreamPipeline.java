package io.sluice.core;

import io.sluice.core.feedback.KeyframeRequestThrottle;
import io.sluice.core.internal.LatencyWindow;
import io.sluice.core.internal.RateWindow;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.Encoder;
import io.sluice.core.spi.EncoderControl;
import io.sluice.core.spi.EncoderProvider;
import io.sluice.core.spi.FrameTransform;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.spi.RateController;
import io.sluice.core.spi.RateControllerProvider;
import io.sluice.core.spi.RateDecision;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.Transports;
import io.sluice.core.time.Ticker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.ServiceLoader;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves media from one {@link MediaSource} through encoders (or passthrough) and
 * {@link FrameTransform}s into one or more {@link Transport}s, and carries transport feedback
 * (keyframe requests, bandwidth estimates) back to the encoders.
 *
 * <pre>{@code
 * try (StreamPipeline p = StreamPipeline.builder()
 *         .source(MediaSources.open("clip.mp4"))
 *         .video(VideoEncoderConfig.builder().bitrateBps(2_500_000).gop(Duration.ofSeconds(2)).build())
 *         .transport("out.mp4")
 *         .build()) {
 *     p.start();
 *     p.completion().join();   // end of input, everything written
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * One source thread (reads, paces with {@link Builder#realtime(boolean)}), one thread per encoder,
 * one sender thread per transport. Stages are joined by bounded queues.
 *
 * <h2>When a stage falls behind</h2>
 * If the source is live or paced in real time, nothing waits:
 * <ul>
 *   <li>a full encoder input queue drops the newest raw <em>video</em> frame (raw frames have no
 *       dependants, so the encoder simply sees a lower frame rate); raw <em>audio</em> is never dropped
 *       there, the source waits up to 200 ms for room first;</li>
 *   <li>a full transport queue drops GOP-aware ({@link EncodedFrameQueue}): video before audio, whole
 *       runs up to the next keyframe, never a frame whose reference was dropped, and asks the
 *       encoder for a keyframe.</li>
 * </ul>
 * Otherwise (a file read as fast as possible) every stage waits for the next: no frame is dropped and
 * the slowest stage sets the pace, and senders wait while a transport reports it is not writable.
 *
 * <h2>Adaptive bitrate</h2>
 * A live pipeline that encodes video adapts it to the network by default when {@code sluice-abr} is on the class
 * path: transports report {@link BandwidthEstimate}s, a {@link RateController} (the one a
 * {@link RateControllerProvider} found with {@link ServiceLoader} creates, or {@link Builder#rateController}'s) sets
 * the encoder's bitrate and picture size; see {@link Builder#adaptiveBitrate}. {@link #stats()} and
 * {@link PipelineListener#onRateChanged} show each decision; the log has one INFO line per size change and one
 * DEBUG line per bitrate change.
 *
 * <h2>Time</h2>
 * All timestamps are µs on the source's one clock; the pipeline never rewrites or rounds them.
 * Elapsed time (pacing, the keyframe-request throttle, latency statistics, the close deadline) comes
 * from the {@link Builder#ticker(Ticker) ticker}, never from the system clock directly.
 *
 * <h2>Lifecycle</h2>
 * {@link #start()} once, then {@link #completion()} completes at the end of input or fails with the
 * first error; {@link #close()} (idempotent, from any thread) stops everything within about a second,
 * closes transports, encoders and the source on their own threads, and releases every queued frame.
 */
public final class StreamPipeline implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StreamPipeline.class);
    private static final long POLL_MS = 20;
    /** How far a paced (realtime) source is read ahead to send its tracks in timestamp order: 1 s. */
    private static final long PACING_READ_AHEAD_US = 1_000_000;
    private static final RawFrame END_OF_STREAM = new RawFrame(-1, MediaType.VIDEO, 0, 0) {
        @Override
        public int width() {
            return 0;
        }

        @Override
        public int height() {
            return 0;
        }

        @Override
        public int sampleCount() {
            return 0;
        }

        @Override
        public int sampleRate() {
            return 0;
        }

        @Override
        public int channels() {
            return 0;
        }

        @Override
        protected void deallocate() {
        }
    };

    private final Config config;
    private final Ticker ticker;
    private final MediaSource source;
    private final List<Transport> transports;
    /** {@link Builder#transform} transforms in order, then {@link Builder#encryption}, if set. */
    private final List<FrameTransform> transforms;
    private final PipelineListener listener;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<Void> completion = new CompletableFuture<>();
    private final AtomicReference<SluiceException> firstError = new AtomicReference<>();
    private final AtomicLong mediaTimeUs = new AtomicLong();
    private final AtomicInteger remainingSenders = new AtomicInteger();
    private volatile boolean stopping;
    private volatile long startNanos;
    private boolean live;

    private Thread sourceThread;
    private final List<EncoderWorker> workers = new ArrayList<>();
    private final List<Sender> senders = new ArrayList<>();
    private final List<Output> outputs = new ArrayList<>();
    private final Map<Integer, List<EncoderWorker>> rawRoutes = new HashMap<>();
    private final Map<Integer, Output> passthroughRoutes = new HashMap<>();
    private List<TrackInfo> inputTracks = List.of();
    private EncoderWorker primaryVideo;
    /** Set once by {@link #start()} before any sender runs. */
    private volatile RateController rateController;

    /** {@link Builder#encoderProvider(EncoderProvider)}'s, or resolved with the ServiceLoader on the starting thread by {@link #plan}. */
    private EncoderProvider encoderProvider;

    private StreamPipeline(Builder b, List<Transport> transports) {
        this.config = new Config(b);
        this.ticker = b.ticker;
        this.source = b.source;
        this.transports = List.copyOf(transports);
        List<FrameTransform> chain = new ArrayList<>(b.transforms);
        if (b.encryption != null) {
            chain.add(b.encryption);
        }
        this.transforms = List.copyOf(chain);
        this.listener = b.listener;
        this.encoderProvider = b.encoderProvider;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the source, creates encoders, opens every transport and starts the threads. Returns
     * once frames flow.
     *
     * @throws MediaSourceException  if the source cannot be opened or lacks a required track
     * @throws EncoderException      if an encoder cannot be created
     * @throws TransportException    if a transport cannot be opened
     * @throws IllegalStateException if called twice or after {@link #close()}
     */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("pipeline closed");
        }
        if (!started.compareAndSet(false, true)) {
            throw new IllegalStateException("pipeline already started");
        }
        startNanos = ticker.nanoTime();
        CompletableFuture<List<TrackInfo>> opened = new CompletableFuture<>();
        CompletableFuture<Map<Integer, Delivery>> selected = new CompletableFuture<>();
        sourceThread = new Thread(() -> sourceLoop(opened, selected), "sluice-source");
        sourceThread.setDaemon(true);
        sourceThread.start();
        try {
            inputTracks = awaitOpen(opened);
            live = source.isLive() || config.realtime;
            Map<Integer, Delivery> delivery = plan(inputTracks);
            List<TrackInfo> outputTracks = new ArrayList<>();
            for (Output o : outputs) {
                outputTracks.add(o.track);
            }
            for (Transport t : transports) {
                Sender s = new Sender(t);
                senders.add(s);
                List<TrackInfo> carried = new ArrayList<>();
                for (Output o : outputsFor(t)) {
                    o.senders.add(s);
                    carried.add(o.track);
                    if (o.trackFromFrames) {
                        s.unresolved.add(o.track.trackId());
                    }
                }
                if (carried.isEmpty()) {
                    throw new TransportException(t.uri(), "accepts none of the pipeline's tracks " + outputTracks
                            + " (accepts video " + t.acceptedCodecs(MediaType.VIDEO) + ", audio " + t.acceptedCodecs(MediaType.AUDIO) + ")");
                }
                s.producers.set(carried.size());
                remainingSenders.incrementAndGet();
                if (s.unresolved.isEmpty()) {
                    log.info("opening {} for {}", t.uri(), TrackInfo.describe(carried));
                    t.open(carried, s);
                } else {
                    s.pendingTracks = carried;
                    log.info("opening {} once the first frames of tracks {} give their configuration", t.uri(), s.unresolved);
                }
            }
            rateController = config.rateController != null ? config.rateController : defaultRateController();
            if (rateController != null) {
                rateController.attach(primaryVideo == null ? null : primaryVideo.encoder);
            }
            for (Sender s : senders) {
                s.thread.start();
            }
            for (EncoderWorker w : workers) {
                w.thread.start();
            }
            listener.onStarted(inputTracks, List.copyOf(outputTracks));
            selected.complete(delivery);
        } catch (RuntimeException e) {
            selected.cancel(false);
            SluiceException err = e instanceof SluiceException se ? se : new SluiceException("pipeline start failed: " + e, e);
            firstError.compareAndSet(null, err);
            close();
            throw e;
        }
    }

    /** Completes at the end of input once every transport has sent everything; completes exceptionally with the first {@link SluiceException}, or with a {@link CancellationException} if closed before. */
    public CompletableFuture<Void> completion() {
        return completion;
    }

    /** The source's tracks (empty before {@link #start()}). */
    public List<TrackInfo> inputTracks() {
        return inputTracks;
    }

    /** The tracks transports receive: encoder outputs and passthrough tracks, after frame transforms. */
    public List<TrackInfo> outputTracks() {
        List<TrackInfo> list = new ArrayList<>();
        for (Output o : outputs) {
            list.add(o.track);
        }
        return list;
    }

    /** Runtime control of the main video encoder ({@code null} without video encoding, e.g. in copy mode). */
    public EncoderControl videoEncoder() {
        return primaryVideo == null ? null : primaryVideo.encoder;
    }

    /**
     * The rate controller in use: the one given to {@link Builder#rateController}, else the default one of
     * {@code sluice-abr} when {@link Builder#adaptiveBitrate adaptive bitrate} applies; {@code null} otherwise
     * (and before {@link #start()}).
     */
    public RateController rateController() {
        return rateController;
    }

    /** A snapshot of every counter; cheap enough to call a few times per second. */
    public PipelineStats stats() {
        List<PipelineStats.Track> tracks = new ArrayList<>();
        for (Output o : outputs) {
            EncoderWorker w = o.worker;
            tracks.add(new PipelineStats.Track(o.track, o.framesIn.sum(), o.framesOut.sum(),
                    w == null ? 0 : w.dropped.sum(), o.latency.percentile(50), o.latency.percentile(99),
                    o.rate.bitrateBps(), w == null ? 0 : w.queue.size()));
        }
        List<PipelineStats.Transport> ts = new ArrayList<>();
        for (Sender s : senders) {
            ts.add(new PipelineStats.Transport(s.transport.uri(), s.transport.stats(), s.queue.size(), s.queue.dropped()));
        }
        long elapsed = startNanos == 0 ? 0 : ticker.nanoTime() - startNanos;
        RateController rc = rateController;
        return new PipelineStats(Duration.ofNanos(elapsed), mediaTimeUs.get(), tracks, ts, rc == null ? null : rc.current());
    }

    /**
     * Stops everything and frees every resource: the source, encoders and transports are closed on
     * their own threads, queued frames released. Waits up to about one second; a stage stuck in a
     * native call finishes its own cleanup when it returns. Idempotent; callable from any thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        long deadline = ticker.nanoTime() + TimeUnit.MILLISECONDS.toNanos(900);
        try {
            source.abort();
        } catch (RuntimeException e) {
            log.warn("source.abort() failed for {}", source.name(), e);
        }
        if (sourceThread != null) {
            sourceThread.interrupt();
        }
        join(sourceThread, deadline);
        for (EncoderWorker w : workers) {
            join(w.thread, deadline);
        }
        for (Sender s : senders) {
            join(s.thread, deadline);
        }
        if (sourceThread == null) {
            closeQuietly(source);
        }
        for (Sender s : senders) {
            if (!s.thread.isAlive() && s.thread.getState() == Thread.State.NEW) {
                s.closeTransport(); // opened but never started
            }
        }
        for (Transport t : transports) {
            if (senders.stream().noneMatch(s -> s.transport == t)) {
                closeQuietly(t); // never opened
            }
        }
        for (EncoderWorker w : workers) {
            if (w.thread.getState() == Thread.State.NEW) {
                w.closeEncoder();
            }
        }
        for (FrameTransform t : transforms) {
            closeQuietly(t);
        }
        if (!completion.isDone()) {
            SluiceException err = firstError.get();
            if (err != null) {
                completion.completeExceptionally(err);
            } else {
                completion.completeExceptionally(new CancellationException("pipeline closed before the end of input"));
            }
        }
        listener.onClosed();
    }

    // ------------------------------------------------------------------------------------------
    // Planning

    private List<TrackInfo> awaitOpen(CompletableFuture<List<TrackInfo>> opened) {
        try {
            return opened.get(config.openTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new MediaSourceException(source.name(), "open failed: " + c, c);
        } catch (TimeoutException e) {
            throw new MediaSourceException(source.name(), "open did not finish within " + config.openTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MediaSourceException(source.name(), "interrupted while opening");
        }
    }

    /** Chooses source tracks, creates encoders and outputs. */
    private Map<Integer, Delivery> plan(List<TrackInfo> tracks) {
        TrackInfo video = null;
        TrackInfo audio = null;
        for (TrackInfo t : tracks) {
            if (t.isVideo() && video == null) {
                video = t;
            } else if (t.isAudio() && audio == null) {
                audio = t;
            }
        }
        if (config.videoEnabled && video == null) {
            throw new MediaSourceException(source.name(), "no video stream (found: " + describe(tracks)
                    + "); disable video with StreamPipeline.Builder.noVideo() to stream audio only");
        }
        if (!config.videoEnabled) {
            video = null;
        }
        if (!config.audioEnabled) {
            audio = null;
        }
        if (video == null && audio == null) {
            throw new MediaSourceException(source.name(), "no usable track (found: " + describe(tracks) + ")");
        }
        int nextId = tracks.stream().mapToInt(TrackInfo::trackId).max().orElse(0) + 1;
        Map<Integer, Delivery> delivery = new LinkedHashMap<>();
        for (TrackInfo in : new TrackInfo[] {video, audio}) {
            if (in == null) {
                continue;
            }
            boolean copy = in.isVideo() ? config.copyVideo : config.copyAudio;
            if (copy) {
                delivery.put(in.trackId(), Delivery.ENCODED);
                for (Transport t : transports) {
                    List<Codec> accepted = t.acceptedCodecs(in.mediaType());
                    if (!accepted.isEmpty() && !accepted.contains(in.codec())) {
                        throw new TransportException(t.uri(), "cannot carry " + in.codec() + " in copy mode (accepts: "
                                + accepted + "); drop copy to re-encode");
                    }
                }
                Output o = new Output(transformTrack(in), null);
                o.trackFromFrames = resolvesTrackFromFrames(in);
                outputs.add(o);
                passthroughRoutes.put(in.trackId(), o);
                continue;
            }
            delivery.put(in.trackId(), Delivery.DECODED);
            List<Codec> codecs = new ArrayList<>();
            Codec primary = in.isVideo() ? config.videoConfig.codec() : config.audioConfig.codec();
            codecs.add(primary);
            for (Transport t : transports) {
                List<Codec> accepted = t.acceptedCodecs(in.mediaType());
                if (!accepted.isEmpty() && !accepted.contains(primary) && !codecs.contains(accepted.get(0))) {
                    codecs.add(accepted.get(0));
                }
            }
            for (Codec codec : codecs) {
                int outId = codec == primary ? in.trackId() : nextId++;
                Encoder enc;
                if (in.isVideo()) {
                    VideoEncoderConfig vc = codec == primary ? config.videoConfig : config.videoConfig.toBuilder().codec(codec).build();
                    enc = encoderProvider().createVideoEncoder(in, forAdaptation(vc), outId);
                } else {
                    AudioEncoderConfig ac = codec == primary ? config.audioConfig : config.audioConfig.toBuilder().codec(codec).build();
                    enc = encoderProvider().createAudioEncoder(in, ac, outId);
                }
                EncoderWorker w = new EncoderWorker(in, enc);
                workers.add(w);
                rawRoutes.computeIfAbsent(in.trackId(), k -> new ArrayList<>()).add(w);
                Output o = new Output(transformTrack(enc.outputTrack()), w);
                o.trackFromFrames = resolvesTrackFromFrames(enc.outputTrack());
                w.output = o;
                outputs.add(o);
                if (in.isVideo() && primaryVideo == null) {
                    primaryVideo = w;
                }
            }
        }
        return delivery;
    }

    private TrackInfo transformTrack(TrackInfo t) {
        for (FrameTransform f : transforms) {
            t = f.transformTrack(t);
        }
        return t;
    }

    /** Whether a transform of the chain makes {@code t}'s output track known only from its first frame. */
    private boolean resolvesTrackFromFrames(TrackInfo t) {
        for (FrameTransform f : transforms) {
            if (f.resolvesTrackFromFrames(t)) {
                return true;
            }
            t = f.transformTrack(t);
        }
        return false;
    }

    /**
     * The outputs a transport receives: per media type one output, the primary encoder's (or the
     * passthrough track) when the transport accepts its codec, else the first output whose codec the
     * transport lists, in its order of preference.
     */
    private List<Output> outputsFor(Transport t) {
        List<Output> chosen = new ArrayList<>();
        for (MediaType type : MediaType.values()) {
            List<Output> ofType = outputs.stream().filter(o -> o.track.mediaType() == type).toList();
            if (ofType.isEmpty()) {
                continue;
            }
            List<Codec> accepted = t.acceptedCodecs(type);
            Output primary = ofType.get(0); // plan() adds each type's primary output first
            if (accepted.isEmpty() || accepted.contains(primary.track.codec())) {
                chosen.add(primary);
                continue;
            }
            accepted.stream()
                    .flatMap(c -> ofType.stream().filter(o -> o.track.codec() == c))
                    .findFirst()
                    .ifPresent(chosen::add);
        }
        return chosen;
    }

    private static String describe(List<TrackInfo> tracks) {
        if (tracks.isEmpty()) {
            return "no streams";
        }
        List<String> parts = new ArrayList<>();
        for (TrackInfo t : tracks) {
            parts.add(t.codec().name().toLowerCase() + " " + t.mediaType().name().toLowerCase());
        }
        return String.join(", ", parts);
    }

    // ------------------------------------------------------------------------------------------
    // Source thread

    private void sourceLoop(CompletableFuture<List<TrackInfo>> opened, CompletableFuture<Map<Integer, Delivery>> selected) {
        try {
            List<TrackInfo> tracks = source.open();
            opened.complete(List.copyOf(tracks));
            Map<Integer, Delivery> delivery;
            try {
                delivery = selected.get();
            } catch (CancellationException | ExecutionException e) {
                return; // start() failed after open
            }
            source.select(delivery);
            readLoop();
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException | Error e) {
            if (!opened.isDone()) {
                opened.completeExceptionally(e);
            } else {
                fail(e instanceof SluiceException se ? se : new MediaSourceException(source.name(), "read failed: " + e, e));
            }
        } finally {
            closeQuietly(source);
            for (EncoderWorker w : workers) {
                w.endOfInput();
            }
            for (Output o : passthroughRoutes.values()) {
                o.producerDone();
            }
        }
    }

    private void readLoop() throws InterruptedException {
        long durationUs = config.duration == null ? Long.MAX_VALUE : config.duration.toNanos() / 1000;
        // The limit counts from the first frame read, not from timestamp 0: a live source (a hub stream
        // live for an hour, a TS capture) starts far from 0. Sources that start at or before 0 keep 0.
        long limitUs = Long.MAX_VALUE;
        boolean pace = config.realtime && !source.isLive();
        // Paced frames leave in timestamp order across tracks, not in read order: files interleave
        // tracks in chunks (an MP4 muxed with 0.5 s chunks reads 0.5 s of video, then the audio of
        // the same 0.5 s), and pacing in read order delivered each audio chunk late, in one burst.
        PriorityQueue<Paced> ahead = new PriorityQueue<>();
        long readSeq = 0;
        long maxReadTs = Long.MIN_VALUE;
        boolean endOfInput = false;
        long firstTs = Long.MIN_VALUE;
        long paceStart = 0;
        try {
            while (!stopping) {
                while (!endOfInput && (ahead.isEmpty() || (pace && maxReadTs - ahead.peek().ts < PACING_READ_AHEAD_US))) {
                    MediaFrame f = source.read();
                    if (f == null) {
                        endOfInput = true;
                        break;
                    }
                    long ts = f instanceof EncodedFrame ef ? ef.dtsUs() : f.ptsUs();
                    if (limitUs == Long.MAX_VALUE && durationUs != Long.MAX_VALUE) {
                        limitUs = Math.max(0, Math.min(ts, f.ptsUs())) + durationUs;
                    }
                    if (f.ptsUs() >= limitUs) {
                        f.release();
                        if (ts >= limitUs + 500_000) {
                            endOfInput = true; // past the limit on every track (B-frame reordering is < 0.5 s)
                        }
                        continue;
                    }
                    ahead.add(new Paced(f, ts, readSeq++));
                    maxReadTs = Math.max(maxReadTs, ts);
                }
                Paced next = ahead.poll();
                if (next == null) {
                    return;
                }
                MediaFrame f = next.frame;
                mediaTimeUs.accumulateAndGet(f.ptsUs(), Math::max);
                if (pace) {
                    if (firstTs == Long.MIN_VALUE) {
                        firstTs = next.ts;
                        paceStart = ticker.nanoTime();
                    }
                    long due = paceStart + (next.ts - firstTs) * 1000;
                    try {
                        while (!stopping) {
                            long wait = due - ticker.nanoTime();
                            if (wait <= 0) {
                                break;
                            }
                            TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(POLL_MS)));
                        }
                    } catch (InterruptedException e) {
                        f.release(); // close() interrupts the pacing wait: the frame in hand is ours to release
                        throw e;
                    }
                }
                route(f);
            }
        } finally {
            for (Paced p : ahead) {
                p.frame.release();
            }
        }
    }

    /** A frame read ahead of its pacing time; ordered by timestamp, then read order. */
    private record Paced(MediaFrame frame, long ts, long seq) implements Comparable<Paced> {
        @Override
        public int compareTo(Paced o) {
            int c = Long.compare(ts, o.ts);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private void route(MediaFrame f) throws InterruptedException {
        if (f instanceof RawFrame raw) {
            List<EncoderWorker> ws = rawRoutes.get(raw.trackId());
            if (ws == null) {
                raw.release();
                return;
            }
            if (ws.size() > 1) {
                raw.retain(ws.size() - 1); // one reference per encoder, each submit takes one
            }
            for (int i = 0; i < ws.size(); i++) {
                try {
                    ws.get(i).submit(raw);
                } catch (InterruptedException e) {
                    if (ws.size() - i - 1 > 0) {
                        raw.release(ws.size() - i - 1); // the references the remaining encoders would have taken
                    }
                    throw e;
                }
            }
        } else if (f instanceof EncodedFrame enc) {
            Output o = passthroughRoutes.get(enc.trackId());
            if (o == null) {
                enc.release();
                return;
            }
            o.framesIn.increment();
            o.emit(enc);
        } else {
            f.release();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Errors

    private void fail(SluiceException e) {
        if (firstError.compareAndSet(null, e)) {
            log.error("pipeline failed: {}", e.getMessage(), e);
            stopping = true;
            try {
                source.abort();
            } catch (RuntimeException ignored) {
                // best effort
            }
            listener.onError(e);
            completion.completeExceptionally(e);
        }
    }

    private void join(Thread t, long deadlineNanos) {
        if (t == null || t == Thread.currentThread() || t.getState() == Thread.State.NEW) {
            return;
        }
        long left = deadlineNanos - ticker.nanoTime();
        try {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            log.warn("{} did not stop within the close deadline; it frees its resources when it returns", t.getName());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            log.warn("close of {} failed", c, e);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Outputs: one per encoder or passthrough track; fans out to senders.

    private final class Output {
        final TrackInfo track;
        final EncoderWorker worker;
        final List<Sender> senders = new ArrayList<>();
        /** A transform makes this track known only from its first frame (see {@link FrameTransform#resolvesTrackFromFrames}). */
        boolean trackFromFrames;
        final LongAdder framesIn = new LongAdder();
        final LongAdder framesOut = new LongAdder();
        final LatencyWindow latency = new LatencyWindow(1024);
        final RateWindow rate = new RateWindow(128);

        Output(TrackInfo track, EncoderWorker worker) {
            this.track = track;
            this.worker = worker;
        }

        /** Takes ownership of {@code frame}: runs the transforms and hands a reference to each sender. */
        void emit(EncodedFrame frame) throws InterruptedException {
            if (frame.createdNanos() != 0) {
                latency.record((ticker.nanoTime() - frame.createdNanos()) / 1000);
            }
            EncodedFrame out = frame;
            for (FrameTransform t : transforms) {
                out = t.apply(out);
                if (out == null) {
                    return;
                }
            }
            // counted after the transforms: a frame a decryptor dropped was not output
            framesOut.increment();
            rate.record(out.ptsUs(), out.size());
            if (senders.isEmpty()) {
                out.release();
                return;
            }
            int last = senders.size() - 1;
            for (int i = 0; i <= last; i++) {
                EncodedFrame ref = i == last ? out : out.retainedDuplicate();
                try {
                    senders.get(i).deliver(ref);
                } catch (InterruptedException e) {
                    if (i < last) {
                        out.release(); // the last sender's reference was never handed over
                    }
                    throw e;
                }
            }
        }

        void producerDone() {
            for (Sender s : senders) {
                s.producerDone();
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Encoder workers

    private final class EncoderWorker {
        final TrackInfo input;
        final Encoder encoder;
        final BlockingQueue<RawFrame> queue;
        final Thread thread;
        final LongAdder dropped = new LongAdder();
        /** The one keyframe-request policy; not thread-safe, so every use holds its lock. */
        private final KeyframeRequestThrottle keyframeThrottle = KeyframeRequestThrottle.withDefaultInterval();
        Output output;

        EncoderWorker(TrackInfo input, Encoder encoder) {
            this.input = input;
            this.encoder = encoder;
            this.queue = new ArrayBlockingQueue<>(input.isVideo() ? config.videoQueueFrames : config.audioQueueFrames);
            this.thread = new Thread(this::run, "sluice-encode-" + encoder.outputTrack().codec().name().toLowerCase()
                    + "-" + encoder.outputTrack().trackId());
            this.thread.setDaemon(true);
        }

        /** Takes ownership of {@code frame}. */
        void submit(RawFrame frame) throws InterruptedException {
            if (!live) {
                try {
                    while (!queue.offer(frame, POLL_MS, TimeUnit.MILLISECONDS)) {
                        if (stopping || !thread.isAlive()) {
                            frame.release();
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    frame.release();
                    throw e;
                }
                return;
            }
            boolean ok;
            try {
                ok = input.isVideo() ? queue.offer(frame) : queue.offer(frame, 200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                frame.release();
                throw e;
            }
            if (!ok) {
                frame.release();
                dropped.increment();
                listener.onFramesDropped(output.track.trackId(), "encoder", 1);
            }
        }

        void endOfInput() {
            try {
                while (thread.isAlive() && !queue.offer(END_OF_STREAM, POLL_MS, TimeUnit.MILLISECONDS)) {
                    if (stopping) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Forwards a keyframe request to the encoder through the {@link KeyframeRequestThrottle}: the
         * first at once, then at most one per 250 ms; requests inside the interval are coalesced into
         * one that {@link #forwardDueKeyframeRequest()} fires when the interval ends. Any thread.
         */
        void requestKeyframe(String reason) {
            boolean now;
            synchronized (keyframeThrottle) {
                now = keyframeThrottle.request(ticker.nanoTime());
            }
            if (now) {
                log.debug("keyframe requested on track {}: {}", output.track.trackId(), reason);
                encoder.requestKeyframe();
            } else {
                log.debug("keyframe request on track {} coalesced: {}", output.track.trackId(), reason);
            }
        }

        /** On the worker thread, at least every {@link #POLL_MS}: fires a coalesced request once due. */
        private void forwardDueKeyframeRequest() {
            boolean due;
            synchronized (keyframeThrottle) {
                due = keyframeThrottle.handleTimeout(ticker.nanoTime());
            }
            if (due) {
                log.debug("coalesced keyframe request on track {} forwarded", output.track.trackId());
                encoder.requestKeyframe();
            }
        }

        private void run() {
            try {
                while (!stopping) {
                    RawFrame f = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                    forwardDueKeyframeRequest();
                    if (f == null) {
                        continue;
                    }
                    if (f == END_OF_STREAM) {
                        encoder.flush(this::emit);
                        return;
                    }
                    try {
                        output.framesIn.increment();
                        encoder.encode(f, this::emit);
                    } finally {
                        f.release();
                    }
                }
            } catch (InterruptedException e) {
                // closing
            } catch (RuntimeException | Error e) {
                fail(e instanceof SluiceException se ? se : new EncoderException("encoder " + encoder.outputTrack().codec() + " failed: " + e, e));
            } finally {
                closeEncoder();
                RawFrame f;
                while ((f = queue.poll()) != null) {
                    if (f != END_OF_STREAM) {
                        f.release();
                    }
                }
                output.producerDone();
            }
        }

        private void emit(EncodedFrame frame) {
            RateController rc = rateController;
            if (rc != null && this == primaryVideo) {
                rc.onVideoEncoded(frame.size(), frame.ptsUs());
            }
            try {
                output.emit(frame);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CancellationException("interrupted");
            }
        }

        private final AtomicBoolean encoderClosed = new AtomicBoolean();

        void closeEncoder() {
            if (encoderClosed.compareAndSet(false, true)) {
                closeQuietly(encoder);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Senders: one thread per transport, with the GOP-aware queue in front of it.

    private final class Sender implements TransportFeedback {
        final Transport transport;
        final EncodedFrameQueue queue;
        final Thread thread;
        final AtomicInteger producers = new AtomicInteger();
        /** Track ids whose configuration comes with their first frame ({@link FrameTransform#resolvesTrackFromFrames}); the transport opens once it is empty. */
        final java.util.Set<Integer> unresolved = new java.util.HashSet<>();
        /** The tracks to open the transport with, while {@link #unresolved} is not empty; else null. */
        List<TrackInfo> pendingTracks;
        private final Object writability = new Object();
        private final AtomicBoolean transportClosed = new AtomicBoolean();
        private volatile TransportState state = TransportState.CONNECTING;
        private volatile boolean failed;

        Sender(Transport transport) {
            this.transport = transport;
            this.queue = new EncodedFrameQueue(config.transportQueueFrames, this::keyframeNeeded);
            this.thread = new Thread(this::run, "sluice-send-" + transport.uri().getScheme());
            this.thread.setDaemon(true);
        }

        /** Takes ownership of {@code frame}. */
        void deliver(EncodedFrame frame) throws InterruptedException {
            if (failed || stopping) {
                frame.release();
                return;
            }
            if (live) {
                long before = queue.dropped();
                queue.offer(frame);
                long d = queue.dropped() - before;
                if (d > 0) {
                    listener.onFramesDropped(frame.trackId(), transport.uri().toString(), d);
                }
            } else {
                queue.put(frame);
            }
        }

        void producerDone() {
            producers.decrementAndGet();
        }

        private void run() {
            List<EncodedFrame> held = new ArrayList<>();
            try {
                if (pendingTracks != null && !openWhenResolved(held)) {
                    return;
                }
                for (int i = 0; i < held.size() && !stopping && !failed; i++) {
                    EncodedFrame f = held.set(i, null);
                    if (!live) {
                        awaitWritable();
                    }
                    try {
                        transport.send(f);
                    } catch (TransportException e) {
                        transportFailed(e);
                    }
                }
                while (!stopping && !failed) {
                    EncodedFrame f = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                    if (f == null) {
                        if (producers.get() <= 0 && queue.size() == 0) {
                            closeTransport();
                            senderFinished();
                            return;
                        }
                        continue;
                    }
                    if (!live) {
                        awaitWritable();
                    }
                    try {
                        transport.send(f);
                    } catch (TransportException e) {
                        transportFailed(e);
                    }
                }
            } catch (InterruptedException e) {
                // closing
            } catch (RuntimeException | Error e) {
                transportFailed(new TransportException(transport.uri(), "send failed: " + e, e));
            } finally {
                for (EncodedFrame f : held) {
                    if (f != null) {
                        f.release();
                    }
                }
                queue.clear();
                closeTransport();
            }
        }

        /**
         * Deferred open ({@link FrameTransform#resolvesTrackFromFrames}): takes frames from the queue into
         * {@code held} (the caller sends them after) until every unresolved track has delivered one, then
         * opens the transport with those frames' tracks. At most the queue's capacity is held; beyond it
         * the oldest held frame is dropped (counted).
         *
         * @return {@code false} if the input ended, the pipeline stopped or the open failed first
         */
        private boolean openWhenResolved(List<EncodedFrame> held) throws InterruptedException {
            List<TrackInfo> tracks = new ArrayList<>(pendingTracks);
            while (!unresolved.isEmpty()) {
                if (stopping || failed) {
                    return false;
                }
                EncodedFrame f = queue.poll(POLL_MS, TimeUnit.MILLISECONDS);
                if (f == null) {
                    if (producers.get() <= 0 && queue.size() == 0) {
                        log.warn("transport {}: input ended before tracks {} gave their configuration; not opened",
                                transport.uri(), unresolved);
                        closeTransport();
                        senderFinished();
                        return false;
                    }
                    continue;
                }
                if (unresolved.remove(f.trackId())) {
                    tracks.replaceAll(t -> t.trackId() == f.trackId() ? f.track() : t);
                }
                held.add(f);
                if (held.size() > config.transportQueueFrames) {
                    EncodedFrame oldest = held.remove(0);
                    listener.onFramesDropped(oldest.trackId(), transport.uri().toString(), 1);
                    oldest.release();
                }
            }
            pendingTracks = null;
            log.info("opening {} for {}", transport.uri(), TrackInfo.describe(tracks));
            try {
                transport.open(tracks, this);
            } catch (RuntimeException e) {
                transportFailed(e instanceof TransportException te ? te
                        : new TransportException(transport.uri(), "open failed: " + e, e));
                return false;
            }
            return true;
        }

        private void awaitWritable() throws InterruptedException {
            synchronized (writability) {
                while (!transport.isWritable() && !stopping && !failed) {
                    writability.wait(POLL_MS);
                }
            }
        }

        void closeTransport() {
            if (transportClosed.compareAndSet(false, true)) {
                closeQuietly(transport);
            }
        }

        private void transportFailed(TransportException e) {
            failed = true;
            log.error("transport {} failed: {}", transport.uri(), e.getMessage());
            state = TransportState.FAILED;
            listener.onTransportStateChanged(transport.uri(), TransportState.FAILED, e);
            if (senders.stream().allMatch(s -> s.failed)) {
                fail(e);
            }
        }

        private void keyframeNeeded(int trackId) {
            requestKeyframeFor(trackId, "frames dropped in front of " + transport.uri());
        }

        @Override
        public void onStateChanged(TransportState newState, Throwable cause) {
            state = newState;
            if (newState == TransportState.FAILED) {
                failed = true;
            }
            log.info("transport {} is {}{}", transport.uri(), newState, cause == null ? "" : ": " + cause.getMessage());
            listener.onTransportStateChanged(transport.uri(), newState, cause);
            RateController rc = rateController;
            if (rc != null) {
                rc.onTransportState(transport.uri(), newState);
            }
            if (newState == TransportState.FAILED && senders.stream().allMatch(s -> s.failed)) {
                fail(cause instanceof SluiceException se ? se
                        : new TransportException(transport.uri(), "failed" + (cause == null ? "" : ": " + cause.getMessage()), cause));
            }
        }

        @Override
        public void onKeyframeRequest(int trackId, String reason) {
            listener.onKeyframeRequested(transport.uri(), trackId, reason);
            requestKeyframeFor(trackId, reason);
        }

        /** True when an output of this track has an encoder (a worker); copied tracks have none. */
        @Override
        public boolean keyframesOnRequest(int trackId) {
            for (Output o : outputs) {
                if (o.track.trackId() == trackId && o.worker != null) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void onBandwidthEstimate(BandwidthEstimate estimate) {
            listener.onBandwidthEstimate(transport.uri(), estimate);
            RateController rc = rateController;
            if (rc != null) {
                rc.onBandwidthEstimate(transport.uri(), estimate);
            }
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
            synchronized (writability) {
                writability.notifyAll();
            }
        }
    }

    private void requestKeyframeFor(int trackId, String reason) {
        for (Output o : outputs) {
            if (o.track.trackId() == trackId && o.worker != null) {
                o.worker.requestKeyframe(reason);
            }
        }
    }

    private void senderFinished() {
        if (remainingSenders.decrementAndGet() == 0 && firstError.get() == null && !stopping && completion.complete(null)) {
            log.info("end of input: {} sent", source.name());
            listener.onEndOfStream();
        }
    }

    /**
     * The video encoder's config with {@link VideoEncoderConfig#ADAPTIVE_RATE_CONTROL_BUFFER} when the default
     * controller will adapt its bitrate to a measured network path (see {@link #defaultRateController}) and the user
     * chose no buffer; else as given.
     */
    private VideoEncoderConfig forAdaptation(VideoEncoderConfig vc) {
        if (vc.rateControlBuffer() != null || !live || config.rateControllerProvider == null) {
            return vc;
        }
        for (Transport t : transports) {
            if (t.measuresNetworkPath()) {
                log.debug("video encoder: {} rate-control buffer ({} measures a network path)",
                        VideoEncoderConfig.ADAPTIVE_RATE_CONTROL_BUFFER, t.uri());
                return vc.toBuilder().rateControlBuffer(VideoEncoderConfig.ADAPTIVE_RATE_CONTROL_BUFFER).build();
            }
        }
        return vc;
    }

    /**
     * The default controller: adaptive bitrate on, a video encoder to control, a live pipeline (a pipeline that
     * reads a file as fast as possible waits for its transports instead), and a {@link RateControllerProvider} on
     * the class path.
     */
    private RateController defaultRateController() {
        AdaptiveBitrate abr = config.adaptiveBitrate;
        if (!abr.enabled() || primaryVideo == null || !live) {
            return null;
        }
        RateControllerProvider provider = config.rateControllerProvider;
        if (provider == null) {
            log.debug("adaptive bitrate: no RateControllerProvider on the class path (add sluice-abr); the video bitrate stays fixed");
            return null;
        }
        long reserved = 0;
        for (Output o : outputs) {
            if (o.track.isAudio()) {
                reserved += o.worker != null ? o.worker.encoder.targetBitrate() : config.audioConfig.bitrateBps();
            }
        }
        boolean networkPath = false;
        for (Sender s : senders) {
            networkPath |= s.transport.measuresNetworkPath();
        }
        log.debug("adaptive bitrate {} ({} bit/s reserved for audio{})", abr, reserved, networkPath ? ", measured network path" : "");
        return provider.create(new RateControllerProvider.Context(abr, reserved, ticker, this::rateDecided, networkPath));
    }

    private void rateDecided(RateDecision d) {
        if (d.sizeChanged()) {
            log.info("adaptive bitrate: video {}{} at {} kbit/s ({}, estimate {} kbit/s from {})", d.size(),
                    d.frameRate() == null ? "" : String.format(java.util.Locale.ROOT, " %.3g fps", d.frameRate().toDouble()),
                    d.targetBps() / 1000, d.reason(), d.estimateBps() / 1000, d.governingTransport());
        } else if (log.isDebugEnabled()) {
            log.debug("adaptive bitrate: video target {} kbit/s ({}, estimate {} kbit/s from {})", d.targetBps() / 1000,
                    d.reason(), d.estimateBps() / 1000, d.governingTransport());
        }
        listener.onRateChanged(d);
    }

    static RateControllerProvider findRateControllerProvider() {
        Iterator<RateControllerProvider> it = ServiceLoader.load(RateControllerProvider.class, StreamPipeline.class.getClassLoader()).iterator();
        return it.hasNext() ? it.next() : null;
    }

    private EncoderProvider encoderProvider() {
        if (encoderProvider == null) {
            Iterator<EncoderProvider> it = ServiceLoader.load(EncoderProvider.class, StreamPipeline.class.getClassLoader()).iterator();
            if (!it.hasNext()) {
                throw new EncoderException("no EncoderProvider on the class path: add sluice-codec, or use copy(true)");
            }
            encoderProvider = it.next();
        }
        return encoderProvider;
    }

    // ------------------------------------------------------------------------------------------

    /** The settings a pipeline was built with: copied from its {@link Builder} at {@link Builder#build()}, never changed after. */
    private static final class Config {
        final VideoEncoderConfig videoConfig;
        final AudioEncoderConfig audioConfig;
        final boolean videoEnabled;
        final boolean audioEnabled;
        final boolean copyVideo;
        final boolean copyAudio;
        final boolean realtime;
        /** {@code null}: the whole input. */
        final Duration duration;
        /** {@code null}: none given, see {@link #adaptiveBitrate}. */
        final RateController rateController;
        final AdaptiveBitrate adaptiveBitrate;
        /** {@code null}: none on the class path. */
        final RateControllerProvider rateControllerProvider;
        final int videoQueueFrames;
        final int audioQueueFrames;
        final int transportQueueFrames;
        final Duration openTimeout;

        Config(Builder b) {
            this.videoConfig = b.videoConfig;
            this.audioConfig = b.audioConfig;
            this.videoEnabled = b.videoEnabled;
            this.audioEnabled = b.audioEnabled;
            this.copyVideo = b.copyVideo;
            this.copyAudio = b.copyAudio;
            this.realtime = b.realtime;
            this.duration = b.duration;
            this.rateController = b.rateController;
            this.adaptiveBitrate = b.adaptiveBitrate;
            this.rateControllerProvider = b.rateController == null && b.adaptiveBitrate.enabled() ? findRateControllerProvider() : null;
            this.videoQueueFrames = b.videoQueueFrames;
            this.audioQueueFrames = b.audioQueueFrames;
            this.transportQueueFrames = b.transportQueueFrames;
            this.openTimeout = b.openTimeout;
        }
    }

    /**
     * Configures a {@link StreamPipeline}. Setters validate at once; {@link #build()} checks rules
     * that span settings, resolves transport URIs to providers and copies the settings: calls on the
     * builder after {@code build()} never change a built pipeline.
     *
     * <p>A {@link MediaSource}, {@link Transport} or {@link FrameTransform} instance belongs to the one
     * pipeline it was built into (the pipeline closes it), so a builder can build again only once it
     * holds no instance handed over before: give it a new source, and add transports by URI (each
     * {@code build()} creates its own from the URI) rather than as instances. Not thread-safe.
     */
    public static final class Builder {
        private MediaSource source;
        private VideoEncoderConfig videoConfig = VideoEncoderConfig.defaults();
        private AudioEncoderConfig audioConfig = AudioEncoderConfig.defaults();
        private boolean videoEnabled = true;
        private boolean audioEnabled = true;
        private boolean copyVideo;
        private boolean copyAudio;
        private final List<FrameTransform> transforms = new ArrayList<>();
        private FrameTransform encryption;
        private final List<Transport> transports = new ArrayList<>();
        private final List<URI> transportUris = new ArrayList<>();
        private PipelineListener listener = new PipelineListener() { };
        private boolean realtime;
        private Duration duration;
        private EncoderProvider encoderProvider;
        private RateController rateController;
        private AdaptiveBitrate adaptiveBitrate = AdaptiveBitrate.defaults();
        private boolean adaptiveBitrateSet;
        private int videoQueueFrames = 8;
        private int audioQueueFrames = 64;
        private int transportQueueFrames = 512;
        private Duration openTimeout = Duration.ofSeconds(30);
        private Ticker ticker = Ticker.system();
        /** Instances (source, transports, transforms) already handed to a pipeline by a previous build(). */
        private final Set<Object> handedOver = Collections.newSetFromMap(new IdentityHashMap<>());

        private Builder() {
        }

        /** The media source (required). The pipeline owns it and closes it. */
        public Builder source(MediaSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** Video encoder settings; default {@link VideoEncoderConfig#defaults()}. */
        public Builder video(VideoEncoderConfig config) {
            this.videoConfig = Objects.requireNonNull(config, "config");
            this.videoEnabled = true;
            return this;
        }

        /** Audio encoder settings; default {@link AudioEncoderConfig#defaults()}. */
        public Builder audio(AudioEncoderConfig config) {
            this.audioConfig = Objects.requireNonNull(config, "config");
            this.audioEnabled = true;
            return this;
        }

        /** Streams without video (audio only). By default a source without video is an error. */
        public Builder noVideo() {
            this.videoEnabled = false;
            return this;
        }

        /** Streams without audio. By default a source's first audio track is streamed if present. */
        public Builder noAudio() {
            this.audioEnabled = false;
            return this;
        }

        /**
         * Passthrough: the source's encoded packets go to the transports without decoding or
         * encoding (bit-identical payloads). Both tracks are copied.
         */
        public Builder copy(boolean copy) {
            this.copyVideo = copy;
            this.copyAudio = copy;
            return this;
        }

        /** Passthrough for video only (audio is still encoded), e.g. to turn AAC into Opus. */
        public Builder copyVideo(boolean copy) {
            this.copyVideo = copy;
            return this;
        }

        /** Passthrough for audio only. */
        public Builder copyAudio(boolean copy) {
            this.copyAudio = copy;
            return this;
        }

        /**
         * Appends a frame transform (applied in order to every output track, before the
         * {@linkplain #encryption(FrameTransform) encryption} transform). The pipeline closes it.
         */
        public Builder transform(FrameTransform transform) {
            transforms.add(Objects.requireNonNull(transform, "transform"));
            return this;
        }

        /**
         * The end-to-end encryption transform, applied to every output track after all other
         * {@linkplain #transform(FrameTransform) transforms}, so it sees each frame's final payload and
         * transports see only its output. At most one; a second call replaces the first (which is then
         * not closed: the caller still owns it). The pipeline closes the one it runs. Default: none.
         *
         * <p>Core knows no cipher; {@code sluice-crypto} provides SFrame (RFC 9605):
         * <pre>{@code
         * StreamPipeline.builder()
         *         .source(MediaSources.open("clip.mp4"))
         *         .copy(true)
         *         .encryption(Sframe.encryptor(keys, kid))   // io.sluice.crypto.Sframe
         *         .transport("rtmp://relay.example/live/x")
         *         .build();
         * }</pre>
         * On the receiving side the decryptor must see frames before anything else reads their payload:
         * add it as the first {@link #transform(FrameTransform)}.
         *
         * @param encryptor the encrypting transform; ownership passes to the pipeline at {@link #build()}
         */
        public Builder encryption(FrameTransform encryptor) {
            this.encryption = Objects.requireNonNull(encryptor, "encryptor");
            return this;
        }

        /** Adds a transport instance. The pipeline owns and closes it. */
        public Builder transport(Transport transport) {
            transports.add(Objects.requireNonNull(transport, "transport"));
            return this;
        }

        /** Adds a transport by URI; its provider is found by scheme at {@link #build()}. */
        public Builder transport(URI uri) {
            transportUris.add(Objects.requireNonNull(uri, "uri"));
            return this;
        }

        /** Adds a transport by URI string or plain file path (see {@link Transports#parseDestination}). */
        public Builder transport(String destination) {
            return transport(Transports.parseDestination(destination));
        }

        public Builder listener(PipelineListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Paces a non-live source at its own timestamps, like {@code ffmpeg -re}, and switches the
         * pipeline to live behaviour (drop instead of wait). Frames are read up to 1 s of media ahead
         * and leave in timestamp order across tracks (DTS for encoded frames, PTS for raw ones), so a
         * file that interleaves its tracks in chunks is not sent in per-track bursts. Default false:
         * as fast as possible.
         */
        public Builder realtime(boolean realtime) {
            this.realtime = realtime;
            return this;
        }

        /**
         * Stops after this much media time, counted from the first frame read (its DTS, or PTS if
         * earlier; from 0 if that is negative), so a live source whose timestamps start far from 0 (a
         * hub stream live for an hour) is limited the same as a file. Frames with PTS at or after the
         * limit are dropped. Default: the whole input.
         *
         * @param duration &gt; 0, or {@code null} for the whole input
         * @throws IllegalArgumentException if zero or negative
         */
        public Builder duration(Duration duration) {
            if (duration != null && (duration.isNegative() || duration.isZero())) {
                throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
            }
            this.duration = duration;
            return this;
        }

        /** Encoder factory; default: the first {@link EncoderProvider} found with {@link ServiceLoader}. */
        public Builder encoderProvider(EncoderProvider provider) {
            this.encoderProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * A rate controller of the application's own, fed with transport feedback; it replaces the default one
         * (see {@link #adaptiveBitrate}). {@code null} (the default) restores the default.
         */
        public Builder rateController(RateController controller) {
            this.rateController = controller;
            return this;
        }

        /**
         * Adaptive bitrate: bounds, start rate, the governing transport, or {@link AdaptiveBitrate#off()}. Default
         * {@link AdaptiveBitrate#defaults()}: with {@code sluice-abr} on the class path, a live pipeline (a live
         * source or {@link #realtime(boolean)}) that encodes video follows its transports' estimates: RTMP's
         * send-queue measurements, WHIP's congestion controller. Transports that measure nothing (files, the
         * hub) never move the encoder. The video encoder's configured bitrate is the ceiling unless
         * {@link AdaptiveBitrate#maxBitrateBps()} is set. Ignored when {@link #rateController} is given.
         *
         * @throws NullPointerException if {@code config} is null
         */
        public Builder adaptiveBitrate(AdaptiveBitrate config) {
            this.adaptiveBitrate = Objects.requireNonNull(config, "config");
            this.adaptiveBitrateSet = config.enabled();
            return this;
        }

        /**
         * Queue sizes between stages.
         *
         * @param videoRawFrames decoded video frames in front of each video encoder, 1..1024 (default 8)
         * @param audioRawFrames decoded audio frames in front of each audio encoder, 1..4096 (default 64)
         * @param transportFrames encoded frames in front of each transport, 2..100000 (default 512)
         */
        public Builder queueCapacity(int videoRawFrames, int audioRawFrames, int transportFrames) {
            if (videoRawFrames < 1 || videoRawFrames > 1024) {
                throw new IllegalArgumentException("videoRawFrames: " + videoRawFrames + " (expected: 1..1024)");
            }
            if (audioRawFrames < 1 || audioRawFrames > 4096) {
                throw new IllegalArgumentException("audioRawFrames: " + audioRawFrames + " (expected: 1..4096)");
            }
            if (transportFrames < 2 || transportFrames > 100_000) {
                throw new IllegalArgumentException("transportFrames: " + transportFrames + " (expected: 2..100000)");
            }
            this.videoQueueFrames = videoRawFrames;
            this.audioQueueFrames = audioRawFrames;
            this.transportQueueFrames = transportFrames;
            return this;
        }

        /** How long {@link StreamPipeline#start()} waits for the source to open; default 30 s. */
        public Builder openTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("openTimeout: " + timeout + " (expected: > 0)");
            }
            this.openTimeout = timeout;
            return this;
        }

        /**
         * The clock for pacing ({@link #realtime(boolean)}), the keyframe-request throttle, latency
         * statistics and the close deadline. Sources stamp {@link RawFrame#createdNanos()} on the
         * same clock for latency statistics to mean anything. Default {@link Ticker#system()}; tests
         * pass a {@link io.sluice.core.time.ManualTicker} to run paced pipelines in simulated time.
         * Blocking hand-offs between stages still wait in real time (at most 20 ms per poll), and
         * {@link StreamPipeline#close()} waits for each stage at most 900 ms of real time even if the
         * ticker does not move.
         *
         * @throws NullPointerException if {@code ticker} is null
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Builds a pipeline from a copy of the current settings and hands it the source, transport
         * and transform instances; transports given by URI are created now, one per URI.
         *
         * @throws IllegalStateException       if no source or no transport is set, both media types are
         *                                     disabled, or the source, a transport or a transform was
         *                                     already handed to a pipeline by a previous {@code build()}, or
         *                                     {@link #adaptiveBitrate} was set (on) without a rate controller
         *                                     and no {@link RateControllerProvider} is on the class path
         * @throws UnsupportedSchemeException if a transport URI has a scheme no provider handles
         * @throws TransportException          if a provider rejects its URI
         */
        public StreamPipeline build() {
            if (source == null) {
                throw new IllegalStateException("no source: call source(...)");
            }
            if (transports.isEmpty() && transportUris.isEmpty()) {
                throw new IllegalStateException("no transport: call transport(...)");
            }
            if (!videoEnabled && !audioEnabled) {
                throw new IllegalStateException("both video and audio are disabled");
            }
            if (adaptiveBitrateSet && rateController == null && findRateControllerProvider() == null) {
                throw new IllegalStateException("adaptiveBitrate(" + adaptiveBitrate + ") needs a RateControllerProvider:"
                        + " add sluice-abr to the class path");
            }
            List<Object> owned = new ArrayList<>();
            owned.add(source);
            owned.addAll(transports);
            owned.addAll(transforms);
            if (encryption != null) {
                owned.add(encryption);
            }
            List<String> shared = owned.stream().filter(handedOver::contains).map(Builder::describeOwned).toList();
            if (!shared.isEmpty()) {
                throw new IllegalStateException(String.join(", ", shared) + " went to the pipeline of a previous build();"
                        + " a source, transport or transform belongs to one pipeline: give this builder new ones"
                        + " (transports added by URI are created anew by every build())");
            }
            List<Transport> all = new ArrayList<>(transports);
            try {
                for (URI uri : transportUris) {
                    all.add(Transports.create(uri));
                }
            } catch (RuntimeException e) {
                all.subList(transports.size(), all.size()).forEach(StreamPipeline::closeQuietly);
                throw e;
            }
            handedOver.addAll(owned);
            return new StreamPipeline(this, all);
        }

        private static String describeOwned(Object o) {
            if (o instanceof MediaSource s) {
                return "source " + s.name();
            }
            if (o instanceof Transport t) {
                return "transport " + t.uri();
            }
            return "transform " + o;
        }
    }

    @Override
    public String toString() {
        return "StreamPipeline{" + source.name() + " -> " + transports.stream().map(t -> t.uri().toString()).toList() + '}';
    }

}
