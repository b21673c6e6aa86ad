package io.sluice.webrtc.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.sluice.core.Codec;
import io.sluice.core.TrackInfo;
import io.sluice.core.auth.AuthDecision;
import io.sluice.core.auth.AuthRequest;
import io.sluice.core.auth.AuthorizationGate;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamAuthorizer;
import io.sluice.core.auth.StreamProtocol;
import io.sluice.core.feedback.KeyframeRequestThrottle;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.netty.NettyTransport;
import io.sluice.core.netty.http.HttpConnectionGuard;
import io.sluice.core.netty.http.HttpServerPipeline;
import io.sluice.core.spi.FrameTranscoderFactory;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.core.time.Ticker;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.ice.IceUfragDemux;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.sdp.Direction;
import io.sluice.webrtc.sdp.Fingerprint;
import io.sluice.webrtc.sdp.H264Profile;
import io.sluice.webrtc.sdp.LocalTransport;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.sdp.SdpLimits;
import io.sluice.webrtc.sdp.SdpNegotiationException;
import io.sluice.webrtc.sdp.SdpNegotiator;
import io.sluice.webrtc.sdp.SdpParseException;
import io.sluice.webrtc.sdp.SdpParser;
import io.sluice.webrtc.sdp.SessionDescription;
import io.sluice.webrtc.server.netty.WebRtcHttpHandler;
import io.sluice.webrtc.server.netty.WebRtcUdpHandler;
import io.sluice.webrtc.session.RtpSession;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded WebRTC server: WHEP playback of {@link StreamHub} streams (draft-ietf-wish-whep),
 * WHIP ingest into the hub (RFC 9725) and a browser player page, with every session on one UDP port
 * (ICE-lite, RFC 8445 §2.5; demultiplexed by ufrag, then by remote address, and by first byte per
 * RFC 7983).
 *
 * <pre>{@code
 * try (WebRtcServer server = WebRtcServer.builder(hub).build()) {
 *     server.start();
 *     // a browser opens server.httpUrl() + "watch/<stream>"
 * }
 * }</pre>
 *
 * <p>HTTP routes ({@code <stream>} may have up to four {@code /}-separated segments, e.g. the
 * {@code live/x} of an RTMP publish to {@code rtmp://host/live/x}): {@code POST /whep/<stream>} and
 * {@code POST /whip/<stream>} (offer in,
 * {@code 201} with the answer and {@code Location: /whep/<stream>/<id>}), {@code DELETE} and
 * {@code PATCH} on that location, {@code OPTIONS} everywhere (CORS preflight), {@code GET /} (live
 * streams), {@code GET /watch/<stream>} (player) and {@code GET /publish/<stream>} (camera publisher).
 * Other handlers share the port in front of these ({@link Builder#httpHandler}, e.g. HLS/DASH delivery),
 * and the pages link their players ({@link Builder#playerLink}).
 *
 * <p>Threads: one UDP event loop runs every session (ICE, SRTP, RTP, RTCP); one HTTP event loop
 * signals; each DTLS handshake has its own daemon thread (Bouncy Castle blocks), started only when
 * the peer's first DTLS datagram arrives from an address that passed an ICE check (or, when the
 * server is the DTLS client, at that check), at most {@link Builder#maxDtlsHandshakes} at once.
 * {@link #close()} ends all of them. Thread-safe.
 *
 * <p>Bounds: HTTP connections in total and per client address (an HTTP/2 connection counts once; its
 * streams are bounded by {@link HttpServerPipeline}), each request's time and each idle
 * connection's ({@link HttpConnectionGuard}); request bodies (413 and close); sessions in total and
 * sessions still waiting for ICE/DTLS per client address, which also expire when no ICE check
 * arrives in time ({@link Builder#iceTimeout}); concurrent DTLS handshakes.
 */
public final class WebRtcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebRtcServer.class);
    /** Default most concurrent sessions: 100. */
    public static final int DEFAULT_MAX_SESSIONS = 100;
    /** Default time from the offer to a connected DTLS association: 15 s. */
    public static final Duration DEFAULT_SETUP_TIMEOUT = Duration.ofSeconds(15);
    /** Default largest SDP offer: 64 KiB. */
    public static final int DEFAULT_MAX_SDP_BYTES = 64 * 1024;
    /** Default most open HTTP connections: 256. */
    public static final int DEFAULT_MAX_HTTP_CONNECTIONS = 256;
    /** Default most open HTTP connections from one client address: 16. */
    public static final int DEFAULT_MAX_HTTP_CONNECTIONS_PER_ADDRESS = 16;
    /** Default time from a request's first byte to its response: 10 s. */
    public static final Duration DEFAULT_HTTP_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** Default time a kept-alive HTTP connection may wait for its next request: 30 s. */
    public static final Duration DEFAULT_HTTP_IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Default most sessions waiting for ICE/DTLS from one client address: 8. */
    public static final int DEFAULT_MAX_PENDING_SESSIONS_PER_ADDRESS = 8;
    /** Default time from the offer to the peer's first DTLS datagram or ICE nomination: 5 s. */
    public static final Duration DEFAULT_ICE_TIMEOUT = Duration.ofSeconds(5);
    /** Default most DTLS handshakes (each a thread) in progress at once: 32. */
    public static final int DEFAULT_MAX_DTLS_HANDSHAKES = 32;
    /** Hub stream names as URL paths: up to 4 segments (RTMP publishes "app/key"), no "." or ".." segments. */
    private static final Pattern STREAM_NAME = Pattern.compile("(?!\\.{1,2}(/|$))[A-Za-z0-9._~-]{1,64}(/(?!\\.{1,2}(/|$))[A-Za-z0-9._~-]{1,64}){0,3}");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final StreamHub hub;
    private final InetSocketAddress udpBind;
    /** Most {@link Builder#additionalHostCandidate} entries: a handful of NAT mappings, not a list to enumerate. */
    public static final int MAX_ADDITIONAL_CANDIDATES = 16;
    private final List<InetSocketAddress> hostCandidates;
    private final InetSocketAddress httpBind;
    private final DtlsContext dtlsContext;
    private final int maxSessions;
    private final Duration setupTimeout;
    /** The one time source of every session (monotonic ns and the wall clock for RTCP). */
    final Ticker ticker;
    /** Minimum spacing of keyframe requests per session (PLI sent by WHIP, requests forwarded by WHEP). */
    final Duration keyframeRequestInterval;
    /** Whether WHEP sessions run per-viewer congestion control and pacing (see {@link Builder#viewerCongestionControl}). */
    final boolean viewerCongestionControl;
    /** Whether WHEP viewers choose among a ladder's rungs (see {@link Builder#viewerRungSelection}). */
    final boolean viewerRungSelection;
    /** Whether WHEP answers offer the playout-delay extension (see {@link Builder#viewerPlayoutDelay}). */
    final boolean viewerPlayoutDelay;
    private final int maxSdpBytes;
    private final HttpConnectionGuard.Limits httpLimits;
    private final int maxPendingSessionsPerAddress;
    private final long iceTimeoutNanos;
    private final Semaphore dtlsHandshakes;
    /** The client address of each session's offer, by session id. */
    private final Map<String, InetAddress> offerers = new ConcurrentHashMap<>();
    private final AuthorizationGate authorizer;
    private final String corsAllowOrigin;
    private final FrameTranscoderFactory transcoders;
    private final RenditionLadder ladder;
    private final SslContext httpTls;
    private final List<Supplier<? extends ChannelHandler>> httpHandlers;
    private final Map<String, String> playerLinks;
    /** Ladder leases of WHEP sessions that play a rung, by session id; released when the session closes. */
    private final Map<String, RenditionLadder.Lease> ladderLeases = new ConcurrentHashMap<>();
    private final SdpParser sdpParser;
    private final IceUfragDemux<RtcSession> demux;
    private final Map<String, RtcSession> sessions = new ConcurrentHashMap<>();
    /** Per live session, what it does for the INFO lines: "play 'live/x' over WHEP from 127.0.0.1:50000". */
    private final Map<String, String> sessionLabels = new ConcurrentHashMap<>();
    /** Shared audio transcodings by "stream#trackId". */
    private final Map<String, AudioTranscodeRelay> audioRelays = new ConcurrentHashMap<>();
    /**
     * Guards making relays and their listener sets. Taken before a hub stream's lock (relays
     * subscribe under it), never under one: {@link #relayEnded} (called from hub callbacks) does
     * not take it.
     */
    private final Object relayLock = new Object();

    private final AtomicLong droppedUnknownStun = new AtomicLong();
    private final AtomicLong droppedUnknownAddress = new AtomicLong();
    private final AtomicLong droppedOther = new AtomicLong();
    private final AtomicLong srtpDropped = new AtomicLong();
    private final AtomicLong sessionsCreated = new AtomicLong();
    private final AtomicLong sessionsRejected = new AtomicLong();
    private final AtomicLong pendingExpired = new AtomicLong();

    private final Object lifecycle = new Object();
    private EventLoopGroup udpGroup;
    private EventLoopGroup httpGroup;
    private Channel udpChannel;
    private Channel httpChannel;
    private volatile boolean started;
    private volatile boolean closed;

    private WebRtcServer(Builder b) {
        this.hub = b.hub;
        this.udpBind = b.udpBind;
        List<InetSocketAddress> all = new ArrayList<>(b.hostCandidates);
        all.addAll(b.additionalCandidates);
        this.hostCandidates = List.copyOf(all);
        this.httpBind = b.httpBind;
        this.dtlsContext = b.dtlsContext != null ? b.dtlsContext : DtlsContext.builder().build();
        this.maxSessions = b.maxSessions;
        this.setupTimeout = b.setupTimeout;
        this.ticker = b.ticker;
        this.keyframeRequestInterval = b.keyframeRequestInterval;
        this.viewerCongestionControl = b.viewerCongestionControl;
        this.viewerRungSelection = b.viewerRungSelection;
        this.viewerPlayoutDelay = b.viewerPlayoutDelay;
        this.maxSdpBytes = b.maxSdpBytes;
        this.httpLimits = new HttpConnectionGuard.Limits(b.maxHttpConnections, b.maxHttpConnectionsPerAddress,
                b.httpRequestTimeout, b.httpIdleTimeout);
        this.maxPendingSessionsPerAddress = b.maxPendingSessionsPerAddress;
        this.iceTimeoutNanos = b.iceTimeout.toNanos();
        this.dtlsHandshakes = new Semaphore(b.maxDtlsHandshakes);
        this.authorizer = new AuthorizationGate(b.authorizer, b.ticker);
        this.corsAllowOrigin = b.corsAllowOrigin;
        this.transcoders = b.transcoders;
        this.ladder = b.ladder;
        this.httpTls = b.httpTls;
        this.httpHandlers = List.copyOf(b.httpHandlers);
        this.playerLinks = Collections.unmodifiableMap(new LinkedHashMap<>(b.playerLinks));
        this.sdpParser = new SdpParser(new SdpLimits(maxSdpBytes, 2000, 4096, 32));
        this.demux = new IceUfragDemux<>(maxSessions, 8);
    }

    /**
     * A builder for a server over {@code hub}.
     *
     * @throws NullPointerException if {@code hub} is null
     */
    public static Builder builder(StreamHub hub) {
        return new Builder(hub);
    }

    /**
     * Binds the UDP and HTTP sockets and starts the event loops.
     *
     * @throws IllegalStateException if already started or closed
     * @throws WebRtcServerException if a socket cannot be bound (the server is closed again); the message
     *                               names the socket, address and port, e.g.
     *                               {@code "cannot listen for HTTP on 127.0.0.1:8080: Address already in use"}
     */
    public void start() {
        synchronized (lifecycle) {
            if (started || closed) {
                throw new IllegalStateException("start: server is " + (closed ? "closed" : "started"));
            }
            started = true;
            NettyTransport transport = NettyTransport.current();
            udpGroup = transport.newEventLoopGroup(1, new DefaultThreadFactory("sluice-webrtc-udp", true));
            httpGroup = transport.newEventLoopGroup(1, new DefaultThreadFactory("sluice-webrtc-http", true));
            String binding = "UDP on " + hostPort(udpBind);
            try {
                udpChannel = new Bootstrap().group(udpGroup).channel(transport.datagramChannel())
                        .option(ChannelOption.SO_RCVBUF, 4 * 1024 * 1024)
                        .option(ChannelOption.SO_SNDBUF, 4 * 1024 * 1024)
                        .handler(new WebRtcUdpHandler(this))
                        .bind(udpBind).syncUninterruptibly().channel();
                binding = "HTTP on " + hostPort(httpBind);
                HttpServerPipeline.Builder pipeline = HttpServerPipeline.builder().limits(httpLimits)
                        .maxContentLength(maxSdpBytes);
                if (httpTls != null) {
                    pipeline.tls(httpTls);
                }
                httpHandlers.forEach(pipeline::handler);
                pipeline.handler(() -> new WebRtcHttpHandler(WebRtcServer.this));
                httpChannel = pipeline.build().listen(httpGroup, httpBind);
                udpGroup.scheduleAtFixedRate(this::expirePendingSessions, 250, 250, TimeUnit.MILLISECONDS);
            } catch (Exception e) { // Netty rethrows the checked BindException from syncUninterruptibly()
                close();
                throw new WebRtcServerException("cannot listen for " + binding + ": "
                        + (e.getMessage() != null ? e.getMessage() : e.toString()), e);
            }
            log.debug("WebRTC server: HTTP {} UDP {} candidates {}", httpChannel.localAddress(),
                    udpChannel.localAddress(), candidates().stream().map(c -> c.address() + ":" + c.port()).toList());
        }
    }

    /** The {@link Builder#playerLink player links}: label to path template, in order. */
    public Map<String, String> playerLinks() {
        return playerLinks;
    }

    /** {@code 127.0.0.1:8080}, {@code [::1]:8080}. */
    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bound UDP address (all sessions' media). @throws IllegalStateException if not started */
    public InetSocketAddress udpAddress() {
        checkStarted();
        return (InetSocketAddress) udpChannel.localAddress();
    }

    /** The bound HTTP address. @throws IllegalStateException if not started */
    public InetSocketAddress httpAddress() {
        checkStarted();
        return (InetSocketAddress) httpChannel.localAddress();
    }

    /**
     * {@code http://host:port/} of the HTTP listener ({@code https://} with {@link Builder#tls}).
     *
     * @throws IllegalStateException if not started
     */
    public String httpUrl() {
        InetSocketAddress a = httpAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
        return (httpTls != null ? "https://" : "http://") + (host.contains(":") ? "[" + host + "]" : host) + ":"
                + a.getPort() + "/";
    }

    /** The hub this server plays from and publishes into. */
    public StreamHub hub() {
        return hub;
    }

    /** The {@code Access-Control-Allow-Origin} value sent on every response. */
    public String corsAllowOrigin() {
        return corsAllowOrigin;
    }

    /** Counters and live sessions. */
    public WebRtcServerStats stats() {
        List<WebRtcSessionStats> list = new ArrayList<>();
        for (RtcSession s : sessions.values()) {
            list.add(s.stats());
        }
        return new WebRtcServerStats(list, droppedUnknownStun.get(), droppedUnknownAddress.get(), droppedOther.get(),
                srtpDropped.get(), sessionsCreated.get(), sessionsRejected.get());
    }

    /** A live session's stats by id. */
    public Optional<WebRtcSessionStats> sessionStats(String sessionId) {
        RtcSession s = sessions.get(sessionId);
        return s == null ? Optional.empty() : Optional.of(s.stats());
    }

    /**
     * The simulcast layers a WHIP publisher of {@code stream} sends (RFC 8853), as hub streams (for WHEP code that
     * picks a layer): largest first, the first being {@code stream} itself and the others {@code <stream>~<rid>};
     * width and height from each layer's SPS, bit/s measured (or the offer's max-br until measured), passthrough.
     * Only layers already published are listed. Any thread.
     *
     * @return the rungs, empty when no WHIP session publishes {@code stream} with simulcast
     */
    List<RenditionLadder.Rung> simulcastRungs(String stream) {
        for (RtcSession s : sessions.values()) {
            if (s instanceof WhipSession w && w.stream.equals(stream)) {
                return w.simulcastRungs();
            }
        }
        return List.of();
    }

    // ------------------------------------------------------------------ signalling

    /**
     * Handles a WHEP or WHIP offer ({@code POST /whep/<stream>}, {@code POST /whip/<stream>}):
     * creates a session and answers {@code 201 Created} with the SDP answer, {@code Location} and
     * {@code ETag}. Errors are one-line {@code text/plain} reasons: 400 (malformed SDP, wrong
     * direction, bad stream name), 401/403 (authorizer), 404 (WHEP: stream not live), 406 (no common
     * codec, no BUNDLE, H.264 with B-frames, WHEP of a stream whose video is whole-frame end-to-end encrypted, SFrame video without
     * frame marking), 409 (WHIP: stream already published), 413 (offer too
     * large), 503 (session limit or shutting down).
     *
     * @param endpoint    WHEP or WHIP
     * @param stream      the stream name from the URL
     * @param sdpOffer    the request body (application/sdp)
     * @param bearerToken the token from {@code Authorization: Bearer}, or null
     * @param remote      the HTTP client address (for the authorizer)
     * @return the response to send; never throws for bad input
     * @see <a href="https://www.rfc-editor.org/rfc/rfc9725#section-4.2">RFC 9725 §4.2</a>
     */
    public SignalingResponse offer(WebRtcEndpoint endpoint, String stream, String sdpOffer, String bearerToken,
                                   InetSocketAddress remote) {
        RenditionLadder.Lease[] lease = new RenditionLadder.Lease[1]; // set when a WHEP viewer gets a ladder rung
        SignalingResponse r = doOffer(endpoint, stream, sdpOffer, bearerToken, remote, lease);
        if (r.status() != 201 && lease[0] != null) {
            lease[0].close();
        }
        if (r.status() != 201) {
            sessionsRejected.incrementAndGet();
            log.debug("{} offer for '{}' refused: {} {}", endpoint, stream, r.status(), r.body().trim());
            if (r.status() == 401 || r.status() == 403) {
                hub.reportAuthRefused(stream, io.sluice.core.events.SessionInfo.of(endpoint == WebRtcEndpoint.WHEP ? "whep" : "whip", remote),
                        endpoint == WebRtcEndpoint.WHEP ? io.sluice.core.events.StreamEvent.Action.PLAY
                                : io.sluice.core.events.StreamEvent.Action.PUBLISH, r.body().trim());
            }
        }
        return r;
    }

    private SignalingResponse doOffer(WebRtcEndpoint endpoint, String stream, String sdpOffer, String bearerToken,
                                      InetSocketAddress remote, RenditionLadder.Lease[] lease) {
        if (stream == null || !STREAM_NAME.matcher(stream).matches()) {
            return SignalingResponse.error(400, "stream name: '" + stream + "' (expected: 1..4 segments separated by '/', each 1..64 of A-Z a-z 0-9 . _ ~ -, not '.' or '..')");
        }
        AuthDecision access = authorizer.authorize(new AuthRequest(endpoint == WebRtcEndpoint.WHEP ? StreamAction.PLAY
                : StreamAction.PUBLISH, stream, endpoint == WebRtcEndpoint.WHEP ? StreamProtocol.WHEP : StreamProtocol.WHIP,
                remote, Optional.ofNullable(bearerToken))); // the gate logs refusals
        if (access.outcome() == AuthDecision.Outcome.UNAUTHORIZED) {
            return new SignalingResponse(401, "text/plain; charset=utf-8", "unauthorized: " + access.reason() + "\n",
                    Map.of("WWW-Authenticate", "Bearer"));
        }
        if (access.outcome() == AuthDecision.Outcome.FORBIDDEN) {
            return SignalingResponse.error(403, "forbidden: " + access.reason());
        }
        if (!started || closed) {
            return SignalingResponse.error(503, "server is not running");
        }
        if (sdpOffer == null || sdpOffer.getBytes(StandardCharsets.UTF_8).length > maxSdpBytes) {
            return SignalingResponse.error(413, "SDP offer too large (limit " + maxSdpBytes + " bytes)");
        }
        InetAddress offerer = remote != null ? remote.getAddress() : null;
        if (offerer != null && pendingSessionsFrom(offerer) >= maxPendingSessionsPerAddress) {
            return new SignalingResponse(503, "text/plain; charset=utf-8", "too many sessions waiting for ICE/DTLS from "
                    + offerer.getHostAddress() + " (limit " + maxPendingSessionsPerAddress + ")\n", Map.of("Retry-After", "5"));
        }
        if (sessions.size() >= maxSessions) {
            return new SignalingResponse(503, "text/plain; charset=utf-8", "too many sessions (limit " + maxSessions + ")\n",
                    Map.of("Retry-After", "5"));
        }
        SessionDescription offer;
        try {
            offer = sdpParser.parse(sdpOffer);
        } catch (SdpParseException e) {
            return SignalingResponse.error(400, "malformed SDP offer: " + e.getMessage());
        } catch (RuntimeException e) {
            return SignalingResponse.error(400, "malformed SDP offer: " + e);
        }
        List<TrackInfo> tracks = List.of();
        String playStream = stream; // a WHEP viewer of a stream with B-frames plays a ladder rung's stream
        List<RenditionLadder.Rung> rungs = null; // what a WHEP viewer may play; null: the stream itself
        SdpNegotiator.Builder nb = SdpNegotiator.builder().cname(WhepSession.CNAME);
        if (endpoint == WebRtcEndpoint.WHEP) {
            // with viewerPlayoutDelay, viewers also get the playout-delay extension: WhepSession asks for a jitter
            // buffer that hides the transmission time of the stream's keyframes
            if (viewerPlayoutDelay) {
                List<String> whepExtensions = new ArrayList<>(SdpNegotiator.EXTENSIONS);
                whepExtensions.add(io.sluice.webrtc.sdp.ExtMap.PLAYOUT_DELAY);
                nb.extensions(whepExtensions);
            }
            Optional<List<TrackInfo>> live = hub.tracks(stream);
            if (live.isEmpty()) {
                return SignalingResponse.error(404, "stream '" + stream + "' is not live");
            }
            tracks = live.get();
            // Whole-frame SFrame video has no RFC 6184 packetization a browser can receive; opaque Opus is
            // still one RFC 7587 payload per packet, so a page with a decrypting encoded transform plays it.
            Optional<TrackInfo> opaque = tracks.stream().filter(t -> t.isOpaque() && t.isVideo()).findFirst();
            if (opaque.isPresent()) {
                return SignalingResponse.error(406, "stream '" + stream + "' is end-to-end encrypted (SFrame whole-frame "
                        + opaque.get().codec() + ", payloads opaque to this server); WebRTC playback cannot decode it");
            }
            Optional<TrackInfo> video = tracks.stream().filter(TrackInfo::isVideo).findFirst();
            if (video.isPresent()) {
                TrackInfo v = video.get();
                if (v.codec() != Codec.H264) {
                    return SignalingResponse.error(406, "stream '" + stream + "' has " + v.codec()
                            + " video; WebRTC playback supports H.264 only");
                }
                if (v.hasBFrames()) {
                    if (ladder == null) {
                        return SignalingResponse.error(406, "stream '" + stream + "' has H.264 with B-frames, which"
                                + " WebRTC cannot carry, and this server has no rendition ladder to transcode it; publish it"
                                + " without B-frames (e.g. x264 -bf 0 or a baseline profile)");
                    }
                    try { // the viewer plays the ladder's top rung (no B-frames) instead
                        lease[0] = ladder.acquire(stream);
                        playStream = lease[0].rungs().get(0).streamName();
                        tracks = hub.tracks(playStream).orElseThrow(() -> new IllegalStateException("rung not live"));
                    } catch (RuntimeException e) {
                        return SignalingResponse.error(503, "stream '" + stream + "' has H.264 with B-frames and its"
                                + " rendition ladder cannot start: " + e.getMessage());
                    }
                    v = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
                }
                List<RenditionLadder.Rung> layers = viewerCongestionControl && viewerRungSelection && !v.hasBFrames()
                        ? simulcastRungs(stream) : List.of();
                if (layers.size() > 1) {
                    rungs = layers; // a simulcast publisher's layers are the rungs: no transcoding
                } else if (lease[0] == null && ladder != null && viewerCongestionControl && viewerRungSelection) {
                    try { // per-viewer rung choice over the stream's shared ladder
                        lease[0] = ladder.acquire(stream);
                    } catch (RuntimeException e) {
                        log.debug("WHEP viewer of '{}' plays the stream itself: its rendition ladder cannot start: {}",
                                stream, e.toString());
                    }
                }
                nb.h264Profiles(profilesFor(v));
            }
            if (lease[0] != null && rungs == null) {
                List<RenditionLadder.Rung> all = lease[0].rungs();
                rungs = viewerCongestionControl && viewerRungSelection ? all : all.subList(0, 1);
            }
        } else {
            if (hub.tracks(stream).isPresent()) {
                return SignalingResponse.error(409, "stream '" + stream + "' is already being published");
            }
            // The publisher runs its own congestion control (libwebrtc's GCC in Chromium, OBS, FFmpeg's
            // WHIP muxer) on the transport-wide CC feedback this receiver sends when the offer has
            // transport-cc and the transport-wide sequence number extension (draft-holmer-rmcat-transport-
            // wide-cc-extensions-01). No REMB: this receiver has no receive-side estimator to put in it, so
            // an offer with goog-remb and without transport-cc gets loss-based control only. NACK and PLI
            // recover losses.
            nb.videoFeedback(List.of("transport-cc", "ccm fir", "nack", "nack pli")).audioFeedback(List.of("transport-cc"))
                    .extensions(List.of(io.sluice.webrtc.sdp.ExtMap.MID, io.sluice.webrtc.sdp.ExtMap.TRANSPORT_WIDE_CC))
                    .sframe(true); // SFrame ingest (draft-ietf-avtcore-rtp-sframe-02), published opaque
        }
        IceCredentials localIce = IceCredentials.random(RANDOM);
        String msid = stream.replace('/', '-'); // the msid stream id is a token (RFC 8830 §2): no '/'
        LocalTransport local = new LocalTransport(localIce,
                Fingerprint.parse(dtlsContext.certificate().fingerprint().toSdpValue()), candidates(), msid);
        NegotiatedSession negotiated;
        try {
            negotiated = nb.build().answer(offer, local);
        } catch (SdpNegotiationException e) {
            return SignalingResponse.error(406, "cannot negotiate: " + e.getMessage());
        } catch (RuntimeException e) {
            return SignalingResponse.error(400, "malformed SDP offer: " + e);
        }
        for (NegotiatedMedia m : negotiated.media()) {
            boolean sends = m.direction() == Direction.SENDONLY || m.direction() == Direction.SENDRECV;
            boolean receives = m.direction() == Direction.RECVONLY || m.direction() == Direction.SENDRECV;
            if (endpoint == WebRtcEndpoint.WHEP && !sends) {
                return SignalingResponse.error(400, "WHEP offer m-section mid=" + m.mid() + " must be recvonly or sendrecv"
                        + " (answer direction would be " + m.direction() + ")");
            }
            if (endpoint == WebRtcEndpoint.WHIP && !receives) {
                return SignalingResponse.error(400, "WHIP offer m-section mid=" + m.mid() + " must be sendonly or sendrecv"
                        + " (answer direction would be " + m.direction() + ")");
            }
        }
        if (endpoint == WebRtcEndpoint.WHIP && negotiated.media().stream().noneMatch(m -> m.kind() == MediaKind.VIDEO
                || m.kind() == MediaKind.AUDIO)) {
            return SignalingResponse.error(406, "WHIP offer has no audio or video");
        }
        String id = HexFormat.of().formatHex(randomBytes(16));
        IceLiteAgent agent = IceLiteAgent.builder().localCredentials(localIce).remoteCredentials(negotiated.remoteIce())
                .localAddress(udpAddress()).software("sluice").build();
        RtcSession session = endpoint == WebRtcEndpoint.WHEP
                ? new WhepSession(this, id, playStream, rungs != null ? rungs
                        : List.of(new RenditionLadder.Rung(playStream, 0, 0, 0, true)), negotiated, agent, dtlsContext,
                        udpChannel, setupTimeout, hub, transcoders)
                : new WhipSession(this, id, stream, negotiated, agent, dtlsContext, udpChannel, setupTimeout, hub);
        try {
            demux.register(localIce.ufrag(), session);
        } catch (IllegalStateException e) {
            return SignalingResponse.error(503, "too many sessions: " + e.getMessage());
        }
        String label = (endpoint == WebRtcEndpoint.WHEP ? "play '" : "publish '") + stream + "' over " + endpoint
                + " from " + (remote != null ? hostPort(remote) : "?");
        sessionLabels.put(id, label);
        sessions.put(id, session);
        if (offerer != null) {
            offerers.put(id, offerer);
        }
        sessionsCreated.incrementAndGet();
        log.info("{} started", label);
        try {
            udpChannel.eventLoop().execute(session::start);
        } catch (RuntimeException e) {
            sessionLabels.remove(id);
            offerers.remove(id);
            sessions.remove(id);
            demux.unregister(localIce.ufrag());
            return SignalingResponse.error(503, "server is shutting down");
        }
        if (lease[0] != null) {
            ladderLeases.put(id, lease[0]);
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Location", "/" + endpoint.path() + "/" + playStream + "/" + id); // the rung's, for a ladder viewer
        headers.put("ETag", etag(session));
        return new SignalingResponse(201, "application/sdp", negotiated.localDescription().toSdp(), headers);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String etag(RtcSession s) {
        return "\"" + s.ice.localCredentials().ufrag() + "\"";
    }

    private static List<H264Profile> profilesFor(TrackInfo video) {
        byte[] config = video.codecConfig();
        int profileIdc = config.length > 1 ? config[1] & 0xFF : 66;
        return switch (profileIdc) {
            case 100 -> List.of(H264Profile.HIGH, H264Profile.CONSTRAINED_HIGH, H264Profile.MAIN,
                    H264Profile.CONSTRAINED_BASELINE, H264Profile.BASELINE);
            case 77 -> List.of(H264Profile.MAIN, H264Profile.HIGH, H264Profile.CONSTRAINED_BASELINE, H264Profile.BASELINE);
            default -> List.of(H264Profile.CONSTRAINED_BASELINE, H264Profile.BASELINE, H264Profile.MAIN, H264Profile.HIGH);
        };
    }

    /**
     * Ends a session ({@code DELETE} on its location): {@code 200 OK}, or {@code 404} if unknown.
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc9725#section-4.2">RFC 9725 §4.2</a>
     */
    public SignalingResponse delete(WebRtcEndpoint endpoint, String stream, String sessionId) {
        RtcSession s = find(endpoint, stream, sessionId);
        if (s == null) {
            return SignalingResponse.error(404, "no such session");
        }
        s.loop.execute(() -> s.close("DELETE by client"));
        return SignalingResponse.empty(200);
    }

    /**
     * Handles {@code PATCH} on a session (RFC 9725 §4.3.1, trickle ICE and ICE restarts with
     * {@code application/trickle-ice-sdpfrag}, RFC 8840). The server is ICE-lite: the browser runs
     * the checks toward the server's candidates, so its trickled candidates are accepted and not
     * needed ({@code 204 No Content}). An ICE restart (new ufrag/pwd) is not supported
     * ({@code 405}, as for a server without restarts). Errors: 404 unknown session, 415 wrong media
     * type, 412 {@code If-Match} not matching the session's {@code ETag}.
     */
    public SignalingResponse patch(WebRtcEndpoint endpoint, String stream, String sessionId, String contentType,
                                   String ifMatch, String body) {
        RtcSession s = find(endpoint, stream, sessionId);
        if (s == null) {
            return SignalingResponse.error(404, "no such session");
        }
        if (contentType == null || !contentType.toLowerCase().startsWith("application/trickle-ice-sdpfrag")) {
            return SignalingResponse.error(415, "PATCH needs Content-Type: application/trickle-ice-sdpfrag (RFC 8840)");
        }
        if (ifMatch != null && !ifMatch.equals("*") && !ifMatch.equals(etag(s))) {
            return SignalingResponse.error(412, "If-Match " + ifMatch + " does not match the ICE session " + etag(s));
        }
        String ufrag = null;
        for (String line : (body == null ? "" : body).split("\r?\n")) {
            if (line.startsWith("a=ice-ufrag:")) {
                ufrag = line.substring("a=ice-ufrag:".length()).trim();
            }
        }
        if (ufrag != null && !ufrag.equals(s.ice.remoteCredentials().ufrag())) {
            return new SignalingResponse(405, "text/plain; charset=utf-8",
                    "ICE restarts are not supported; create a new session\n", Map.of("Allow", "DELETE, OPTIONS"));
        }
        return new SignalingResponse(204, null, "", Map.of("ETag", etag(s)));
    }

    /** Largest viewer report body, bytes; a report is a handful of numbers. */
    static final int MAX_VIEWER_REPORT_BYTES = 1024;

    /**
     * Takes a playback report from a WHEP viewer's page ({@code POST <session location>/report},
     * {@code application/json}, at most {@value #MAX_VIEWER_REPORT_BYTES} bytes), e.g.
     * {@code {"freezeCount":3,"totalFreezesDuration":1.25}} relayed from the browser's
     * {@code RTCInboundRtpStreamStats} (W3C webrtc-stats §8.6: counts since the session started, duration in
     * seconds). New freezes reach the hub as a {@link io.sluice.core.events.StreamEvent.ViewerFreeze}. The session's
     * unguessable location is the credential, as for {@code DELETE}. Counts that go backwards are ignored; at most
     * {@value WhepSession#MAX_FREEZES_PER_REPORT} new freezes count per report.
     *
     * @return 204, or 404 unknown session, 415 not JSON, 413 too large, 400 malformed or out-of-range numbers
     */
    public SignalingResponse viewerReport(String stream, String sessionId, String contentType, String body) {
        RtcSession s = find(WebRtcEndpoint.WHEP, stream, sessionId);
        if (!(s instanceof WhepSession whep)) {
            return SignalingResponse.error(404, "no such session");
        }
        SignalingResponse refused = refuseViewerJson("a viewer report", contentType, body);
        if (refused != null) {
            return refused;
        }
        long freezeCount = jsonNumber(body, "freezeCount", 1);
        long freezesUs = jsonNumber(body, "totalFreezesDuration", 1_000_000);
        if (freezeCount < 0 || freezesUs < 0) {
            return SignalingResponse.error(400, "viewer report: freezeCount and totalFreezesDuration must be numbers >= 0: "
                    + body.strip());
        }
        whep.onViewerReport(freezeCount, freezesUs);
        return SignalingResponse.empty(204);
    }

    /**
     * A WHEP viewer's manual rung choice ({@code POST <session location>/rung}, {@code application/json}, e.g.
     * {@code {"rung":1}} for the second-highest rung of {@link #viewerState}'s list, {@code {"rung":-1}} for
     * automatic, the default): the session switches at that rung's next keyframe and stays there until told
     * otherwise. The session's unguessable location is the credential, as for {@code DELETE}.
     *
     * @return 204, or 404 unknown session, 409 the session has nothing to choose from (one rung, or no per-viewer
     *         congestion control), 415 not JSON, 413 too large, 400 no integer {@code rung} in -1..rungs-1
     */
    public SignalingResponse viewerRung(String stream, String sessionId, String contentType, String body) {
        RtcSession s = find(WebRtcEndpoint.WHEP, stream, sessionId);
        if (!(s instanceof WhepSession whep)) {
            return SignalingResponse.error(404, "no such session");
        }
        SignalingResponse refused = refuseViewerJson("a rung choice", contentType, body);
        if (refused != null) {
            return refused;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"rung\"\\s*:\\s*(-?\\d{1,3})\\s*[,}]").matcher(body);
        int n = whep.rungs().size();
        if (!m.find() || Integer.parseInt(m.group(1)) < -1 || Integer.parseInt(m.group(1)) >= n) {
            return SignalingResponse.error(400, "rung choice: expected {\"rung\": -1.." + (n - 1) + "}, got " + body.strip());
        }
        if (!whep.chooseRung(Integer.parseInt(m.group(1)))) {
            return SignalingResponse.error(409, "this session plays one rung only");
        }
        return SignalingResponse.empty(204);
    }

    /**
     * A WHEP viewer's adaptation state as JSON ({@code GET <session location>/state}), for its page's charts:
     * {@code {"rungs":[{"stream":"live/x","width":1280,"height":720,"bitrate":2764800},...],"rung":0,"forced":-1,
     * "estimate":3100000,"pacingRate":3410000,"pacerDelayUs":1200,"switches":2,"paddingTrials":3,"failedTrials":1,
     * "framesDropped":0,"rtt":12000,...}}: rungs highest first, {@code rung} the index playing, {@code forced} the
     * manual choice or -1, {@code paddingTrials} the selector's padding trials before going up and how many of them
     * the path did not carry, bit/s and µs.
     *
     * @return 200 with the JSON, or 404 unknown session
     */
    public SignalingResponse viewerState(String stream, String sessionId) {
        RtcSession s = find(WebRtcEndpoint.WHEP, stream, sessionId);
        if (!(s instanceof WhepSession whep)) {
            return SignalingResponse.error(404, "no such session");
        }
        return new SignalingResponse(200, "application/json", whep.stateJson(), Map.of("Cache-Control", "no-store"));
    }

    /** 415 for a body that is not JSON, 413 for one over {@value #MAX_VIEWER_REPORT_BYTES} bytes, else null. */
    private static SignalingResponse refuseViewerJson(String what, String contentType, String body) {
        if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return SignalingResponse.error(415, what + " needs Content-Type: application/json (got " + contentType + ")");
        }
        if (body == null || body.length() > MAX_VIEWER_REPORT_BYTES) {
            return SignalingResponse.error(413, what + " is at most " + MAX_VIEWER_REPORT_BYTES + " bytes");
        }
        return null;
    }

    /**
     * The number under {@code "key"} in a flat JSON object, times {@code scale}, rounded down; 0 when the key is
     * absent, -1 when its value is not a finite number in 0..2^53.
     */
    static long jsonNumber(String json, String key, long scale) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key)
                + "\"\\s*:\\s*([^,}\\s]*)").matcher(json);
        if (!m.find()) {
            return 0;
        }
        try {
            double v = Double.parseDouble(m.group(1));
            return Double.isFinite(v) && v >= 0 && v <= 9.007199254740992E15 ? (long) Math.min(Long.MAX_VALUE, v * scale) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private RtcSession find(WebRtcEndpoint endpoint, String stream, String sessionId) {
        RtcSession s = sessionId == null ? null : sessions.get(sessionId);
        if (s == null || s.endpoint != endpoint || !s.stream.equals(stream)) {
            return null;
        }
        return s;
    }

    // ------------------------------------------------------------------ UDP (on the UDP event loop)

    /**
     * Routes one datagram from the shared UDP socket (RFC 7983 first byte, then ufrag or address).
     * Called by the UDP adapter on the UDP event loop. Datagrams no session claims are counted and
     * dropped.
     *
     * @param from     the datagram's source
     * @param datagram borrowed: not released here (SRTP may unprotect it in place)
     */
    public void handleDatagram(InetSocketAddress from, ByteBuf datagram) {
        switch (PacketDemux.classify(datagram)) {
            case STUN -> {
                RtcSession s = demux.route(from, datagram);
                if (s == null) {
                    droppedUnknownStun.incrementAndGet();
                } else {
                    s.handleStun(from, datagram);
                }
            }
            case DTLS -> {
                RtcSession s = demux.route(from, datagram);
                if (s == null) {
                    droppedUnknownAddress.incrementAndGet();
                } else {
                    s.handleDtls(from, datagram);
                }
            }
            case RTP -> {
                RtcSession s = demux.route(from, datagram);
                if (s == null) {
                    droppedUnknownAddress.incrementAndGet();
                } else {
                    s.handleSrtp(from, datagram);
                }
            }
            case RTCP -> {
                RtcSession s = demux.route(from, datagram);
                if (s == null) {
                    droppedUnknownAddress.incrementAndGet();
                } else {
                    s.handleSrtcp(from, datagram);
                }
            }
            default -> droppedOther.incrementAndGet();
        }
    }

    void bindAddress(InetSocketAddress from, String ufrag) {
        demux.bindAddress(from, ufrag);
    }

    void countDroppedUnknownAddress() {
        droppedUnknownAddress.incrementAndGet();
    }

    void countSrtpDropped() {
        srtpDropped.incrementAndGet();
    }

    // ------------------------------------------------------------------ shared audio transcoding (WHEP)

    /**
     * The shared transcoding of {@code stream}'s audio {@code track} to Opus, with {@code listener}
     * added: made (subscribed, thread started) for the first viewer, reused by the next ones.
     *
     * @return the relay to hand to {@link #releaseAudioRelay}, or null without a transcoder factory
     */
    AudioTranscodeRelay acquireAudioRelay(String stream, TrackInfo track, AudioTranscodeRelay.Listener listener) {
        if (transcoders == null) {
            return null;
        }
        String key = stream + "#" + track.trackId();
        synchronized (relayLock) {
            if (closed) {
                return null;
            }
            AudioTranscodeRelay r = audioRelays.get(key);
            if (r == null || r.isEnded()) {
                r = new AudioTranscodeRelay(this, key, stream, track, transcoders);
                audioRelays.put(key, r);
                r.start(hub);
            }
            r.addListener(listener);
            return r;
        }
    }

    /** Removes {@code listener}; the relay ends with its last listener. */
    void releaseAudioRelay(AudioTranscodeRelay relay, AudioTranscodeRelay.Listener listener) {
        synchronized (relayLock) {
            if (relay.removeListener(listener)) {
                relay.end();
            }
        }
    }

    /** Called by a relay as it ends (any thread, possibly under a hub stream lock). */
    void relayEnded(AudioTranscodeRelay relay) {
        audioRelays.remove(relay.key(), relay);
    }

    /** Live shared audio transcodings (for tests and monitoring). */
    int audioTranscodings() {
        return audioRelays.size();
    }

    void onSessionClosed(RtcSession s) {
        if (sessions.remove(s.id, s)) {
            offerers.remove(s.id);
        }
        String label = sessionLabels.remove(s.id);
        if (label != null) {
            log.info("{} {}", label, label.startsWith("play") ? "stopped" : "ended");
        }
        RenditionLadder.Lease lease = ladderLeases.remove(s.id);
        if (lease != null) {
            lease.close(); // the last viewer of a rung stops the ladder
        }
        demux.unregister(s.ice.localCredentials().ufrag());
    }

    /** Sessions offered from {@code address} whose DTLS is not connected yet. */
    private int pendingSessionsFrom(InetAddress address) {
        int n = 0;
        for (Map.Entry<String, InetAddress> e : offerers.entrySet()) {
            RtcSession s = sessions.get(e.getKey());
            if (s != null && !s.connected && e.getValue().equals(address)) {
                n++;
            }
        }
        return n;
    }

    /**
     * On the UDP loop: closes sessions that, {@link Builder#iceTimeout} after their offer, have
     * neither sent a DTLS datagram from an ICE-checked address nor nominated a pair.
     */
    private void expirePendingSessions() {
        long now = ticker.nanoTime();
        for (RtcSession s : sessions.values()) {
            if (!s.closed && !s.connected && now - s.createdNanos > iceTimeoutNanos
                    && !s.timeline.reached(SessionTimeline.Step.DTLS_FIRST_RECEIVED)
                    && !s.timeline.reached(SessionTimeline.Step.ICE_NOMINATED)) {
                pendingExpired.incrementAndGet();
                s.close("ICE timeout: no ICE check and no DTLS from the peer within " + iceTimeoutNanos / 1_000_000 + " ms");
            }
        }
    }

    /**
     * Takes one of the {@link Builder#maxDtlsHandshakes} permits for a session about to start its
     * DTLS handshake thread; give it back with {@link #dtlsHandshakeEnded()}.
     *
     * @return {@code false} when all are taken (the session drops the datagram; the peer retransmits)
     */
    boolean tryStartDtlsHandshake() {
        return dtlsHandshakes.tryAcquire();
    }

    /** Gives back a permit taken by {@link #tryStartDtlsHandshake()}. */
    void dtlsHandshakeEnded() {
        dtlsHandshakes.release();
    }

    /** HTTP connection limits and counters (for tests and monitoring). */
    HttpConnectionGuard.Limits httpLimits() {
        return httpLimits;
    }

    /** Sessions closed by the ICE timeout since start. */
    long pendingSessionsExpired() {
        return pendingExpired.get();
    }

    /**
     * Checks and resolves the address of an {@linkplain Builder#additionalHostCandidate additional host candidate}.
     *
     * @param host an IP address literal or a name, resolved now
     * @param port 1..65535, or 0 for the bound UDP port
     * @return the resolved address
     * @throws IllegalArgumentException if the port is out of range or the name does not resolve
     */
    public static InetSocketAddress candidateAddress(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("ICE candidate port: " + port + " (expected: 1..65535, or 0 for the bound port)");
        }
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("ICE candidate host: '" + host + "' does not resolve");
        }
        return a;
    }

    private List<IceCandidate> candidates() {
        int port = udpChannel != null ? ((InetSocketAddress) udpChannel.localAddress()).getPort() : 0;
        List<IceCandidate> list = new ArrayList<>();
        int pref = 65535;
        for (InetSocketAddress a : hostCandidates) {
            list.add(IceCandidate.host(new InetSocketAddress(a.getAddress(), a.getPort() == 0 ? port : a.getPort()),
                    pref--));
        }
        return list;
    }

    private void checkStarted() {
        if (!started || udpChannel == null || httpChannel == null) {
            throw new IllegalStateException("server not started");
        }
    }

    /**
     * Closes every session, the sockets and the event loops, and waits (up to 5 s) for them to end.
     * Idempotent.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (udpChannel != null && udpChannel.eventLoop() != null) {
            CountDownLatch done = new CountDownLatch(1);
            try {
                udpChannel.eventLoop().execute(() -> {
                    try {
                        for (RtcSession s : List.copyOf(sessions.values())) {
                            s.close("server closed");
                        }
                    } finally {
                        done.countDown();
                    }
                });
                done.await(5, TimeUnit.SECONDS);
            } catch (RuntimeException | InterruptedException e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (String id : List.copyOf(ladderLeases.keySet())) { // sessions that did not close in time
            RenditionLadder.Lease lease = ladderLeases.remove(id);
            if (lease != null) {
                lease.close();
            }
        }
        List<AudioTranscodeRelay> relays;
        synchronized (relayLock) { // no relay is made after this: acquireAudioRelay checks closed
            relays = List.copyOf(audioRelays.values());
        }
        for (AudioTranscodeRelay r : relays) {
            r.end();
        }
        for (AudioTranscodeRelay r : relays) {
            try {
                r.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (httpChannel != null) {
            httpChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (udpChannel != null) {
            udpChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : new EventLoopGroup[] {httpGroup, udpGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
    }

    /** Configures a {@link WebRtcServer}. Setters validate at once; not thread-safe. */
    public static final class Builder {
        private final StreamHub hub;
        private InetSocketAddress udpBind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private List<InetSocketAddress> hostCandidates = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        private final List<InetSocketAddress> additionalCandidates = new ArrayList<>();
        private InetSocketAddress httpBind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        private DtlsContext dtlsContext;
        private int maxSessions = DEFAULT_MAX_SESSIONS;
        private Duration setupTimeout = DEFAULT_SETUP_TIMEOUT;
        private Ticker ticker = Ticker.system();
        private Duration keyframeRequestInterval = KeyframeRequestThrottle.DEFAULT_INTERVAL;
        private boolean viewerCongestionControl = true;
        private boolean viewerRungSelection = true;
        private boolean viewerPlayoutDelay;
        private int maxSdpBytes = DEFAULT_MAX_SDP_BYTES;
        private int maxHttpConnections = DEFAULT_MAX_HTTP_CONNECTIONS;
        private int maxHttpConnectionsPerAddress = DEFAULT_MAX_HTTP_CONNECTIONS_PER_ADDRESS;
        private Duration httpRequestTimeout = DEFAULT_HTTP_REQUEST_TIMEOUT;
        private Duration httpIdleTimeout = DEFAULT_HTTP_IDLE_TIMEOUT;
        private int maxPendingSessionsPerAddress = DEFAULT_MAX_PENDING_SESSIONS_PER_ADDRESS;
        private Duration iceTimeout = DEFAULT_ICE_TIMEOUT;
        private int maxDtlsHandshakes = DEFAULT_MAX_DTLS_HANDSHAKES;
        private StreamAuthorizer authorizer = StreamAuthorizer.ALLOW_ALL;
        private String corsAllowOrigin = "*";
        private FrameTranscoderFactory transcoders;
        private SslContext httpTls;
        private RenditionLadder ladder;
        private final List<Supplier<? extends ChannelHandler>> httpHandlers = new ArrayList<>();
        private final Map<String, String> playerLinks = new LinkedHashMap<>();

        private Builder(StreamHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
        }

        /**
         * The UDP socket every session's media uses; port 0 picks a free one. Default 127.0.0.1:0.
         * Bind {@code 0.0.0.0} (and set {@link #hostCandidates}) to serve other machines.
         */
        public Builder udpBind(InetSocketAddress address) {
            this.udpBind = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The host candidates advertised in answers (RFC 8445 §5.1.1.1), in priority order. A port of 0
         * means the bound UDP port; another port advertises a relay or a port mapping in front of it.
         * Default: 127.0.0.1 (loopback, for tests and a local browser).
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder hostCandidates(List<InetSocketAddress> candidates) {
            Objects.requireNonNull(candidates, "candidates");
            if (candidates.isEmpty()) {
                throw new IllegalArgumentException("hostCandidates: [] (expected: at least one)");
            }
            this.hostCandidates = List.copyOf(candidates);
            return this;
        }

        /**
         * Advertises one more host candidate (RFC 8839 §5.1 {@code a=candidate}, type host) in every SDP
         * answer, after the {@linkplain #hostCandidates host candidates}: the address a peer reaches this
         * server's UDP socket at through a 1:1 NAT, a port forwarding or a relay (the server is ICE-lite
         * and answers each connectivity check from wherever it came, so the path works as soon as the
         * forwarded datagrams arrive at the bound socket). Repeatable, at most
         * {@value #MAX_ADDITIONAL_CANDIDATES}.
         *
         * @param host an IP address literal or a name resolved now (answers carry the address)
         * @param port the UDP port the peer sends to, 1..65535, or 0 for the bound UDP port
         * @throws IllegalArgumentException if the port is out of range, the name does not resolve, or
         *                                  there are already {@value #MAX_ADDITIONAL_CANDIDATES}
         */
        public Builder additionalHostCandidate(String host, int port) {
            InetSocketAddress a = candidateAddress(host, port);
            if (additionalCandidates.size() >= MAX_ADDITIONAL_CANDIDATES) {
                throw new IllegalArgumentException("additionalHostCandidate: more than " + MAX_ADDITIONAL_CANDIDATES);
            }
            additionalCandidates.add(a);
            return this;
        }

        /**
         * Advertises {@code addresses} with the bound UDP port (one per interface to serve).
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder hostAddresses(List<InetAddress> addresses) {
            return hostCandidates(addresses.stream().map(a -> new InetSocketAddress(a, 0)).toList());
        }

        /** The HTTP listener (WHEP, WHIP, pages); port 0 picks a free one. Default 127.0.0.1:0. */
        public Builder httpBind(InetSocketAddress address) {
            this.httpBind = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The DTLS certificate and SRTP profiles. Default: a fresh ECDSA P-256 certificate. */
        public Builder dtlsContext(DtlsContext context) {
            this.dtlsContext = Objects.requireNonNull(context, "context");
            return this;
        }

        /**
         * Most concurrent sessions (WHEP + WHIP); more offers get 503. Default 100.
         *
         * @throws IllegalArgumentException outside 1..100000
         */
        public Builder maxSessions(int maxSessions) {
            if (maxSessions < 1 || maxSessions > 100_000) {
                throw new IllegalArgumentException("maxSessions: " + maxSessions + " (expected: 1..100000)");
            }
            this.maxSessions = maxSessions;
            return this;
        }

        /**
         * How long a session may take from its offer to a connected DTLS association before it is
         * closed. Default 15 s.
         *
         * @throws IllegalArgumentException unless 100 ms..10 min
         */
        public Builder setupTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.toMillis() < 100 || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("setupTimeout: " + timeout + " (expected: 100 ms..10 min)");
            }
            this.setupTimeout = timeout;
            return this;
        }

        /**
         * Largest SDP offer (and HTTP body) accepted, bytes. Default 64 KiB.
         *
         * @throws IllegalArgumentException outside 1024..1 MiB
         */
        public Builder maxSdpBytes(int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxSdpBytes: " + bytes + " (expected: 1024..1048576)");
            }
            this.maxSdpBytes = bytes;
            return this;
        }

        /**
         * Most open HTTP connections; one more gets {@code 503} and is closed before any of its
         * bytes are read. Default 256.
         *
         * @throws IllegalArgumentException outside 1..1000000
         */
        public Builder maxHttpConnections(int count) {
            this.maxHttpConnections = inRange("maxHttpConnections", count, 1, 1_000_000);
            return this;
        }

        /**
         * Most open HTTP connections from one client IP address; one more gets {@code 503} and is
         * closed. Default 16 (a browser opens up to 6 per origin).
         *
         * @throws IllegalArgumentException outside 1..1000000
         */
        public Builder maxHttpConnectionsPerAddress(int count) {
            this.maxHttpConnectionsPerAddress = inRange("maxHttpConnectionsPerAddress", count, 1, 1_000_000);
            return this;
        }

        /**
         * Longest time from the first byte of an HTTP request to its response (headers or a body
         * sent slowly); the connection is then closed without a response. Default 10 s.
         *
         * @throws IllegalArgumentException unless 100 ms..10 min
         */
        public Builder httpRequestTimeout(Duration timeout) {
            this.httpRequestTimeout = between("httpRequestTimeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            return this;
        }

        /**
         * Longest time a kept-alive HTTP connection may wait for its next request before it is
         * closed. Default 30 s.
         *
         * @throws IllegalArgumentException unless 100 ms..1 h
         */
        public Builder httpIdleTimeout(Duration timeout) {
            this.httpIdleTimeout = between("httpIdleTimeout", timeout, Duration.ofMillis(100), Duration.ofHours(1));
            return this;
        }

        /**
         * Most sessions offered from one client IP address that wait for ICE/DTLS (not connected
         * yet); one more offer gets {@code 503} with {@code Retry-After}. Connected sessions do not
         * count. Default 8.
         *
         * @throws IllegalArgumentException outside 1..100000
         */
        public Builder maxPendingSessionsPerAddress(int count) {
            this.maxPendingSessionsPerAddress = inRange("maxPendingSessionsPerAddress", count, 1, 100_000);
            return this;
        }

        /**
         * Longest time from the offer to the peer's first DTLS datagram from an ICE-checked address
         * (or its nomination of a pair); a session without either is closed. Browsers take tens of
         * milliseconds. The whole setup is bounded by {@link #setupTimeout}. Default 5 s.
         *
         * @throws IllegalArgumentException unless 100 ms..10 min
         */
        public Builder iceTimeout(Duration timeout) {
            this.iceTimeout = between("iceTimeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(10));
            return this;
        }

        /**
         * Most DTLS handshakes in progress at once, each on its own thread; a peer's ClientHello that
         * finds none free is dropped (it retransmits, RFC 6347 §4.2.4). Default 32.
         *
         * @throws IllegalArgumentException outside 1..10000
         */
        public Builder maxDtlsHandshakes(int count) {
            this.maxDtlsHandshakes = inRange("maxDtlsHandshakes", count, 1, 10_000);
            return this;
        }

        private static int inRange(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
            }
            return value;
        }

        private static Duration between(String name, Duration value, Duration min, Duration max) {
            Objects.requireNonNull(value, name);
            if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
            }
            return value;
        }

        /**
         * Mounts more HTTP routes on the server's HTTP port (e.g. {@code io.sluice.metrics.ObservabilityHttpHandler}
         * for {@code /metrics} and {@code /api/v1}): {@code handler} sees every aggregated
         * {@code FullHttpRequest} before the WHIP/WHEP routes and passes on those it does not answer.
         * It must be {@link io.netty.channel.ChannelHandler.Sharable} (one instance serves every
         * connection). The same as {@code httpHandler(() -> handler)}: see {@link #httpHandler} for the
         * pipeline order and who releases each request.
         *
         * @throws IllegalArgumentException if {@code handler} is not {@code @Sharable}
         */
        public Builder httpRoute(io.netty.channel.ChannelHandler handler) {
            Objects.requireNonNull(handler, "handler");
            if (!handler.getClass().isAnnotationPresent(io.netty.channel.ChannelHandler.Sharable.class)) {
                throw new IllegalArgumentException("httpRoute: " + handler.getClass().getName() + " (expected: a @Sharable handler)");
            }
            return httpHandler(() -> handler);
        }

        /**
         * Who may play (WHEP) and publish (WHIP) which stream; the client's token is its
         * {@code Authorization: Bearer} value (RFC 6750 §2.1). Refusals are answered {@code 401} with
         * {@code WWW-Authenticate: Bearer} (no or bad token) or {@code 403}. Default
         * {@link StreamAuthorizer#ALLOW_ALL}.
         *
         * @see io.sluice.core.auth.TokenAuthorizer
         */
        public Builder authorizer(StreamAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /**
         * The {@code Access-Control-Allow-Origin} value on every response, so that pages from this
         * origin may use WHEP/WHIP. Default {@code "*"}.
         *
         * @throws IllegalArgumentException if blank
         */
        public Builder corsAllowOrigin(String origin) {
            Objects.requireNonNull(origin, "origin");
            if (origin.isBlank()) {
                throw new IllegalArgumentException("corsAllowOrigin: '' (expected: an origin or *)");
            }
            this.corsAllowOrigin = origin;
            return this;
        }

        /**
         * Converts audio that WebRTC cannot carry (AAC from RTMP) to Opus for WHEP viewers: one
         * transcoder per (stream, audio track), shared by all its viewers, on its own thread (started
         * with the first viewer, ended with the last or with the publication). Default none: such
         * streams play video only.
         */
        public Builder transcoderFactory(FrameTranscoderFactory factory) {
            this.transcoders = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Transcodes H.264 with B-frames (OBS's default x264 settings; WebRTC cannot carry it) for WHEP viewers:
         * such a viewer plays the top rung of the stream's shared ladder (same size, no B-frames), started with
         * the first such viewer and stopped after the last (e.g. the codec module's {@code FfmpegRenditionLadder}
         * over the same hub). Default none: those offers get 406 naming B-frames.
         */
        public Builder renditionLadder(RenditionLadder ladder) {
            this.ladder = Objects.requireNonNull(ladder, "ladder");
            return this;
        }

        /** The time source of every session's engine, ICE agent and timers; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Serves HTTPS instead of HTTP (pages, WHIP/WHEP signalling) with this context, from
         * {@code SslContextBuilder.forServer(...)}; browsers need a secure origin for the camera of
         * {@code /publish}. Built with {@code .applicationProtocolConfig(HttpServerPipeline.ALPN)}, it offers
         * HTTP/2 ({@code h2}) beside HTTP/1.1; without, HTTPS is HTTP/1.1 only. Default: plain HTTP (HTTP/1.1
         * and h2c).
         *
         * @throws IllegalArgumentException if {@code sslContext} is a client context
         */
        public Builder tls(SslContext sslContext) {
            if (!Objects.requireNonNull(sslContext, "sslContext").isServer()) {
                throw new IllegalArgumentException("sslContext: a client context (expected: SslContextBuilder.forServer)");
            }
            this.httpTls = sslContext;
            return this;
        }

        /**
         * Minimum spacing of keyframe requests per session (the one {@link KeyframeRequestThrottle} policy:
         * WHEP forwards a viewer's PLI/FIR to the publisher at most this often, WHIP sends PLI at most this
         * often), 0..10 s; default {@link KeyframeRequestThrottle#DEFAULT_INTERVAL}.
         */
        public Builder keyframeRequestInterval(Duration interval) {
            this.keyframeRequestInterval = RtpSession.checkKeyframeRequestInterval(interval);
            return this;
        }

        /**
         * Whether each WHEP viewer gets its own congestion control: send-side GCC
         * ({@link io.sluice.abr.gcc.GccNetworkController}) from the browser's transport-wide CC feedback
         * (draft-holmer-rmcat-transport-wide-cc-extensions-01), or from REMB and receiver reports when that is all
         * the browser offers, and a pacer at its rate that the join (the GOP cache) and retransmissions go through.
         * Default {@code true}; {@code false} sends every viewer the stream as it comes, unpaced (the behaviour
         * before per-viewer adaptation, kept for comparison in benchmarks).
         */
        public Builder viewerCongestionControl(boolean enabled) {
            this.viewerCongestionControl = enabled;
            return this;
        }

        /**
         * Whether each WHEP viewer plays the rung of the stream's {@link #renditionLadder} that its own estimate
         * carries (with {@link #viewerCongestionControl}): the first viewer of a stream starts the stream's shared
         * ladder (one transcode for all viewers and HLS/DASH), and each viewer switches rungs at their keyframes as
         * its estimate moves, probing before each step up ({@link io.sluice.abr.rate.RungSelector}); the browser
         * sees one continuous stream. A stream published over WHIP with simulcast (RFC 8853) offers its layers as the
         * rungs instead, with no transcoding. Default {@code true}; without a ladder or simulcast, or with
         * {@code false}, viewers play the stream itself (its ladder's top rung if it has B-frames).
         */
        public Builder viewerRungSelection(boolean enabled) {
            this.viewerRungSelection = enabled;
            return this;
        }

        /**
         * Experimental: whether WHEP answers accept the playout-delay RTP header extension
         * ({@code http://www.webrtc.org/experiments/rtp-hdrext/playout-delay}, {@link io.sluice.webrtc.sdp.ExtMap#PLAYOUT_DELAY})
         * and each viewer's video packets carry, as the minimum playout delay, the buffer its keyframes need at the
         * rung's pacing floor (with {@link #viewerCongestionControl}). Without it the player page asks Chromium for
         * the same buffer through {@code RTCRtpReceiver.jitterBufferTarget}. Default {@code false}: Chromium held the
         * minimum in some runs (one freeze in 25 s behind a 1.4 × bottleneck, against 9-11 without) and not in
         * others, for reasons not understood yet.
         */
        public Builder viewerPlayoutDelay(boolean enabled) {
            this.viewerPlayoutDelay = enabled;
            return this;
        }

        /**
         * Mounts another HTTP handler on this server's port, e.g. HLS/DASH delivery or metrics. The port is
         * built by {@link HttpServerPipeline}: {@code HttpConnectionGuard} (connection, request and idle
         * bounds) → TLS (if {@link #tls}) → HTTP/1.1, or HTTP/2 (ALPN {@code h2}; h2c by upgrade or prior
         * knowledge) with one child channel per stream → aggregator (bodies above {@link #maxSdpBytes} get
         * 413) → the mounted handlers, in the order of these calls → the WebRTC handler (WHIP/WHEP, pages).
         * So mounted handlers see only bounded, decrypted, aggregated HTTP/1-style requests whichever protocol
         * carried them, and the server's bounds apply to them too.
         *
         * <p>A mounted handler receives each request as a {@link io.netty.handler.codec.http.FullHttpRequest}
         * (and the connection's other events). For a request it answers, it owns the message and must release
         * it; every other request it must pass on unchanged and unreleased ({@code ctx.fireChannelRead(msg)}),
         * so that the next mounted handler and finally the WebRTC handler get it (which then owns it).
         * Routes it answers shadow the WebRTC handler's; mount only disjoint prefixes (e.g. {@code /hls/}).
         *
         * @param handler called once per HTTP/1.1 connection and once per HTTP/2 stream, on the HTTP event loop; it may return one
         *                {@link io.netty.channel.ChannelHandler.Sharable} instance every time, or a new one;
         *                it must not return {@code null} (the connection is then closed)
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder httpHandler(Supplier<? extends ChannelHandler> handler) {
            httpHandlers.add(Objects.requireNonNull(handler, "handler"));
            return this;
        }

        /**
         * Links the index ({@code /}) and the player page ({@code /watch/<stream>}) show beside WebRTC for each
         * stream, e.g. {@code playerLink("HLS", "/hls/{stream}/player.html")} for a mounted
         * {@link #httpHandler} that serves it; in call order.
         *
         * @param label        the link text
         * @param pathTemplate an absolute path with {@code {stream}} where the stream name goes
         * @throws IllegalArgumentException if the label is blank or the template does not start with {@code /}
         *                                  or lacks {@code {stream}}
         */
        public Builder playerLink(String label, String pathTemplate) {
            if (Objects.requireNonNull(label, "label").isBlank()) {
                throw new IllegalArgumentException("playerLink: blank label");
            }
            if (!Objects.requireNonNull(pathTemplate, "pathTemplate").startsWith("/") || !pathTemplate.contains("{stream}")) {
                throw new IllegalArgumentException("playerLink: '" + pathTemplate + "' (expected: /...{stream}...)");
            }
            playerLinks.put(label, pathTemplate);
            return this;
        }

        /** Builds the server; call {@link WebRtcServer#start()} next. */
        public WebRtcServer build() {
            return new WebRtcServer(this);
        }
    }
}
