package io.sluice.server;

import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sluice.core.auth.AuthorizationGate;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamAuthorizer;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.netty.http.HttpServerPipeline;
import io.sluice.core.spi.FrameTranscoderFactory;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.core.time.Ticker;
import io.sluice.http.push.HubOriginPush;
import io.sluice.http.push.OriginWriter;
import io.sluice.http.server.HttpDelivery;
import io.sluice.rtmp.server.RtmpServer;
import io.sluice.metrics.ObservabilityHttpHandler;
import io.sluice.metrics.OriginPushMetrics;
import io.sluice.metrics.RtmpServerMetrics;
import io.sluice.metrics.SluiceMetrics;
import io.sluice.metrics.WebRtcServerMetrics;
import io.sluice.webrtc.server.WebRtcServer;
import io.sluice.webrtc.server.WebRtcServerException;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded media server: one {@link StreamHub} served over RTMP(S) (ingest and playback, e.g. OBS,
 * ffmpeg, ffplay), WebRTC (WHIP ingest, WHEP playback with a player page at {@code /watch/<stream>}) and,
 * on the same HTTP port, HLS / LL-HLS / DASH ({@link Builder#httpDelivery(boolean)}), with one
 * {@link StreamAuthorizer} for all of them. This is what {@code sluice serve} runs.
 *
 * <pre>{@code
 * try (SluiceServer server = SluiceServer.builder()
 *         .authorizer(TokenAuthorizer.builder().publishToken("s3cret").build())
 *         .build()) {
 *     server.start();                           // binds 127.0.0.1:1935 (RTMP) and 127.0.0.1:8080 (HTTP)
 *     // ffmpeg -re -i clip.mp4 -c copy -f flv "rtmp://127.0.0.1:1935/live/cam?token=s3cret"
 *     // then open server.watchUrl("live/cam")
 * }
 * }</pre>
 *
 * <p><b>Secure defaults.</b> Every listener binds the loopback address unless
 * {@link Builder#bindAddress(InetAddress)} says otherwise. Exposing the server while anyone may publish
 * (no authorizer, or one that does not restrict {@link StreamAction#PUBLISH}) logs one WARN line saying
 * so and how to add a token. With authentication on, a hub that replaces publishers
 * ({@link Builder#replaceExistingPublisher(boolean)}) only lets a client allowed to publish a stream
 * replace its publisher: the servers authorize before they touch the hub.
 *
 * <p><b>Lifecycle.</b> {@link Builder#build() Built}, then {@link #start()} once, then {@link #close()} (idempotent;
 * also fine without a start). {@code start()} binds every listener or none: when one fails, those already
 * bound are closed again and a {@link SluiceServerException} names the listener, address and port.
 *
 * <p><b>Threads.</b> The RTMP and WebRTC servers own their Netty event loops, stopped by {@link #close()}.
 * Thread-safe.
 */
public final class SluiceServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SluiceServer.class);

    private final InetAddress bindAddress;
    private final int rtmpPort;
    private final int httpPort;
    /** RTMPS. */
    private final SslContext tls;
    /** HTTPS: the same certificate, with ALPN offering h2 and http/1.1 ({@link HttpServerPipeline#ALPN}). */
    private final SslContext httpTls;
    private final String tlsFingerprint;
    private final StreamHub hub;
    private final boolean ownHub;
    private final StreamAuthorizer authorizer;
    private final FrameTranscoderFactory transcoders;
    private final List<InetAddress> hostAddresses;
    private final boolean viewerCongestionControl;
    private final List<InetSocketAddress> additionalIceCandidates;
    private final RenditionLadder ladder;
    private final boolean metricsEnabled;
    private final String metricsReadToken;
    private final String metricsAdminToken;
    private final boolean httpDelivery;
    private final Path dashPlayerScript;
    private final List<OriginWriter> originPushes;
    private final List<HubOriginPush> pushes = new ArrayList<>();
    private final Object lock = new Object();
    private SluiceMetrics metrics;
    private RtmpServer rtmp;
    private WebRtcServer webrtc;
    private HttpDelivery delivery;
    private boolean started;
    private boolean closed;

    private SluiceServer(Builder b) {
        this.bindAddress = b.bindAddress;
        this.rtmpPort = b.rtmpPort;
        this.httpPort = b.httpPort;
        if (b.selfSignedTls) {
            List<InetAddress> names = new ArrayList<>(b.hostAddresses != null ? b.hostAddresses : candidateAddresses(b.bindAddress));
            names.add(b.bindAddress);
            DevelopmentCertificate dev = DevelopmentCertificate.generate(names, Duration.ofDays(30));
            try {
                this.tls = SslContextBuilder.forServer(dev.key(), dev.certificate()).build();
                this.httpTls = SslContextBuilder.forServer(dev.key(), dev.certificate())
                        .applicationProtocolConfig(HttpServerPipeline.ALPN).build();
            } catch (SSLException e) {
                throw new IllegalStateException("cannot use the self-signed certificate: " + e.getMessage(), e);
            }
            this.tlsFingerprint = dev.fingerprint();
        } else {
            this.tls = b.tls;
            this.httpTls = b.httpTls;
            this.tlsFingerprint = b.tlsFingerprint;
        }
        this.ownHub = b.hub == null;
        this.hub = b.hub != null ? b.hub : StreamHub.builder().replaceExistingPublisher(b.replaceExistingPublisher).build();
        this.authorizer = b.authorizer;
        this.transcoders = b.transcoders;
        this.hostAddresses = b.hostAddresses;
        this.viewerCongestionControl = b.viewerCongestionControl;
        this.additionalIceCandidates = List.copyOf(b.additionalIceCandidates);
        this.httpDelivery = b.httpDelivery;
        this.dashPlayerScript = b.dashPlayerScript;
        this.originPushes = List.copyOf(b.originPushes);
        this.ladder = b.ladderFactory != null ? Objects.requireNonNull(b.ladderFactory.apply(hub), "renditionLadder") : null;
        this.metricsEnabled = b.metricsEnabled;
        this.metricsReadToken = b.metricsReadToken;
        this.metricsAdminToken = b.metricsAdminToken;
    }

    /** A builder with the defaults: loopback, RTMP 1935, HTTP 8080, no authentication, no transcoding. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds RTMP, then HTTP and the WebRTC UDP socket, and starts serving.
     *
     * @return this server
     * @throws SluiceServerException if a listener cannot bind (the message names it, e.g.
     *                               {@code "cannot listen for HTTP on 127.0.0.1:8080: Address already in use"});
     *                               nothing stays bound
     * @throws IllegalStateException if started or closed before
     */
    public SluiceServer start() {
        synchronized (lock) {
            if (started || closed) {
                throw new IllegalStateException("start: server is " + (closed ? "closed" : "started"));
            }
            started = true;
            RtmpServer.Builder rb = RtmpServer.builder().bindAddress(bindAddress).port(rtmpPort).hub(hub)
                    .authorizer(authorizer);
            if (tls != null) {
                rb.tls(tls);
            }
            rtmp = rb.build();
            try {
                rtmp.start();
            } catch (IOException e) {
                closeServers();
                throw new SluiceServerException(SluiceServerException.Listener.RTMP, e.getMessage(), e);
            }
            try {
                WebRtcServer.Builder wb = WebRtcServer.builder(hub)
                        .httpBind(new InetSocketAddress(bindAddress, httpPort))
                        .udpBind(new InetSocketAddress(bindAddress, 0))
                        .hostAddresses(hostAddresses != null ? hostAddresses : candidateAddresses(bindAddress))
                        .authorizer(authorizer)
                        .viewerCongestionControl(viewerCongestionControl);
                for (InetSocketAddress c : additionalIceCandidates) {
                    wb.additionalHostCandidate(c.getHostString(), c.getPort());
                }
                if (transcoders != null) {
                    wb.transcoderFactory(transcoders);
                }
                if (httpTls != null) {
                    wb.tls(httpTls);
                }
                if (ladder != null) {
                    wb.renditionLadder(ladder);
                }
                if (metricsEnabled) { // /metrics and /api/v1 on the HTTP port, before the WHIP/WHEP routes
                    metrics = SluiceMetrics.builder(hub).bind(new RtmpServerMetrics(rtmp)).build();
                    wb.httpRoute(new ObservabilityHttpHandler(metrics, metricsReadToken, metricsAdminToken));
                }
                if (httpDelivery) {
                    HttpDelivery.Builder db = HttpDelivery.builder(hub);
                    if (dashPlayerScript != null) {
                        db.dashPlayerScript(dashPlayerScript);
                    }
                    if (ladder != null) {
                        db.renditionLadder(ladder); // HLS variants and DASH Representations from the same rungs
                    }
                    delivery = db.build();
                    HttpDeliveryGuard guard = new HttpDeliveryGuard(new AuthorizationGate(authorizer, Ticker.system()), "*");
                    ChannelHandler deliveryHandler = delivery.newHandler();
                    wb.httpHandler(() -> guard).httpHandler(() -> deliveryHandler)
                            .playerLink("HLS", "/hls/{stream}/player.html");
                    if (dashPlayerScript != null) {
                        wb.playerLink("DASH", "/dash/{stream}/player.html");
                    }
                }
                webrtc = wb.build();
                webrtc.start();
                if (metrics != null) {
                    metrics.add(new WebRtcServerMetrics(webrtc));
                }
            } catch (WebRtcServerException e) {
                closeServers();
                throw new SluiceServerException(SluiceServerException.Listener.WEBRTC, e.getMessage(), e);
            }
            log.info("serving RTMP{} on {} and HTTP{} ({}; WHIP/WHEP, pages{}) on {}{}", rtmp.isTls() ? "S" : "",
                    hostPort(rtmp.localAddress()), tls != null ? "S" : "",
                    tls != null ? "HTTP/1.1, h2 by ALPN" : "HTTP/1.1, h2c", delivery != null ? ", HLS/DASH" : "",
                    hostPort(webrtc.httpAddress()),
                    tlsFingerprint != null ? "; TLS certificate SHA-256 fingerprint " + tlsFingerprint : "");
            for (OriginWriter w : originPushes) {
                HubOriginPush p = HubOriginPush.builder(hub, w).build().start();
                pushes.add(p);
                if (metrics != null) {
                    metrics.add(new OriginPushMetrics(p));
                }
                log.info("pushing every stream as HLS and DASH to {}<stream>/", w.location(""));
            }
            if (!bindAddress.isLoopbackAddress() && !authorizer.restricts(StreamAction.PUBLISH)) {
                log.warn("ingest is open: anyone who reaches {} may publish over RTMP and WHIP without authentication;"
                        + " add a publish token (sluice serve --publish-token <secret>, or"
                        + " SluiceServer.Builder.authorizer(TokenAuthorizer.builder().publishToken(...).build()))",
                        bindAddress.getHostAddress());
            }
            return this;
        }
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The addresses browsers can reach us on: the bind address, or every up IPv4 interface for a wildcard bind. */
    static List<InetAddress> candidateAddresses(InetAddress bind) {
        if (!bind.isAnyLocalAddress()) {
            return List.of(bind);
        }
        List<InetAddress> list = new ArrayList<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nif.isUp()) {
                    continue;
                }
                for (InetAddress a : Collections.list(nif.getInetAddresses())) {
                    if (a instanceof Inet4Address && !a.isLinkLocalAddress()) {
                        list.add(a);
                    }
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list network interfaces ({}); WebRTC offers the loopback address only", e.getMessage());
        }
        list.sort((a, b) -> Boolean.compare(a.isLoopbackAddress(), b.isLoopbackAddress())); // loopback last
        return list.isEmpty() ? List.of(InetAddress.getLoopbackAddress()) : list;
    }

    /** The hub every listener publishes into and plays from. */
    public StreamHub hub() {
        return hub;
    }

    /**
     * The SHA-256 fingerprint of the TLS certificate ({@code AB:CD:…}, as browsers show it), to check a
     * self-signed certificate by; empty without TLS.
     */
    public Optional<String> tlsFingerprint() {
        return Optional.ofNullable(tlsFingerprint);
    }

    /** The authorizer of every listener. */
    public StreamAuthorizer authorizer() {
        return authorizer;
    }

    /**
     * The RTMP URL of {@code stream} (without a token), e.g. {@code rtmp://127.0.0.1:1935/live/cam}; for a
     * wildcard bind the host is {@code 127.0.0.1}.
     *
     * @throws IllegalStateException if not started
     */
    public String rtmpUrl(String stream) {
        RtmpServer r = running().rtmp;
        InetAddress a = r.localAddress().getAddress();
        String host = a.isAnyLocalAddress() ? "127.0.0.1" : a.getHostAddress();
        return (r.isTls() ? "rtmps" : "rtmp") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + r.port()
                + "/" + stream;
    }

    /** {@code http://host:port/} of the HTTP listener. @throws IllegalStateException if not started */
    public String httpUrl() {
        return running().webrtc.httpUrl();
    }

    /** The player page of {@code stream}: {@code http://host:port/watch/<stream>}. @throws IllegalStateException if not started */
    public String watchUrl(String stream) {
        return httpUrl() + "watch/" + stream;
    }

    /**
     * The HLS multivariant playlist of {@code stream}: {@code http://host:port/hls/<stream>/index.m3u8}
     * (LL-HLS; {@code plain.m3u8} beside it is plain HLS).
     *
     * @throws IllegalStateException if not started, or started without {@link Builder#httpDelivery(boolean) HTTP delivery}
     */
    public String hlsUrl(String stream) {
        return deliveryBase() + "hls/" + stream + "/index.m3u8";
    }

    /**
     * The DASH MPD of {@code stream}: {@code http://host:port/dash/<stream>/manifest.mpd}.
     *
     * @throws IllegalStateException if not started, or started without {@link Builder#httpDelivery(boolean) HTTP delivery}
     */
    public String dashUrl(String stream) {
        return deliveryBase() + "dash/" + stream + "/manifest.mpd";
    }

    /**
     * The HLS/DASH delivery mounted on the HTTP port (for its counters), or empty if
     * {@link Builder#httpDelivery(boolean) turned off}.
     *
     * @throws IllegalStateException if not started
     */
    public Optional<HttpDelivery> httpDelivery() {
        running();
        return Optional.ofNullable(delivery);
    }

    private String deliveryBase() {
        String base = httpUrl();
        if (delivery == null) {
            throw new IllegalStateException("HTTP delivery is off (SluiceServer.Builder.httpDelivery(false))");
        }
        return base;
    }

    /** The bound RTMP address. @throws IllegalStateException if not started */
    public InetSocketAddress rtmpAddress() {
        return running().rtmp.localAddress();
    }

    /** The bound HTTP address. @throws IllegalStateException if not started */
    public InetSocketAddress httpAddress() {
        return running().webrtc.httpAddress();
    }

    /** The RTMP server, for its counters. @throws IllegalStateException if not started */
    public RtmpServer rtmp() {
        return running().rtmp;
    }

    /** The WebRTC server, for its stats. @throws IllegalStateException if not started */
    public WebRtcServer webrtc() {
        return running().webrtc;
    }

    private SluiceServer running() {
        synchronized (lock) {
            if (!started || closed || webrtc == null) {
                throw new IllegalStateException("server is " + (closed ? "closed" : "not started"));
            }
            return this;
        }
    }

    /** The pushes to origins ({@link Builder#originPush}), in the order they were added, for their counters. */
    public List<HubOriginPush> originPushes() {
        synchronized (lock) {
            return List.copyOf(pushes);
        }
    }

    /** The meters behind {@code /metrics}, once started with {@link Builder#metrics(boolean)}. */
    public java.util.Optional<SluiceMetrics> metrics() {
        synchronized (lock) {
            return java.util.Optional.ofNullable(metrics);
        }
    }

    /**
     * Stops every listener (ending their sessions and publications), then closes the hub if the server
     * made it; returns when the event loops have stopped. Idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            closeServers();
        }
    }

    private void closeServers() {
        if (metrics != null) {
            metrics.close();
        }
        if (webrtc != null) {
            webrtc.close();
        }
        if (delivery != null) {
            delivery.close();
        }
        if (rtmp != null) {
            rtmp.close();
        }
        for (HubOriginPush p : pushes) { // after the listeners: their publishers have left, the last segments go out
            p.close();
        }
        if (ladder instanceof AutoCloseable c) {
            try {
                c.close(); // idempotent in the codec module's ladder
            } catch (Exception e) {
                log.warn("closing the rendition ladder failed: {}", e.toString());
            }
        }
        if (ownHub) {
            hub.close();
        }
    }

    @Override
    public String toString() {
        return "SluiceServer{" + bindAddress.getHostAddress() + " rtmp " + rtmpPort + " http " + httpPort
                + (tls != null ? " tls" : "") + '}';
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int rtmpPort = 1935;
        private int httpPort = 8080;
        private SslContext tls;
        private SslContext httpTls;
        private String tlsFingerprint;
        private boolean selfSignedTls;
        private StreamHub hub;
        private boolean replaceExistingPublisher;
        private StreamAuthorizer authorizer = StreamAuthorizer.ALLOW_ALL;
        private FrameTranscoderFactory transcoders;
        private List<InetAddress> hostAddresses;
        private final List<InetSocketAddress> additionalIceCandidates = new ArrayList<>();
        private Function<StreamHub, ? extends RenditionLadder> ladderFactory;
        private boolean metricsEnabled;
        private String metricsReadToken;
        private String metricsAdminToken;
        private boolean httpDelivery = true;
        private boolean viewerCongestionControl = true;
        private Path dashPlayerScript;
        private final List<OriginWriter> originPushes = new ArrayList<>();

        private Builder() {
        }

        /**
         * Address every listener binds; default the loopback address (this machine only). {@code 0.0.0.0}
         * serves every IPv4 interface: set an {@link #authorizer} then.
         */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /** RTMP TCP port, 0..65535 (0: any free one); default 1935. @throws IllegalArgumentException if out of range */
        public Builder rtmpPort(int port) {
            this.rtmpPort = checkPort("rtmpPort", port);
            return this;
        }

        /** HTTP port for WHIP/WHEP and the pages, 0..65535 (0: any free one); default 8080. @throws IllegalArgumentException if out of range */
        public Builder httpPort(int port) {
            this.httpPort = checkPort("httpPort", port);
            return this;
        }

        private static int checkPort(String name, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(name + ": " + port + " (expected: 0..65535)");
            }
            return port;
        }

        /**
         * Serves RTMPS instead of RTMP and HTTPS instead of HTTP with a certificate chain and key in PEM
         * files, read now.
         *
         * @param certificateChainPem X.509 certificate chain, PEM
         * @param privateKeyPem       its key, unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----})
         * @throws IllegalArgumentException if a file cannot be read or parsed; the message names it
         */
        public Builder tls(Path certificateChainPem, Path privateKeyPem) {
            for (Path p : List.of(certificateChainPem, privateKeyPem)) {
                if (!Files.isReadable(p)) {
                    throw new IllegalArgumentException("tls: cannot read " + p + " (expected: a readable PEM file)");
                }
            }
            try (InputStream in = Files.newInputStream(certificateChainPem)) {
                X509Certificate first = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                this.tls = SslContextBuilder.forServer(certificateChainPem.toFile(), privateKeyPem.toFile()).build();
                this.httpTls = SslContextBuilder.forServer(certificateChainPem.toFile(), privateKeyPem.toFile())
                        .applicationProtocolConfig(HttpServerPipeline.ALPN).build();
                this.tlsFingerprint = DevelopmentCertificate.fingerprint(first);
            } catch (Exception e) {
                throw new IllegalArgumentException("tls: certificate " + certificateChainPem + " / key " + privateKeyPem
                        + ": " + e.getMessage(), e);
            }
            this.selfSignedTls = false;
            return this;
        }

        /**
         * Serves RTMPS and HTTPS with a self-signed certificate made at {@link #build()} (ECDSA P-256, valid 30
         * days, naming {@code localhost}, the bind address and the WebRTC host addresses), for development:
         * browsers on other machines get a secure origin (needed for the camera of {@code /publish}) once the
         * user accepts the certificate after comparing its {@link SluiceServer#tlsFingerprint()}. Replaces
         * {@link #tls(Path, Path)}.
         */
        public Builder selfSignedTls() {
            this.selfSignedTls = true;
            this.tls = null;
            this.httpTls = null;
            this.tlsFingerprint = null;
            return this;
        }

        /**
         * The hub to serve, shared with the application (it publishes into it with
         * {@code hub.transport(name)}); the server does not close it. Default: a hub of the server's own,
         * closed with it.
         */
        /**
         * Serves {@code GET /metrics} (Prometheus text format), the {@code /api/v1/streams} JSON API and
         * {@code DELETE} kicks on the HTTP port (see {@code io.sluice.metrics.ObservabilityHttpHandler});
         * default off. Tokens: {@link #metricsTokens(String, String)}.
         */
        public Builder metrics(boolean enabled) {
            this.metricsEnabled = enabled;
            return this;
        }

        /**
         * The tokens of {@code /metrics} and {@code /api/v1} ({@link ObservabilityHttpHandler}):
         * {@code readToken} for {@code GET} (the play token when one is set; {@code null}: open reads),
         * {@code adminToken} for {@code DELETE} (kicking sessions; {@code null}: no kicking). Default
         * both {@code null}.
         *
         * @throws IllegalArgumentException if a token is empty
         */
        public Builder metricsTokens(String readToken, String adminToken) {
            if ("".equals(readToken) || "".equals(adminToken)) {
                throw new IllegalArgumentException("metricsTokens: empty token (expected: null for none, or a non-empty token)");
            }
            this.metricsReadToken = readToken;
            this.metricsAdminToken = adminToken;
            return this;
        }

        public Builder hub(StreamHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
            return this;
        }

        /**
         * Whether a new publisher of a live stream replaces the current one instead of being refused;
         * only for the server's own hub. With an authorizer that restricts publishing, only a client allowed
         * to publish the stream gets that far. Default {@code false}.
         */
        public Builder replaceExistingPublisher(boolean replace) {
            this.replaceExistingPublisher = replace;
            return this;
        }

        /**
         * Who may publish and play which stream, on every listener; default {@link StreamAuthorizer#ALLOW_ALL}.
         *
         * @see io.sluice.core.auth.TokenAuthorizer
         */
        public Builder authorizer(StreamAuthorizer authorizer) {
            this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
            return this;
        }

        /**
         * Transcodes audio browsers cannot play (AAC from RTMP publishers) to Opus for WHEP viewers, e.g.
         * {@code new FfmpegFrameTranscoderFactory()} from {@code sluice-codec}. Default: none (such audio
         * is not sent to browsers).
         */
        public Builder transcoderFactory(FrameTranscoderFactory factory) {
            this.transcoders = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * Gives WHEP viewers of H.264 with B-frames (OBS's default; WebRTC cannot carry it) the top rung of a
         * shared rendition ladder, made by {@code factory} over the server's hub, e.g.
         * {@code hub -> FfmpegRenditionLadder.builder(hub).build()} from {@code sluice-codec}, and serves every
         * rung of a stream's ladder as an HLS variant and a DASH Representation (see
         * {@code HttpDelivery.Builder#renditionLadder}: the first HLS/DASH request starts the transcode, 30 s
         * without one stops it); the server closes it (if {@link AutoCloseable}) after its listeners. Default:
         * none (such offers get 406 naming B-frames; HLS/DASH serve one variant).
         */
        public Builder renditionLadder(Function<StreamHub, ? extends RenditionLadder> factory) {
            this.ladderFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /**
         * The addresses WebRTC offers browsers as ICE host candidates. Default: the bind address, or for a
         * wildcard bind every IPv4 interface that is up (loopback last).
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder hostAddresses(List<InetAddress> addresses) {
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException("hostAddresses: [] (expected: at least one)");
            }
            this.hostAddresses = List.copyOf(addresses);
            return this;
        }

        /**
         * One more ICE host candidate for WebRTC answers, after the {@link #hostAddresses}: where peers reach
         * the WebRTC UDP socket through a 1:1 NAT or a port forwarding (see
         * {@link WebRtcServer.Builder#additionalHostCandidate}). Repeatable.
         *
         * @param host an IP address or a name resolved now
         * @param port the UDP port peers send to, 1..65535, or 0 for the bound port
         * @throws IllegalArgumentException if the port is out of range or the name does not resolve
         */
        public Builder additionalIceCandidate(String host, int port) {
            additionalIceCandidates.add(WebRtcServer.candidateAddress(host, port));
            return this;
        }

        /**
         * Whether the HTTP port also serves HLS, Low-Latency HLS and DASH of every hub stream (module
         * {@code sluice-transport-http}): {@code /hls/<stream>/index.m3u8} (LL-HLS), {@code /hls/<stream>/plain.m3u8}
         * (plain HLS), {@code /dash/<stream>/manifest.mpd}, and the players {@code /hls/<stream>/player.html},
         * {@code /dash/<stream>/player.html}. With an {@link #authorizer} that restricts {@code PLAY}, every
         * playlist, the MPD, and every init segment, segment and part need the play token
         * ({@code Authorization: Bearer} or {@code ?token=}); the player pages pass their own {@code ?token=} on
         * with every request (HLS as a bearer token, DASH as the query parameter). The pages and scripts are public.
         * Default {@code true}.
         */
        public Builder httpDelivery(boolean on) {
            this.httpDelivery = on;
            return this;
        }

        /**
         * Whether each WebRTC viewer (WHEP, {@code /watch/<stream>}) gets its own congestion control and pacing:
         * passed to {@link WebRtcServer.Builder#viewerCongestionControl(boolean)}, which describes it (send-side GCC
         * from the browser's transport-wide CC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01), or from
         * REMB and receiver reports; a pacer at the estimated rate for the join burst and retransmissions).
         * {@code false} sends every viewer the stream as it arrives, unpaced: the behaviour before per-viewer
         * adaptation, kept so benchmarks can compare both in one run. Affects WHEP only (not RTMP, HLS or DASH).
         * Default {@code true}.
         */
        public Builder viewerCongestionControl(boolean enabled) {
            this.viewerCongestionControl = enabled;
            return this;
        }

        /**
         * dash.js ({@code dash.all.min.js} of the {@code dashjs} npm package) for the DASH player page; read at
         * {@link SluiceServer#start()}. Without it the index links no DASH player (the MPD is served all the same).
         */
        public Builder dashPlayerScript(Path script) {
            this.dashPlayerScript = Objects.requireNonNull(script, "script");
            return this;
        }

        /**
         * Also pushes every stream of the hub, as plain HLS and DASH, to an HTTP origin or CDN ingest
         * ({@code OriginWriter.http(URI.create("http://origin:8081/live/"))}, {@code PUT}/{@code DELETE}) or a
         * directory ({@code OriginWriter.directory(path)}): stream {@code live/cam} becomes
         * {@code <origin>/live/cam/index.m3u8} and {@code manifest.mpd} (see {@code io.sluice.http.push.HubOriginPush}).
         * A failing origin is logged and counted and stops nothing else. The server closes the writer. Repeatable;
         * default none.
         */
        public Builder originPush(OriginWriter writer) {
            originPushes.add(Objects.requireNonNull(writer, "writer"));
            return this;
        }

        /**
         * @return a server, not started
         * @throws IllegalStateException if {@link #replaceExistingPublisher(boolean)} was set with a given hub
         */
        public SluiceServer build() {
            if (hub != null && replaceExistingPublisher) {
                throw new IllegalStateException("replaceExistingPublisher applies to the server's own hub only; "
                        + "build the given hub with StreamHub.Builder.replaceExistingPublisher instead");
            }
            return new SluiceServer(this);
        }
    }
}
