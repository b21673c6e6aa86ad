package io.sluice.webrtc.whip.client;

import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.feedback.KeyframeRequestThrottle;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.time.Ticker;
import io.sluice.webrtc.session.RtpSession;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.util.function.Supplier;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Publishes encoded H.264 and Opus to a WHIP server (an SFU, a CDN ingest, Sluice's own endpoint):
 * HTTP POST of an SDP offer (RFC 9725 §4.2), full ICE as the controlling agent over real UDP sockets
 * (RFC 8445, host and server-reflexive candidates), DTLS-SRTP (RFC 5764), RTP packetization
 * (RFC 6184 packetization-mode 1, RFC 7587), NACK with RTX (RFC 4588), PLI/FIR, REMB and
 * transport-cc feedback, sender reports every second, consent freshness (RFC 7675), and DELETE of
 * the session resource on {@link #close()}.
 *
 * <pre>{@code
 * WhipTransport whip = WhipTransport.builder(URI.create("https://sfu.example/whip/live"))
 *         .bearerToken(token)
 *         .stunServer("stun:stun.example.net:3478")
 *         .build();
 * StreamPipeline.builder().source(src).transport(whip).build().start();
 * }</pre>
 *
 * <p><b>Threads.</b> {@link #open} does the HTTP exchange on the caller's thread and returns once
 * the answer is accepted; ICE, DTLS and all sending then run on one dedicated I/O thread per
 * transport (plus Bouncy Castle's handshake thread), and the transport reports
 * {@link TransportState#CONNECTED} when SRTP keys exist. Frames {@link #send sent} before then are
 * held in a bounded GOP-aware queue and video resumes at a keyframe. {@link #send} never blocks.
 *
 * <p><b>End-to-end encrypted tracks.</b> A track marked {@linkplain TrackInfo#isOpaque() opaque} (an SFrame
 * whole-frame ciphertext per frame, e.g. from {@code SframeEncryptor} in whole-frame framing, and Opus from
 * any SFrame encryptor) is sent in the SFrame RTP payload format, per-frame (draft-ietf-avtcore-rtp-sframe-02
 * §5.1.1, T = 0): its m-section is offered with {@code a=sframe} (§6) and, for video, the Video Frame
 * Marking header extension (RFC 9626), whose I bit tells the server which encrypted frames are keyframes.
 * If the answer rejects either, {@link #open} fails with a {@link TransportException} saying the server does
 * not accept SFrame; nothing is sent in clear instead.
 *
 * <p>Not implemented: ICE restart (consent loss means {@link TransportState#FAILED}), TURN, simulcast,
 * server-side trickle ICE (the answer must carry the server's candidates).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9725">RFC 9725 (WHIP)</a>
 */
public final class WhipTransport implements Transport {
    /** Default bound of each HTTP request. */
    public static final Duration DEFAULT_HTTP_TIMEOUT = Duration.ofSeconds(10);
    /** Default time from the answer to a selected ICE pair. */
    public static final Duration DEFAULT_ICE_TIMEOUT = Duration.ofSeconds(10);
    /** Default DTLS handshake timeout. */
    public static final Duration DEFAULT_DTLS_TIMEOUT = Duration.ofSeconds(10);
    /** Default maximum RTP payload, octets. */
    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 1200;
    /** Default time sent packets stay retransmittable. */
    public static final Duration DEFAULT_PACKET_HISTORY = Duration.ofSeconds(1);
    /** Default frames held while connecting or when the I/O thread is behind. */
    public static final int DEFAULT_QUEUE_FRAMES = 256;

    private final URI uri;
    private final URI httpEndpoint;
    private final String bearerToken;
    private final List<URI> stunServers;
    private final List<InetAddress> hostAddresses;
    private final Duration httpTimeout;
    private final Duration iceTimeout;
    private final Duration dtlsTimeout;
    private final int maxPayloadBytes;
    private final Duration packetHistory;
    private final int queueFrames;
    private final String streamId;
    private final Ticker ticker;
    private final Duration keyframeRequestInterval;
    private final Supplier<? extends NetworkController> networkController;
    private final TargetRateConstraints targetRateConstraints;

    private final Object lock = new Object();
    private WhipConnection connection; // guarded by lock
    private boolean opened; // guarded by lock
    private boolean closed; // guarded by lock

    private WhipTransport(Builder b, URI httpEndpoint, List<InetAddress> hosts) {
        this.uri = b.uri;
        this.httpEndpoint = httpEndpoint;
        this.bearerToken = b.bearerToken;
        this.stunServers = List.copyOf(b.stunServers);
        this.hostAddresses = List.copyOf(hosts);
        this.httpTimeout = b.httpTimeout;
        this.iceTimeout = b.iceTimeout;
        this.dtlsTimeout = b.dtlsTimeout;
        this.maxPayloadBytes = b.maxPayloadBytes;
        this.packetHistory = b.packetHistory;
        this.queueFrames = b.queueFrames;
        this.streamId = b.streamId;
        this.ticker = b.ticker;
        this.keyframeRequestInterval = b.keyframeRequestInterval;
        this.networkController = b.networkController;
        this.targetRateConstraints = b.targetRateConstraints;
    }

    /**
     * A builder for a WHIP endpoint.
     *
     * @param endpoint {@code whip+https://…}, {@code whip+http://…}, {@code https://…} or {@code http://…}
     * @throws IllegalArgumentException if the scheme is none of these or the URI has no host
     */
    public static Builder builder(URI endpoint) {
        return new Builder(endpoint);
    }

    @Override
    public URI uri() {
        return uri;
    }

    /** H.264 for video, Opus for audio: what browsers and SFUs take over WebRTC. */
    @Override
    public List<Codec> acceptedCodecs(MediaType mediaType) {
        return mediaType == MediaType.VIDEO ? List.of(Codec.H264) : List.of(Codec.OPUS);
    }

    /**
     * POSTs the offer and checks the answer on the calling thread (bounded by the HTTP timeout),
     * then connects ICE and DTLS in the background; progress goes to {@code feedback}
     * ({@code CONNECTING}, then {@code CONNECTED} or {@code FAILED} with a {@link TransportException}).
     *
     * @param tracks at most one H.264 video track (without B-frames) and one Opus audio track; opaque
     *               tracks are offered as SFrame (see the class doc)
     * @throws TransportException    naming the URI and the step: unsupported tracks, sockets, HTTP
     *                               status other than 201 (with the start of the server's body), no
     *                               Location, an SDP answer that cannot be parsed or negotiated (among
     *                               them an answer that does not accept SFrame for an opaque track)
     * @throws IllegalStateException if called twice or after {@link #close()}
     */
    @Override
    public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
        Objects.requireNonNull(feedback, "feedback");
        synchronized (lock) {
            if (opened || closed) {
                throw new IllegalStateException("open: transport " + (closed ? "closed" : "already open"));
            }
            opened = true;
        }
        TrackInfo video = null;
        TrackInfo audio = null;
        for (TrackInfo t : tracks) {
            if (t.isVideo() && video == null && t.codec() == Codec.H264) {
                if (t.hasBFrames()) {
                    throw new TransportException(uri, "open: H.264 track #" + t.trackId()
                            + " has B-frames, which WebRTC receivers do not reorder; re-encode it (drop copy mode)");
                }
                video = t;
            } else if (t.isAudio() && audio == null && t.codec() == Codec.OPUS) {
                audio = t;
            } else {
                throw new TransportException(uri, "open: cannot carry track " + t
                        + " (expected: at most one H264 video and one OPUS audio track)");
            }
        }
        if (video == null && audio == null) {
            throw new TransportException(uri, "open: no track to send");
        }
        feedback.onStateChanged(TransportState.CONNECTING, null);
        WhipConnection c = new WhipConnection(this, video, audio, feedback);
        synchronized (lock) {
            if (closed) {
                c.close();
                throw new TransportException(uri, "open: closed while opening");
            }
            connection = c;
        }
        try {
            c.connect();
        } catch (RuntimeException e) {
            synchronized (lock) {
                connection = null;
            }
            c.abort();
            throw e;
        }
    }

    /**
     * Queues one frame for the I/O thread and returns at once.
     *
     * @param frame H.264 (AVCC) or Opus; ownership passes to the transport, released also when dropped
     * @return {@code false} if the frame was dropped (queue full, GOP-aware)
     * @throws TransportException    if the transport has failed (ICE, DTLS, consent lost)
     * @throws IllegalStateException if not open
     */
    @Override
    public boolean send(EncodedFrame frame) {
        WhipConnection c;
        synchronized (lock) {
            c = connection;
        }
        if (c == null) {
            frame.release();
            throw new IllegalStateException("send: transport " + uri + " is not open");
        }
        return c.offer(frame);
    }

    /**
     * {@code true}: the session's congestion controller reports its estimate as {@link io.sluice.core.spi.BandwidthEstimate}s, so a
     * pipeline starts the encoder below its maximum (as for RTMP) rather than at a rate the path has not shown it
     * carries; the controller's own start is {@link TargetRateConstraints#startBitrateBps()}.
     */
    @Override
    public boolean measuresNetworkPath() {
        return true;
    }

    @Override
    public TransportStats stats() {
        WhipConnection c;
        synchronized (lock) {
            c = connection;
        }
        return c == null ? new TransportStats(closed ? TransportState.CLOSED : TransportState.CONNECTING, 0, 0, 0, 0, 0)
                : c.stats();
    }

    /** WebRTC-level counters (selected pair, SRTP profile, NACKs, RTT, loss). */
    public WhipStats whipStats() {
        WhipConnection c;
        synchronized (lock) {
            c = connection;
        }
        return c == null ? new WhipStats(null, null, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : c.whipStats();
    }

    /** The session resource from the POST's Location header, or null before {@link #open} succeeded. */
    public URI sessionUri() {
        WhipConnection c;
        synchronized (lock) {
            c = connection;
        }
        return c == null ? null : c.resource();
    }

    /**
     * Sends close_notify, stops the I/O thread, frees the sockets and DELETEs the session resource
     * (bounded by the HTTP timeout). Idempotent; callable from any thread.
     */
    @Override
    public void close() {
        WhipConnection c;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            c = connection;
        }
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "WhipTransport{" + uri + '}';
    }

    // ------------------------------------------------------------- package-private config for WhipConnection

    URI httpEndpoint() {
        return httpEndpoint;
    }

    String bearerToken() {
        return bearerToken;
    }

    List<URI> stunServers() {
        return stunServers;
    }

    List<InetAddress> hostAddresses() {
        return hostAddresses;
    }

    Duration httpTimeout() {
        return httpTimeout;
    }

    Duration iceTimeout() {
        return iceTimeout;
    }

    Duration dtlsTimeout() {
        return dtlsTimeout;
    }

    int maxPayloadBytes() {
        return maxPayloadBytes;
    }

    Duration packetHistory() {
        return packetHistory;
    }

    int queueFrames() {
        return queueFrames;
    }

    String streamId() {
        return streamId;
    }

    Ticker ticker() {
        return ticker;
    }

    Duration keyframeRequestInterval() {
        return keyframeRequestInterval;
    }

    /** A new controller for one session, or null for none. */
    NetworkController newNetworkController() {
        return networkController == null ? null : Objects.requireNonNull(networkController.get(),
                "networkController supplier returned null");
    }

    TargetRateConstraints targetRateConstraints() {
        return targetRateConstraints;
    }

    /**
     * The default host candidate addresses: every site-local (RFC 1918) IPv4 address of an
     * interface that is up, plus (first) the loopback address when the endpoint is on loopback.
     */
    static List<InetAddress> defaultHostAddresses(InetAddress endpointHost) {
        List<InetAddress> out = new ArrayList<>();
        if (endpointHost != null && endpointHost.isLoopbackAddress()) {
            out.add(endpointHost instanceof Inet4Address ? endpointHost : InetAddress.getLoopbackAddress());
        }
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!ni.isUp() || ni.isLoopback()) {
                    continue;
                }
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof Inet4Address && a.isSiteLocalAddress() && !out.contains(a)) {
                        out.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            // no interface list: keep what we have
        }
        return out;
    }

    /** Configures a {@link WhipTransport}. Setters validate at once. */
    public static final class Builder {
        private final URI uri;
        private String bearerToken;
        private final List<URI> stunServers = new ArrayList<>();
        private final List<InetAddress> hostAddresses = new ArrayList<>();
        private boolean allowInsecureHttp;
        private Duration httpTimeout = DEFAULT_HTTP_TIMEOUT;
        private Duration iceTimeout = DEFAULT_ICE_TIMEOUT;
        private Duration dtlsTimeout = DEFAULT_DTLS_TIMEOUT;
        private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
        private Duration packetHistory = DEFAULT_PACKET_HISTORY;
        private int queueFrames = DEFAULT_QUEUE_FRAMES;
        private String streamId = "sluice";
        private Ticker ticker = Ticker.system();
        private Duration keyframeRequestInterval = KeyframeRequestThrottle.DEFAULT_INTERVAL;
        private Supplier<? extends NetworkController> networkController = io.sluice.abr.gcc.GccNetworkController::new;
        private TargetRateConstraints targetRateConstraints = TargetRateConstraints.DEFAULT;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "endpoint");
            String s = scheme(uri);
            if (!s.equals("whip+https") && !s.equals("whip+http") && !s.equals("https") && !s.equals("http")) {
                throw new IllegalArgumentException("endpoint: " + uri + " (expected: whip+https://, whip+http://, https:// or http://)");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("endpoint: " + uri + " (expected: a host)");
            }
        }

        /** Token sent as {@code Authorization: Bearer <token>} on every request (RFC 9725 §4.1); default none. */
        public Builder bearerToken(String token) {
            if (token != null && (token.isBlank() || token.chars().anyMatch(c -> c < 0x21 || c > 0x7E))) {
                throw new IllegalArgumentException("bearerToken: (expected: printable ASCII without spaces)");
            }
            this.bearerToken = token;
            return this;
        }

        /**
         * Adds a STUN server for a server-reflexive candidate, e.g. {@code stun:stun.example.net:3478}
         * (port 3478 when omitted). The first one is used; servers from the answer's {@code Link}
         * headers (RFC 9725 §4.6) are used when none is configured. Default none.
         *
         * @throws IllegalArgumentException unless {@code stun:host[:port]}
         */
        public Builder stunServer(String stunUri) {
            URI u;
            try {
                u = new URI(Objects.requireNonNull(stunUri, "stunUri"));
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("stunServer: " + stunUri + " (expected: stun:host[:port])", e);
            }
            if (!"stun".equalsIgnoreCase(u.getScheme()) || WhipConnection.stunHostPort(u) == null) {
                throw new IllegalArgumentException("stunServer: " + stunUri + " (expected: stun:host[:port])");
            }
            stunServers.add(u);
            return this;
        }

        /**
         * Adds a local address to bind a UDP socket on (ephemeral port) and offer as a host
         * candidate; earlier ones get a higher priority. Default: {@link #defaultHostAddresses}
         * (site-local IPv4 addresses, plus loopback when the endpoint is loopback).
         */
        public Builder hostAddress(InetAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
                throw new IllegalArgumentException("hostAddress: " + address + " (expected: a unicast interface address)");
            }
            hostAddresses.add(address);
            return this;
        }

        /** Allows plain {@code http} to hosts that are neither loopback nor site-local. Default {@code false}. */
        public Builder allowInsecureHttp(boolean allow) {
            this.allowInsecureHttp = allow;
            return this;
        }

        /** Bound of each HTTP request (POST, PATCH, DELETE), connect included; default 10 s. */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = positive("httpTimeout", timeout);
            return this;
        }

        /** Time from the answer until an ICE pair must be selected, else FAILED; default 10 s. */
        public Builder iceTimeout(Duration timeout) {
            this.iceTimeout = positive("iceTimeout", timeout);
            return this;
        }

        /** DTLS handshake timeout; default 10 s. */
        public Builder dtlsTimeout(Duration timeout) {
            this.dtlsTimeout = positive("dtlsTimeout", timeout);
            return this;
        }

        /** Maximum RTP payload per packet, octets, 200..1400; default 1200. */
        public Builder maxPayloadBytes(int octets) {
            if (octets < 200 || octets > 1400) {
                throw new IllegalArgumentException("maxPayloadBytes: " + octets + " (expected: 200..1400)");
            }
            this.maxPayloadBytes = octets;
            return this;
        }

        /** How long sent video packets stay available for NACK retransmission, 100 ms..10 s; default 1 s. */
        public Builder packetHistory(Duration duration) {
            positive("packetHistory", duration);
            if (duration.compareTo(Duration.ofMillis(100)) < 0 || duration.compareTo(Duration.ofSeconds(10)) > 0) {
                throw new IllegalArgumentException("packetHistory: " + duration + " (expected: 100 ms..10 s)");
            }
            this.packetHistory = duration;
            return this;
        }

        /** Frames held before the connection is up or while the I/O thread is behind, 16..4096; default 256. */
        public Builder queueFrames(int frames) {
            if (frames < 16 || frames > 4096) {
                throw new IllegalArgumentException("queueFrames: " + frames + " (expected: 16..4096)");
            }
            this.queueFrames = frames;
            return this;
        }

        /** The {@code a=msid} stream id, 1..64 token characters; default {@code sluice}. */
        public Builder streamId(String id) {
            if (id == null || !id.matches("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]{1,64}")) {
                throw new IllegalArgumentException("streamId: " + id + " (expected: 1..64 token chars)");
            }
            this.streamId = id;
            return this;
        }

        /** The time source of the session's engine, ICE and timers; default {@link Ticker#system()}. */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Minimum spacing of the server's PLI/FIR forwarded to {@link io.sluice.core.spi.TransportFeedback#onKeyframeRequest}
         * (the one {@link KeyframeRequestThrottle} policy: a burst is coalesced into one at the interval's end),
         * 0..10 s; default {@link KeyframeRequestThrottle#DEFAULT_INTERVAL}.
         */
        public Builder keyframeRequestInterval(Duration interval) {
            this.keyframeRequestInterval = RtpSession.checkKeyframeRequestInterval(interval);
            return this;
        }

        /**
         * The congestion controller of each session (draft-ietf-rmcat-gcc-02 send-side GCC, or any
         * {@link NetworkController}): the session's engine reports sent packets and transport-wide feedback
         * to it, paces at its rate ({@link io.sluice.webrtc.session.RatePacer}, with probes and padding), and
         * each target it sets reaches {@link io.sluice.core.spi.TransportFeedback#onBandwidthEstimate} as a
         * {@link io.sluice.core.spi.BandwidthEstimate.Kind#TRANSPORT_CC} estimate with the pacer's queue and
         * the reason of the change. Called once per session on the I/O thread; the controller is confined to it.
         * Default: {@link io.sluice.abr.gcc.GccNetworkController} with its defaults (send-side GCC, pacing at
         * 1.1 × the target). {@code null} turns congestion control off: packets leave unpaced and the delivery rate
         * measured from the feedback is reported instead (a measurement, not an estimate of what the path carries).
         *
         * @param factory makes one controller per session, or {@code null} for none
         */
        public Builder networkController(Supplier<? extends NetworkController> factory) {
            this.networkController = factory;
            return this;
        }

        /**
         * Min/start/max target of the {@link #networkController}; default {@link TargetRateConstraints#DEFAULT}.
         */
        public Builder targetRateConstraints(TargetRateConstraints constraints) {
            this.targetRateConstraints = Objects.requireNonNull(constraints, "constraints");
            return this;
        }

        /**
         * @throws TransportException if the endpoint uses plain http to a host that is neither
         *                            loopback nor site-local (without {@link #allowInsecureHttp}),
         *                            or its host cannot be resolved for that check
         */
        public WhipTransport build() {
            String s = scheme(uri);
            boolean secure = s.endsWith("https");
            URI http;
            try {
                http = new URI(secure ? "https" : "http", uri.getRawUserInfo(), uri.getHost(), uri.getPort(),
                        uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getPath(), uri.getQuery(), null);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("endpoint: " + uri + " (" + e.getMessage() + ")", e);
            }
            InetAddress host = null;
            if (!secure || hostAddresses.isEmpty()) {
                try {
                    host = InetAddress.getByName(uri.getHost());
                } catch (UnknownHostException e) {
                    if (!secure && !allowInsecureHttp) {
                        throw new TransportException(uri, "cannot resolve host '" + uri.getHost()
                                + "' to check that plain http stays local", e);
                    }
                }
            }
            if (!secure && !allowInsecureHttp && (host == null || !(host.isLoopbackAddress() || host.isSiteLocalAddress()))) {
                throw new TransportException(uri, "plain http to " + uri.getHost() + " would send the bearer token and "
                        + "SDP unencrypted; use whip+https, or allowInsecureHttp(true) (http is allowed without it only "
                        + "for loopback and site-local hosts)");
            }
            List<InetAddress> hosts = hostAddresses.isEmpty() ? defaultHostAddresses(host) : hostAddresses;
            if (hosts.isEmpty()) {
                throw new TransportException(uri, "no host candidate address: no site-local IPv4 interface is up; "
                        + "set hostAddress(...)");
            }
            return new WhipTransport(this, http, hosts);
        }

        private static String scheme(URI uri) {
            return uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        }

        private static Duration positive(String name, Duration d) {
            if (Objects.requireNonNull(d, name).isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
