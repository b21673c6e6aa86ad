package io.sluice.rtmp.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.netty.NettyTransport;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.rtmp.handshake.RtmpHandshake;
import io.sluice.rtmp.netty.RtmpChunkDecoder;
import io.sluice.rtmp.netty.RtmpChunkEncoder;
import io.sluice.rtmp.netty.RtmpHandshakeHandler;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a stream to an RTMP or RTMPS server (nginx-rtmp, SRS, YouTube, Twitch, the embedded
 * server): handshake, {@code connect}/{@code createStream}/{@code publish}, FLV-mapped frames, with
 * reconnect, a bounded GOP-aware buffer and back-pressure feedback.
 *
 * <pre>{@code
 * RtmpTransport rtmp = RtmpTransport.builder(URI.create("rtmp://live.example.com/app/streamKey"))
 *         .reconnect(ReconnectPolicy.defaults())
 *         .reconnectBuffer(Duration.ofSeconds(5))
 *         .build();
 * StreamPipeline.builder().source(source).transport(rtmp).build().start();
 * }</pre>
 * Or by URI through {@link RtmpTransportProvider} ({@code StreamPipeline.Builder.transport("rtmp://…")}),
 * with the defaults.
 *
 * <h2>Lifecycle and threads</h2>
 * {@link #open} connects and returns once the server accepted {@code publish}; any failure of that
 * first attempt (refused, timeout, TLS, rejected app or stream key) throws a
 * {@link TransportException} naming the server URL and the step, so a wrong URL or key is reported
 * at once rather than retried forever. After that, a dropped connection is retried following the
 * {@link ReconnectPolicy}; the state goes CONNECTING → CONNECTED → RECONNECTING → CONNECTED …
 * → CLOSED (by {@link #close()}) or FAILED (attempts exhausted), each change reported through
 * {@link TransportFeedback#onStateChanged}. All network work runs on one EventLoop of a small
 * group shared by every transport of the JVM (two daemon threads {@code sluice-rtmp-*}, shut down
 * when the last transport closes). {@link #send} is non-blocking and may be called from one thread at
 * a time; {@link #stats()} and {@link #isWritable()} from any.
 *
 * <h2>Buffering, back-pressure and drops</h2>
 * Frames go through one bounded {@link EncodedFrameQueue} sized for {@link Builder#reconnectBuffer}
 * of media (frame count from the tracks' nominal rates). While publishing, the EventLoop writes from
 * it as long as the channel is writable (see {@link Builder#writeBufferWaterMark}) and Netty's outbound buffer holds
 * less than 300 ms at the last drain rate (at least 8 KiB): what Netty holds can only wait, what waits here can be
 * shed or dropped GOP-aware. When the socket
 * cannot keep up or the connection is down, frames wait there; when it overflows it drops
 * GOP-aware (video before audio, whole runs up to the next keyframe, never a frame whose reference
 * was dropped) and asks the encoder for a keyframe. While connected, when the queued media reaches
 * {@link Builder#videoShedBacklog} (1 s) and still grows 1.5 s after it passed the rate controller's cut level (the path
 * carries less than the pipeline's lowest rung plus audio), video is shed and audio keeps flowing; once the queue is
 * back to 200 ms, a keyframe is requested and video resumes at it ({@link VideoShedder}). A backlog longer than
 * {@link Builder#maxBacklog} (2 s: audio alone does not fit either) is dropped altogether up to the next keyframe, so
 * latency stays bounded.
 * Every drop is counted in {@link TransportStats#framesDropped()}. Every 200 ms while publishing, a
 * {@link BandwidthEstimate.Kind#SEND_RATE} estimate reports what a rate controller
 * ({@code io.sluice.abr.tcp.SendQueueController}) needs: {@link BandwidthEstimate#bitrateBps()} the drain rate
 * (bytes that left Netty's outbound buffer for the socket since the last report, as bit/s: the path's
 * capacity while a backlog waits, the send rate otherwise), {@link BandwidthEstimate#queuedBytes()} the bytes
 * waiting (buffer and Netty's outbound buffer), and {@link BandwidthEstimate#queueDelayUs()} the media time
 * waiting (newest DTS offered − newest DTS whose bytes have all left Netty's outbound buffer, µs: media Netty
 * holds is waiting too) plus, on epoll, the network's standing queue (the kernel's smoothed RTT less the
 * smallest seen on the connection; {@link BandwidthEstimate#rttUs()} carries the RTT). The controller cuts the
 * encoder at 200 ms of queued media, well before the backlog limit drops GOPs, so the two do not fight: the drop
 * is the last resort when even the minimum bitrate does not fit: video shedding first, then the backlog limit.
 *
 * <h2>Reconnect</h2>
 * On a new connection the session starts over: connect, publish, then {@code onMetaData} and the
 * sequence headers again; buffered video resumes at its next keyframe (the non-key prefix is
 * dropped and counted) and a keyframe is requested.
 *
 * <h2>Timestamps</h2>
 * RTMP timestamps are unsigned ms. The first DTS of an encoded AAC/Opus track can be negative
 * (encoder priming, about −21 ms for AAC), so every timestamp of the transport is offset by the
 * same base: the smallest first DTS over all tracks, which maps to 0 ms and keeps A/V timing. It is
 * taken once every track has delivered a frame, or after 2 s of media if one never does (files
 * interleave tracks in chunks of up to about a second; until then frames wait in the buffer). The base
 * stays the same across reconnects, so timestamps keep increasing. A frame earlier than the base
 * (rare: a track that started more than 2 s late with an even earlier DTS) is sent at 0 ms.
 * Composition time offsets (B-frames) are PTS − DTS in ms; the 32-bit wrap is handled by the chunk
 * encoder.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0</a>
 */
public final class RtmpTransport implements Transport {
    private static final Logger log = LoggerFactory.getLogger(RtmpTransport.class);
    /** How often a {@link BandwidthEstimate.Kind#SEND_RATE} report goes out: often enough for a rate controller to cut within 0.5 s. */
    static final long REPORT_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final long TIME_BASE_WAIT_US = 2_000_000;
    private static final long UNKNOWN = Long.MIN_VALUE;

    private final URI uri;
    private final RtmpUrl url;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration commandTimeout;
    private final Duration closeTimeout;
    private final ReconnectPolicy reconnect;
    private final Duration reconnectBuffer;
    private final Duration maxBacklog;
    private final Duration videoShedBacklog;
    private final WriteBufferWaterMark waterMark;
    private final int chunkSize;
    private final int socketSendBuffer;
    private final int notSentLowWatermark;
    /** A first connection that finds at least this much media queued (µs) starts at the newest keyframe. */
    private static final long STARTUP_BACKLOG_US = 500_000;
    /** Default {@link Builder#notSentLowWatermark}, bytes. */
    public static final int DEFAULT_NOTSENT_LOWAT = 8 * 1024;
    private final SslContext sslContext;

    private final AtomicBoolean opened = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final Object timeLock = new Object();
    private final Map<Integer, Long> firstDtsUs = new HashMap<>();

    private volatile TransportState state = TransportState.CONNECTING;
    private volatile TransportException failure;
    private volatile RtmpClientHandler active;
    private volatile long timeBaseUs = UNKNOWN;
    private volatile long lastOfferedDtsUs = UNKNOWN;
    private volatile boolean closing;

    private List<TrackInfo> tracks = List.of();
    private TransportFeedback feedback;
    private EncodedFrameQueue pending;
    private int pendingCapacity;
    /** Sheds video while the send queue outgrows what the rate controller can answer; null if disabled (EventLoop). */
    private VideoShedder shedder;
    private EventLoop loop;
    private boolean groupAcquired;
    private CompletableFuture<Void> firstPublish;

    // EventLoop-confined
    private final Set<Integer> skipping = new HashSet<>();
    /** The channel of the current attempt or connection; only its end triggers a reconnect. */
    private Channel current;
    private ScheduledFuture<?> reconnectTimer;
    private int attempt;
    private boolean everPublished;
    private long lastWrittenDtsUs = UNKNOWN;
    /**
     * Newest DTS whose bytes have all left Netty's outbound buffer for the socket, µs: the backlog is measured
     * from here, so media Netty still holds counts as waiting (it is waiting, and only the rate controller can
     * shrink it: Netty's buffer cannot be dropped GOP-aware).
     */
    private long lastFlushedDtsUs = UNKNOWN;
    /** Frames handed to Netty whose bytes have not all left its outbound buffer: {wire bytes written through, DTS}. */
    private final java.util.ArrayDeque<long[]> unflushed = new java.util.ArrayDeque<>();
    private long lastReportNanos;
    private long lastReportFlushed;
    /** Smallest smoothed RTT the kernel reported on this connection, µs; -1 before any (or without epoll). */
    private long minRttUs = -1;
    private final io.netty.channel.epoll.EpollTcpInfo tcpInfo = new io.netty.channel.epoll.EpollTcpInfo();
    private long writtenWireBytes;
    /** The drain rate of the last report, bit/s (EventLoop). */
    private long lastDrainBps;
    /**
     * Netty's outbound buffer takes a new frame only while it holds less than this much media time at the drain rate,
     * µs: what it holds can only wait, while what waits in {@link #pending} can be shed (video) or dropped GOP-aware. At
     * 0.2 Mbit/s, Netty's high water mark (48 KiB) alone would be 2 s of media out of reach.
     */
    private static final long OUTBOUND_TIME_US = 300_000;
    /** Netty's outbound buffer always takes frames up to this many bytes (the kernel's unsent share is 8 KiB). */
    private static final long OUTBOUND_FLOOR_BYTES = 8 * 1024;

    private RtmpTransport(Builder b, SslContext sslContext) {
        this.uri = b.uri;
        this.url = b.url;
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.commandTimeout = b.commandTimeout;
        this.closeTimeout = b.closeTimeout;
        this.reconnect = b.reconnect;
        this.reconnectBuffer = b.reconnectBuffer;
        this.maxBacklog = b.maxBacklog;
        this.videoShedBacklog = b.videoShedBacklog;
        this.waterMark = b.waterMark;
        this.chunkSize = b.chunkSize;
        this.socketSendBuffer = b.socketSendBuffer;
        this.notSentLowWatermark = b.notSentLowWatermark;
        this.sslContext = sslContext;
    }

    /**
     * A builder for a transport publishing to {@code uri}.
     *
     * @param uri {@code rtmp[s]://host[:port]/app[/instance]/streamKey[?query]} (see {@link RtmpUrl})
     * @throws IllegalArgumentException if the URI is not a valid publishing URL
     */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    @Override
    public URI uri() {
        return uri;
    }

    /** The parsed URL (app, stream name, tcUrl). */
    public RtmpUrl url() {
        return url;
    }

    /** H.264 first, then H.265 and AV1 (Enhanced RTMP) for video; AAC first, then Opus (Enhanced RTMP v2) for audio. */
    @Override
    public List<Codec> acceptedCodecs(MediaType mediaType) {
        return mediaType == MediaType.VIDEO ? List.of(Codec.H264, Codec.H265, Codec.AV1) : List.of(Codec.AAC, Codec.OPUS);
    }

    /**
     * Connects, handshakes and publishes; returns once the server accepted {@code publish}.
     *
     * @throws TransportException    if the first attempt fails, naming the server URL and the step
     *                               ("connect to rtmp://h:1935/live timed out after 10000 ms",
     *                               "publish 'key' rejected by server: NetStream.Publish.BadName (…)")
     * @throws IllegalStateException if called twice or after {@link #close()}
     * @throws IllegalArgumentException if a track's codec cannot be carried over RTMP
     */
    @Override
    public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
        if (closed.get() || !opened.compareAndSet(false, true)) {
            throw new IllegalStateException("open() called twice or after close() on " + url);
        }
        for (TrackInfo t : tracks) {
            if (!acceptedCodecs(t.mediaType()).contains(t.codec())) {
                throw new IllegalArgumentException("track #" + t.trackId() + ": codec " + t.codec()
                        + " (expected: " + acceptedCodecs(t.mediaType()) + " over RTMP)");
            }
        }
        this.tracks = List.copyOf(tracks);
        this.feedback = Objects.requireNonNull(feedback, "feedback");
        this.pendingCapacity = bufferFrames(tracks, reconnectBuffer);
        this.pending = new EncodedFrameQueue(pendingCapacity, id -> feedback.onKeyframeRequest(id, "RTMP buffer full, frames dropped for " + url));
        if (!videoShedBacklog.isZero()) {
            Set<Integer> video = new HashSet<>();
            tracks.stream().filter(TrackInfo::isVideo).forEach(t -> video.add(t.trackId()));
            this.shedder = VideoShedder.withDefaults(video, videoShedBacklog.toNanos() / 1000);
        }
        this.loop = RtmpEventLoops.acquire().next();
        this.groupAcquired = true;
        this.firstPublish = new CompletableFuture<>();
        setState(TransportState.CONNECTING, null);
        loop.execute(this::attempt);
        long waitMs = connectTimeout.toMillis() + handshakeTimeout.toMillis() + 3 * commandTimeout.toMillis() + 2000;
        try {
            firstPublish.get(waitMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            TransportException te = e.getCause() instanceof TransportException t ? t
                    : new TransportException(uri, "publish to " + url.serverUrl() + " failed: " + e.getCause(), e.getCause());
            openFailed(te);
            throw te;
        } catch (TimeoutException e) {
            TransportException te = new TransportException(uri, "publish to " + url.serverUrl() + " did not start within " + waitMs + " ms");
            openFailed(te);
            throw te;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            TransportException te = new TransportException(uri, "interrupted while connecting to " + url.serverUrl());
            openFailed(te);
            throw te;
        }
    }

    private void openFailed(TransportException e) {
        failure = e;
        closing = true;
        loop.execute(() -> {
            cancelReconnect();
            if (current != null) {
                current.close();
            }
        });
        setState(TransportState.FAILED, e);
        pending.clear();
        releaseGroup();
    }

    /** Frames the reconnect buffer holds: duration × (video fps, default 30 + audio frames/s). */
    static int bufferFrames(List<TrackInfo> tracks, Duration duration) {
        double perSecond = 0;
        for (TrackInfo t : tracks) {
            if (t.isVideo()) {
                perSecond += t.frameRate().map(r -> r.toDouble()).filter(r -> r > 0 && r <= 1000).orElse(30.0);
            } else {
                perSecond += t.sampleRate() > 0 ? t.sampleRate() / 1024.0 : 50;
            }
        }
        return (int) Math.max(16, Math.min(100_000, Math.ceil(perSecond * duration.toNanos() / 1e9)));
    }

    // ------------------------------------------------------------------------------------------
    // Connection attempts (EventLoop)

    private void attempt() {
        reconnectTimer = null;
        if (closing) {
            return;
        }
        RtmpTransport self = this;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(RtmpEventLoops.transport().socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                .option(ChannelOption.TCP_NODELAY, true);
        if (socketSendBuffer > 0) {
            b.option(ChannelOption.SO_SNDBUF, socketSendBuffer);
        }
        if (notSentLowWatermark > 0 && RtmpEventLoops.transport() == NettyTransport.EPOLL) {
            b.option(io.netty.channel.epoll.EpollChannelOption.TCP_NOTSENT_LOWAT, (long) notSentLowWatermark);
        }
        b.handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (sslContext != null) {
                            p.addLast("tls", sslContext.newHandler(ch.alloc(), url.host(), url.port()));
                        }
                        RtmpChunkDecoder decoder = new RtmpChunkDecoder();
                        RtmpPublishSession session = new RtmpPublishSession(url, tracks, chunkSize, commandTimeout, ch.alloc());
                        p.addLast("handshake", new RtmpHandshakeHandler(RtmpHandshake.client(), handshakeTimeout));
                        p.addLast("chunkDecoder", decoder);
                        p.addLast("chunkEncoder", new RtmpChunkEncoder());
                        p.addLast("publisher", new RtmpClientHandler(session, url, decoder, handshakeTimeout, self.listener));
                    }
                });
        log.debug("connecting to {} (attempt {})", url, attempt + 1);
        ChannelFuture cf = b.connect(url.host(), url.port());
        Channel ch = cf.channel();
        current = ch;
        cf.addListener(f -> {
            if (!f.isSuccess() && current == ch) {
                current = null;
                Throwable c = f.cause();
                String msg = c instanceof ConnectTimeoutException
                        ? "connect to " + url.serverUrl() + " timed out after " + connectTimeout.toMillis() + " ms"
                        : "connect to " + url.serverUrl() + " failed: " + c.getMessage();
                connectionLost(new TransportException(uri, msg, c));
            }
        });
    }

    private final RtmpClientHandler.Listener listener = new RtmpClientHandler.Listener() {
        @Override
        public void onPublishing(RtmpClientHandler handler) {
            if (closing) {
                handler.closeGracefully(closeTimeout);
                return;
            }
            boolean reconnected = everPublished;
            everPublished = true;
            attempt = 0;
            active = handler;
            String keyframeReason = reconnected ? "RTMP reconnected to " + url.serverUrl() : null;
            if (!reconnected) {
                // A live pipeline kept encoding while the first connection was set up (1-2 s on a slow path): sent
                // at once, that backlog is a burst at several times the path's rate. Start at the newest keyframe.
                int skipped = pending.skipToNewestKeyframe(STARTUP_BACKLOG_US);
                if (skipped > 0) {
                    log.info("{}: skipped {} frames queued while connecting; starting at the newest keyframe", url, skipped);
                }
                // No fresh start (dropping what is left for a new keyframe, as the WHIP client does for encoded
                // video): open() returns only once publishing, and StreamPipeline starts its encoders after every
                // transport has opened, so a pipeline has nothing queued here. Frames can only be here when the
                // application sends from another thread while open() blocks.
            }
            for (TrackInfo t : tracks) {
                if (t.isVideo()) {
                    skipping.add(t.trackId());
                    if (keyframeReason != null) {
                        feedback.onKeyframeRequest(t.trackId(), keyframeReason);
                    }
                }
            }
            lastReportNanos = System.nanoTime();
            lastReportFlushed = flushedBytes(handler);
            minRttUs = -1; // a new connection, maybe a new path
            if (shedder != null) {
                shedder.reset(); // video resumes at keyframes through `skipping`
            }
            log.info("publishing to {}{}", url, reconnected ? " (reconnected)" : "");
            setState(TransportState.CONNECTED, null);
            firstPublish.complete(null);
            feedback.onWritabilityChanged(true);
            drain();
        }

        @Override
        public void onClosed(RtmpClientHandler handler, TransportException cause) {
            if (active == handler) {
                active = null;
                writtenWireBytes = 0;
                unflushed.clear(); // what Netty held is gone with the connection
                lastFlushedDtsUs = lastWrittenDtsUs;
            }
            if (handler.channel() == current) {
                current = null;
                if (!closing) {
                    connectionLost(cause);
                }
            }
        }

        @Override
        public void onWritabilityChanged(RtmpClientHandler handler, boolean writable) {
            if (handler == active) {
                feedback.onWritabilityChanged(isWritable());
                if (writable) {
                    drain();
                }
            }
        }

        @Override
        public void onTick(RtmpClientHandler handler, long nowNanos) {
            if (handler != active) {
                return;
            }
            Channel ch = handler.channel();
            long backlogUs = backlogUs(handler);
            // frames waiting in the buffer: the socket does not keep up (Netty's outbound buffer takes only 300 ms of them)
            if ((!ch.isWritable() || pending.size() > 0) && backlogUs > maxBacklog.toNanos() / 1000) {
                dropBacklog("RTMP send backlog " + backlogUs / 1000 + " ms > " + maxBacklog.toMillis() + " ms to " + url.serverUrl());
            }
            long rttUs = smoothedRttUs(ch);
            long queuedUs = Math.max(0, backlogUs) + networkQueueUs(rttUs);
            long queuedBytes = pending.queuedBytes() + outboundBytes(handler);
            if (shedder != null) {
                shed(shedder.onQueue(nowNanos, queuedUs, queuedBytes), queuedUs);
            }
            drain();
            if (nowNanos - lastReportNanos >= REPORT_INTERVAL_NANOS) {
                long flushed = flushedBytes(handler);
                long bps = (flushed - lastReportFlushed) * 8 * 1_000_000_000L / Math.max(1, nowNanos - lastReportNanos);
                lastReportFlushed = flushed;
                lastReportNanos = nowNanos;
                lastDrainBps = Math.max(0, bps);
                feedback.onBandwidthEstimate(new BandwidthEstimate(BandwidthEstimate.Kind.SEND_RATE, Math.max(0, bps),
                        queuedBytes, queuedUs, 0, Math.max(0, rttUs)));
            }
        }
    };

    /** Acts on the {@link VideoShedder}'s decision for the queue of {@code queuedUs} (EventLoop). */
    private void shed(VideoShedder.Action action, long queuedUs) {
        switch (action) {
            case SHED -> log.warn("{}: {} ms of media queued and still growing after the rate controller's answer; "
                    + "shedding video until the queue drains (audio continues)", url, queuedUs / 1000);
            case RESUME -> {
                log.info("{}: send queue drained to {} ms; video resumes at the next keyframe", url, queuedUs / 1000);
                for (TrackInfo t : tracks) {
                    if (t.isVideo()) {
                        feedback.onKeyframeRequest(t.trackId(), "RTMP send queue drained after shedding video to " + url.serverUrl());
                    }
                }
            }
            case NONE -> {
            }
        }
    }

    /** Handles a failed attempt or a dropped connection (EventLoop). */
    private void connectionLost(TransportException cause) {
        if (closing || state.isTerminal()) {
            return;
        }
        if (!firstPublish.isDone()) {
            firstPublish.completeExceptionally(cause);
            return;
        }
        attempt++;
        if (!reconnect.allows(attempt)) {
            String msg = reconnect.maxAttempts() < 0 ? "connection lost and reconnect is disabled: " + cause.getMessage()
                    : "gave up after " + (attempt - 1) + " reconnect attempts: " + cause.getMessage();
            TransportException e = new TransportException(uri, msg, cause);
            failure = e;
            log.error("{}", e.getMessage());
            setState(TransportState.FAILED, e);
            pending.clear();
            return;
        }
        Duration delay = reconnect.delay(attempt, ThreadLocalRandom.current().nextDouble());
        log.warn("{}; reconnecting in {} ms (attempt {})", cause.getMessage(), delay.toMillis(), attempt);
        if (state != TransportState.RECONNECTING) {
            setState(TransportState.RECONNECTING, cause);
            feedback.onWritabilityChanged(false);
        }
        reconnectTimer = loop.schedule(this::attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelReconnect() {
        if (reconnectTimer != null) {
            reconnectTimer.cancel(false);
            reconnectTimer = null;
        }
    }

    private void setState(TransportState s, Throwable cause) {
        state = s;
        TransportFeedback f = feedback;
        if (f != null) {
            f.onStateChanged(s, cause);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Frames

    /**
     * Queues a frame for sending; never blocks.
     *
     * @param frame ownership passes to the transport, which releases it (also when dropping it)
     * @return {@code false} if the frame was dropped at once (buffer full of newer GOPs, a video
     *         frame whose reference was dropped, or the transport is closed)
     * @throws TransportException    if the transport has failed for good (reconnect attempts exhausted)
     * @throws IllegalStateException if called before {@link #open}
     */
    @Override
    public boolean send(EncodedFrame frame) {
        if (pending == null) {
            frame.release();
            throw new IllegalStateException("send() before open() on " + url);
        }
        TransportException f = failure;
        if (f != null) {
            frame.release();
            throw f;
        }
        if (closing) {
            framesDropped.incrementAndGet();
            frame.release();
            return false;
        }
        long dts = frame.dtsUs();
        if (timeBaseUs == UNKNOWN) {
            synchronized (timeLock) {
                firstDtsUs.putIfAbsent(frame.trackId(), dts);
                long min = firstDtsUs.values().stream().mapToLong(Long::longValue).min().orElse(dts);
                if (firstDtsUs.size() >= tracks.size() || dts - min >= TIME_BASE_WAIT_US) {
                    timeBaseUs = min;
                }
            }
        }
        if (lastOfferedDtsUs == UNKNOWN || dts > lastOfferedDtsUs) {
            lastOfferedDtsUs = dts;
        }
        boolean accepted = pending.offer(frame);
        if (active != null && timeBaseUs != UNKNOWN && drainScheduled.compareAndSet(false, true)) {
            loop.execute(this::drain);
        }
        return accepted;
    }

    /** Writes queued frames while the channel is writable (EventLoop). */
    private void drain() {
        drainScheduled.set(false);
        RtmpClientHandler h = active;
        long base = timeBaseUs;
        if (h == null || base == UNKNOWN) {
            return;
        }
        Channel ch = h.channel();
        int written = 0;
        long outboundLimit = Math.max(OUTBOUND_FLOOR_BYTES, lastDrainBps * OUTBOUND_TIME_US / 8_000_000);
        while (ch.isWritable() && active == h && outboundBytes(h) < outboundLimit) {
            EncodedFrame f;
            try {
                f = pending.poll(0, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (f == null) {
                break;
            }
            try {
                if (f.mediaType() == MediaType.VIDEO && (!f.isKeyframe() && skipping.contains(f.trackId())
                        || shedder != null && !shedder.admitVideo(f.trackId(), f.isKeyframe()))) {
                    framesDropped.incrementAndGet();
                    lastWrittenDtsUs = Math.max(lastWrittenDtsUs, f.dtsUs()); // gone from the queue: not backlog
                    unflushed.addLast(new long[] {writtenWireBytes, f.dtsUs()}); // no longer waiting once what precedes it left
                    continue;
                }
                if (f.mediaType() == MediaType.VIDEO && f.isKeyframe()) {
                    skipping.remove(f.trackId());
                }
                long n = h.writeFrame(f, base);
                writtenWireBytes += n;
                bytesSent.addAndGet(n);
                framesSent.incrementAndGet();
                lastWrittenDtsUs = Math.max(lastWrittenDtsUs, f.dtsUs());
                unflushed.addLast(new long[] {writtenWireBytes, f.dtsUs()});
                written++;
            } catch (IllegalArgumentException e) {
                framesDropped.incrementAndGet();
                log.warn("dropped a frame RTMP cannot carry to {}: {}", url, e.getMessage());
            } finally {
                f.release();
            }
        }
        if (written > 0) {
            h.flush();
        }
    }

    /**
     * Media time waiting in the buffer and in Netty's outbound buffer: newest DTS offered − newest DTS whose bytes
     * all reached the socket, µs (EventLoop). The socket itself holds little unsent ({@code TCP_NOTSENT_LOWAT}).
     */
    private long backlogUs(RtmpClientHandler h) {
        long flushed = flushedBytes(h);
        while (!unflushed.isEmpty() && unflushed.peekFirst()[0] <= flushed) {
            long dts = unflushed.pollFirst()[1];
            lastFlushedDtsUs = lastFlushedDtsUs == UNKNOWN ? dts : Math.max(lastFlushedDtsUs, dts);
        }
        long offered = lastOfferedDtsUs;
        long w = lastFlushedDtsUs;
        return offered == UNKNOWN || w == UNKNOWN ? 0 : Math.max(0, offered - w);
    }

    /** Drops everything queued and resumes each video track at its next keyframe (EventLoop). */
    private void dropBacklog(String reason) {
        int n = 0;
        EncodedFrame f;
        try {
            while ((f = pending.poll(0, TimeUnit.NANOSECONDS)) != null) {
                f.release();
                n++;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        framesDropped.addAndGet(n);
        lastWrittenDtsUs = Math.max(lastWrittenDtsUs, lastOfferedDtsUs); // nothing waits any more
        unflushed.addLast(new long[] {writtenWireBytes, lastOfferedDtsUs}); // once Netty's share has gone
        log.warn("{}: dropped {} frames, resuming at the next keyframe", reason, n);
        for (TrackInfo t : tracks) {
            if (t.isVideo()) {
                skipping.add(t.trackId());
                feedback.onKeyframeRequest(t.trackId(), reason);
            }
        }
    }

    /** The kernel's smoothed RTT of the connection, µs (TCP_INFO, epoll only); -1 if unknown (EventLoop). */
    private long smoothedRttUs(Channel ch) {
        if (!(ch instanceof io.netty.channel.epoll.EpollSocketChannel e) || !e.isActive()) {
            return -1;
        }
        try {
            long rtt = e.tcpInfo(tcpInfo).rtt();
            if (rtt > 0 && (minRttUs < 0 || rtt < minRttUs)) {
                minRttUs = rtt;
            }
            return rtt > 0 ? rtt : -1;
        } catch (RuntimeException ex) { // the socket closed under us
            return -1;
        }
    }

    /**
     * How long media waits in the network beyond the path's base RTT, µs: smoothed RTT − the smallest one seen on
     * this connection. Bytes TCP has sent but not had acknowledged sit in the bottleneck's queue; with
     * {@code TCP_NOTSENT_LOWAT} the send buffer stays near empty while a full congestion window (seconds of media
     * after a capacity drop) waits there, so the queue the rate controller acts on is the send buffer's plus this.
     */
    private long networkQueueUs(long rttUs) {
        return rttUs > 0 && minRttUs > 0 ? Math.max(0, rttUs - minRttUs) : 0;
    }

    private static long outboundBytes(RtmpClientHandler h) {
        ChannelOutboundBuffer ob = h.channel().unsafe().outboundBuffer();
        return ob == null ? 0 : ob.totalPendingWriteBytes();
    }

    /** Payload bytes of this connection that have left Netty's outbound buffer (approximation). */
    private long flushedBytes(RtmpClientHandler h) {
        return Math.max(0, writtenWireBytes - outboundBytes(h));
    }

    /**
     * {@code true} while publishing, the channel is below its high water mark and the buffer is
     * less than half full; a pipeline that is not live waits for this.
     */
    @Override
    public boolean isWritable() {
        RtmpClientHandler h = active;
        EncodedFrameQueue q = pending;
        return h != null && h.channel().isWritable() && q != null && q.size() < pendingCapacity / 2;
    }

    /**
     * Counters: RTMP payload bytes and frames handed to the connection, frames dropped (buffer
     * overflow, backlog, resume-at-keyframe, unmappable frames), bytes queued (buffer + Netty's
     * outbound buffer).
     */
    /** {@code true}: every 200 ms a {@link BandwidthEstimate.Kind#SEND_RATE} report (see the class doc). */
    @Override
    public boolean measuresNetworkPath() {
        return true;
    }

    @Override
    public TransportStats stats() {
        EncodedFrameQueue q = pending;
        RtmpClientHandler h = active;
        long queued = (q == null ? 0 : q.queuedBytes()) + (h == null ? 0 : outboundBytes(h));
        return new TransportStats(state, bytesSent.get(), framesSent.get(),
                framesDropped.get() + (q == null ? 0 : q.dropped()), queued, 0);
    }

    /**
     * Sends what the channel takes at once, then FCUnpublish and deleteStream, and closes the
     * connection (waiting at most the close timeout, 2 s by default). Releases every buffered
     * frame. Reports {@link TransportState#CLOSED} unless the transport had failed. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!opened.get() || loop == null) {
            state = TransportState.CLOSED;
            return;
        }
        closing = true;
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                cancelReconnect();
                RtmpClientHandler h = active;
                if (h != null) {
                    drain();
                    active = null;
                    h.closeGracefully(closeTimeout).addListener(f -> done.complete(null));
                } else if (current != null) {
                    current.close().addListener(f -> done.complete(null));
                } else {
                    done.complete(null);
                }
            });
            done.get(closeTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            log.warn("closing {} did not finish cleanly: {}", url, e.toString());
        }
        pending.clear();
        if (state != TransportState.FAILED) {
            setState(TransportState.CLOSED, null);
        }
        releaseGroup();
    }

    private void releaseGroup() {
        if (groupAcquired) {
            groupAcquired = false;
            RtmpEventLoops.release();
        }
    }

    @Override
    public String toString() {
        return "RtmpTransport{" + url + ' ' + state + '}';
    }

    // ------------------------------------------------------------------------------------------

    /**
     * Configures an {@link RtmpTransport}. Setters validate at once; {@link #build()} loads the TLS
     * trust material. Defaults: connect, handshake and command timeouts 10 s each, close timeout
     * 2 s, {@link ReconnectPolicy#defaults()}, reconnect buffer 5 s, max backlog 2 s, video shed backlog 1 s, write buffer
     * water marks 16 KiB / 48 KiB, chunk size 4096, the system trust store for rtmps.
     */
    public static final class Builder {
        private final URI uri;
        private final RtmpUrl url;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration commandTimeout = Duration.ofSeconds(10);
        private Duration closeTimeout = Duration.ofSeconds(2);
        private ReconnectPolicy reconnect = ReconnectPolicy.defaults();
        private Duration reconnectBuffer = Duration.ofSeconds(5);
        private Duration maxBacklog = Duration.ofSeconds(2);
        private Duration videoShedBacklog = Duration.ofMillis(VideoShedder.DEFAULT_SHED_QUEUE_US / 1000);
        private WriteBufferWaterMark waterMark = new WriteBufferWaterMark(16 * 1024, 48 * 1024);
        private int chunkSize = 4096;
        private int socketSendBuffer;
        private int notSentLowWatermark = DEFAULT_NOTSENT_LOWAT;
        private final List<X509Certificate> trusted = new ArrayList<>();
        private boolean insecure;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
            this.url = RtmpUrl.parse(uri);
        }

        /** Time allowed for the TCP connect; default 10 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive("connectTimeout", timeout);
            return this;
        }

        /** Time allowed from TCP connect to the end of the RTMP handshake (including TLS for rtmps); default 10 s. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive("handshakeTimeout", timeout);
            return this;
        }

        /** Time allowed for the server to answer each of connect, createStream and publish; default 10 s. */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive("commandTimeout", timeout);
            return this;
        }

        /** How long {@link RtmpTransport#close()} waits for FCUnpublish/deleteStream to be written; default 2 s. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive("closeTimeout", timeout);
            return this;
        }

        /** When and how often to reconnect after a dropped connection; default {@link ReconnectPolicy#defaults()}. */
        public Builder reconnect(ReconnectPolicy policy) {
            this.reconnect = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Media kept while disconnected or while the socket is slow; default 5 s. Converted to a frame
         * count from the tracks' nominal rates at {@link RtmpTransport#open}.
         *
         * @param duration 100 ms..10 min
         */
        public Builder reconnectBuffer(Duration duration) {
            Objects.requireNonNull(duration, "duration");
            if (duration.toMillis() < 100 || duration.toMinutes() > 10) {
                throw new IllegalArgumentException("reconnectBuffer: " + duration + " (expected: 100 ms..10 min)");
            }
            this.reconnectBuffer = duration;
            return this;
        }

        /**
         * While connected and frames wait for the socket (it is above its high water mark, or holds its 300 ms): the
         * most media time allowed to wait before what is buffered is dropped, audio too, and video resumes at its next
         * keyframe; default 2 s.
         */
        public Builder maxBacklog(Duration duration) {
            this.maxBacklog = positive("maxBacklog", duration);
            return this;
        }

        /**
         * While connected: the media queued (send buffer, Netty's outbound buffer and the network's standing queue)
         * from which video is shed, keyframes too, and audio keeps flowing, once the queue has stayed over 200 ms for
         * 1.5 s and still grows (the rate controller could not answer it: the path carries less than the pipeline's
         * lowest rung plus audio). Video resumes at a keyframe, requested from the encoder, once the queue is back to
         * 200 ms (or half this, if less). Default 1 s; {@link Duration#ZERO} turns shedding off (then only
         * {@link #maxBacklog} drops, audio too).
         *
         * @param duration 0, or 100 ms..{@link #maxBacklog}'s default of 2 s and beyond (a value at or over the backlog
         *                 limit leaves that limit to act first)
         * @throws IllegalArgumentException if negative or between 0 and 100 ms
         */
        public Builder videoShedBacklog(Duration duration) {
            Objects.requireNonNull(duration, "duration");
            if (duration.isNegative() || !duration.isZero() && duration.toMillis() < 100) {
                throw new IllegalArgumentException("videoShedBacklog: " + duration + " (expected: 0 or >= 100 ms)");
            }
            this.videoShedBacklog = duration;
            return this;
        }

        /**
         * Netty's write buffer water marks: above {@code highBytes} queued the channel is not writable
         * and frames wait (then drop); below {@code lowBytes} writing resumes. Default 16 KiB / 48 KiB: media
         * Netty holds can only wait (not be dropped GOP-aware when the backlog limit is reached), and at 600 kbit/s
         * 512 KiB would be 7 s of it; a frame larger than the high mark is still written whole.
         *
         * @throws IllegalArgumentException if {@code lowBytes < 1} or {@code highBytes < lowBytes}
         */
        public Builder writeBufferWaterMark(int lowBytes, int highBytes) {
            if (lowBytes < 1 || highBytes < lowBytes) {
                throw new IllegalArgumentException("writeBufferWaterMark: " + lowBytes + "/" + highBytes
                        + " (expected: 1 <= low <= high)");
            }
            this.waterMark = new WriteBufferWaterMark(lowBytes, highBytes);
            return this;
        }

        /**
         * Outgoing chunk size, announced with SetChunkSize right after the handshake; default 4096.
         *
         * @param bytes 4096..16777215 (small chunks cost CPU and header bytes; 4096 is what OBS sends)
         */
        public Builder chunkSize(int bytes) {
            if (bytes < 4096 || bytes > 0xFFFFFF) {
                throw new IllegalArgumentException("chunkSize: " + bytes + " (expected: 4096..16777215)");
            }
            this.chunkSize = bytes;
            return this;
        }

        /**
         * The kernel's socket send buffer ({@code SO_SNDBUF}); default 0: the operating system's, which on Linux
         * grows with the connection (up to {@code net.ipv4.tcp_wmem}'s maximum, 4 MiB by default). Bytes there are
         * invisible to the {@link BandwidthEstimate.Kind#SEND_RATE} reports: on a slow path the kernel can hold a
         * second or more of media before this transport's own buffer, which the rate controller watches, starts to
         * grow. A small buffer (e.g. 64 KiB) moves that queue where it is seen, at the price of throughput on long
         * paths (TCP cannot have more than about the buffer in flight: 64 KiB per 100 ms RTT is ~5 Mbit/s).
         *
         * @param bytes 0 for the system's, or 4096..16777216
         * @throws IllegalArgumentException if out of range
         */
        public Builder socketSendBuffer(int bytes) {
            if (bytes != 0 && (bytes < 4096 || bytes > 16 << 20)) {
                throw new IllegalArgumentException("socketSendBuffer: " + bytes + " (expected: 0 or 4096..16777216)");
            }
            this.socketSendBuffer = bytes;
            return this;
        }

        /**
         * The socket's {@code TCP_NOTSENT_LOWAT} (Linux, epoll): the kernel keeps at most this many bytes that TCP has
         * not sent yet, so the queue of a slow path builds in this transport's own buffer, where the
         * {@link BandwidthEstimate.Kind#SEND_RATE} reports (and the rate controller) see it, instead of hiding in a
         * socket buffer that Linux grows to several MiB; the bytes in flight (the congestion window) are not limited.
         * Default {@value #DEFAULT_NOTSENT_LOWAT} bytes (about 100 ms of media at 600 kbit/s). Without epoll (another
         * OS, or {@code -Dsluice.netty.transport=nio}) it is not set.
         *
         * @param bytes 0 to leave the system's setting, or 1024..16777216
         * @throws IllegalArgumentException if out of range
         */
        public Builder notSentLowWatermark(int bytes) {
            if (bytes != 0 && (bytes < 1024 || bytes > 16 << 20)) {
                throw new IllegalArgumentException("notSentLowWatermark: " + bytes + " (expected: 0 or 1024..16777216)");
            }
            this.notSentLowWatermark = bytes;
            return this;
        }

        /**
         * rtmps: trusts these certificates (e.g. a server's self-signed one, or a private CA) instead
         * of the system trust store: once any certificate is given, only the given ones are trusted.
         * The host name is still verified against the certificate's subject alternative names.
         */
        public Builder trustCertificate(X509Certificate... certificates) {
            for (X509Certificate c : certificates) {
                trusted.add(Objects.requireNonNull(c, "certificate"));
            }
            return this;
        }

        /**
         * rtmps: trusts the certificates in a PEM file (as {@link #trustCertificate}).
         *
         * @throws IllegalArgumentException if the file cannot be read or holds no certificate
         */
        public Builder trustCertificatesFrom(Path pem) {
            try (InputStream in = Files.newInputStream(pem)) {
                List<X509Certificate> certs = new ArrayList<>();
                CertificateFactory.getInstance("X.509").generateCertificates(in).forEach(c -> certs.add((X509Certificate) c));
                if (certs.isEmpty()) {
                    throw new IllegalArgumentException("trustCertificatesFrom: " + pem + " (expected: PEM certificates, found none)");
                }
                trusted.addAll(certs);
                return this;
            } catch (IOException | CertificateException e) {
                throw new IllegalArgumentException("trustCertificatesFrom: " + pem + ": " + e.getMessage(), e);
            }
        }

        /**
         * rtmps: accepts any certificate and host name. <b>For tests only</b>: it removes every
         * protection TLS offers against an active attacker.
         */
        public Builder insecureTrustAllCertificatesForTesting() {
            this.insecure = true;
            return this;
        }

        /**
         * @throws IllegalStateException if TLS options are set for an {@code rtmp://} URL, or both a
         *                               trusted certificate and the insecure mode are set
         * @throws IllegalArgumentException if the TLS context cannot be created
         */
        public RtmpTransport build() {
            if (!url.isSecure() && (insecure || !trusted.isEmpty())) {
                throw new IllegalStateException("TLS trust options set for " + uri.getScheme() + "://; use rtmps://");
            }
            if (insecure && !trusted.isEmpty()) {
                throw new IllegalStateException("both trustCertificate(...) and insecureTrustAllCertificatesForTesting() set");
            }
            SslContext ssl = null;
            if (url.isSecure()) {
                try {
                    SslContextBuilder b = SslContextBuilder.forClient();
                    if (insecure) {
                        b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
                    } else {
                        b.endpointIdentificationAlgorithm("HTTPS");
                        if (!trusted.isEmpty()) {
                            b.trustManager(trusted);
                        }
                    }
                    ssl = b.build();
                } catch (SSLException e) {
                    throw new IllegalArgumentException("TLS context for " + url.serverUrl() + ": " + e.getMessage(), e);
                }
            }
            return new RtmpTransport(this, ssl);
        }

        private static Duration positive(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
