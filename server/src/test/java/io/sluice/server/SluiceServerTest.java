package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The facade with real peers: ffmpeg over RTMP, an HTTP client for WHIP/WHEP. */
class SluiceServerTest {
    static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";

    @TempDir
    Path tmp;

    static Path media(String name) {
        return Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media", name);
    }

    /** Runs ffmpeg to the end; returns its exit code, its log in {@code log}. */
    static int ffmpeg(Path log, String... args) throws Exception {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "/usr/bin/ffmpeg";
        cmd[1] = "-hide_banner";
        cmd[2] = "-nostdin";
        cmd[3] = "-y";
        System.arraycopy(args, 0, cmd, 4, args.length);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ffmpeg timed out: " + Files.readString(log));
        }
        return p.exitValue();
    }

    static int statusOf(String url, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/sdp")
                .POST(HttpRequest.BodyPublishers.ofString("v=0\r\n"));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    void oneAuthorizerGuardsRtmpAndWebRtcOnLoopbackByDefault() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .authorizer(TokenAuthorizer.builder().publishToken("pub").build()).build().start()) {
            assertTrue(server.rtmpAddress().getAddress().isLoopbackAddress());
            assertTrue(server.httpAddress().getAddress().isLoopbackAddress());
            Path flv = tmp.resolve("cam.flv");
            Path log = tmp.resolve("ffmpeg.log");
            String[] publish = {"-re", "-i", media(RABBIT).toString(), "-t", "2", "-c", "copy", "-f", "flv"};
            assertNotEquals(0, ffmpeg(log, concat(publish, server.rtmpUrl("live/cam"))), "no token: refused");
            assertTrue(Files.readString(log).contains("a token is required to publish 'live/cam'"), Files.readString(log));
            assertEquals(0, ffmpeg(log, concat(publish, server.rtmpUrl("live/cam?token=pub"))), Files.readString(log));

            assertEquals(401, statusOf(server.httpUrl() + "whip/live/cam", null));
            assertEquals(401, statusOf(server.httpUrl() + "whip/live/cam", "wrong"));
            assertEquals(400, statusOf(server.httpUrl() + "whip/live/cam", "pub"), "past auth: the offer is not SDP");
            assertEquals(400, statusOf(server.httpUrl() + "whep/live/cam", null), "play is open: past auth");
        }
    }

    private static String[] concat(String[] a, String last) {
        String[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = last;
        return r;
    }

    @Test
    void aPortInUseIsASluiceServerExceptionNamingListenerAddressAndPortAndNothingStaysBound() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            SluiceServer rtmp = SluiceServer.builder().rtmpPort(port).httpPort(0).build();
            SluiceServerException e = assertThrows(SluiceServerException.class, rtmp::start);
            assertEquals(SluiceServerException.Listener.RTMP, e.listener());
            assertTrue(e.getMessage().startsWith("cannot listen for RTMP on 127.0.0.1:" + port + ": "), e.getMessage());
            rtmp.close();

            int rtmpPort;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                rtmpPort = probe.getLocalPort();
            }
            SluiceServer http = SluiceServer.builder().rtmpPort(rtmpPort).httpPort(port).build();
            e = assertThrows(SluiceServerException.class, http::start);
            assertEquals(SluiceServerException.Listener.WEBRTC, e.listener());
            assertEquals("cannot listen for HTTP on 127.0.0.1:" + port + ": Address already in use", e.getMessage());
            try (ServerSocket again = new ServerSocket(rtmpPort, 1, InetAddress.getLoopbackAddress())) {
                assertEquals(rtmpPort, again.getLocalPort(), "the RTMP port was released");
            }
            http.close();
        }
    }

    @Test
    void additionalIceCandidatesAreInEveryWebRtcAnswer() {
        String offer = String.join("\r\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "a=group:BUNDLE 0",
                "m=video 9 UDP/TLS/RTP/SAVPF 96", "c=IN IP4 0.0.0.0", "a=mid:0", "a=sendonly", "a=rtcp-mux",
                "a=ice-ufrag:abcd", "a=ice-pwd:abcdefghijklmnopqrstuvwx", "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB",
                "a=setup:actpass", "a=rtpmap:96 H264/90000", "a=fmtp:96 packetization-mode=1;profile-level-id=42e01f", "");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .additionalIceCandidate("203.0.113.7", 40000).build().start()) {
            var r = server.webrtc().offer(io.sluice.webrtc.server.WebRtcEndpoint.WHIP, "live/x", offer, null,
                    new java.net.InetSocketAddress("127.0.0.1", 40000));
            assertEquals(201, r.status(), r.body());
            assertTrue(r.body().matches("(?s).*a=candidate:\\S+ 1 udp \\d+ 203\\.0\\.113\\.7 40000 typ host\r\n.*"), r.body());
        }
        assertThrows(IllegalArgumentException.class, () -> SluiceServer.builder().additionalIceCandidate("203.0.113.7", -1));
    }

    @Test
    void startOnceCloseIdempotentAndCloseWithoutStart() {
        SluiceServer s = SluiceServer.builder().rtmpPort(0).httpPort(0).build();
        assertThrows(IllegalStateException.class, s::httpUrl);
        s.start();
        assertTrue(s.watchUrl("live/x").matches("http://127\\.0\\.0\\.1:\\d+/watch/live/x"), s.watchUrl("live/x"));
        assertEquals(IllegalStateException.class, assertThrows(IllegalStateException.class, s::start).getClass());
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, s::start);
        SluiceServer.builder().build().close();
        assertThrows(IllegalArgumentException.class, () -> SluiceServer.builder().rtmpPort(70000));
        IllegalArgumentException tls = assertThrows(IllegalArgumentException.class,
                () -> SluiceServer.builder().tls(Path.of("/nonexistent/cert.pem"), Path.of("/nonexistent/key.pem")));
        assertEquals("tls: cannot read /nonexistent/cert.pem (expected: a readable PEM file)", tls.getMessage());
    }

    @Test
    void aSelfSignedCertificateServesHttpsAndRtmpsAndItsFingerprintIsTheOneClientsSee() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).selfSignedTls()
                .authorizer(TokenAuthorizer.builder().publishToken("pub").build()).build().start()) {
            String fingerprint = server.tlsFingerprint().orElseThrow();
            assertTrue(fingerprint.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), fingerprint);
            assertTrue(server.httpUrl().startsWith("https://127.0.0.1:"), server.httpUrl());
            assertTrue(server.rtmpUrl("live/x").startsWith("rtmps://127.0.0.1:"), server.rtmpUrl("live/x"));

            java.util.List<java.security.cert.X509Certificate> seen = new java.util.ArrayList<>();
            javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
            ssl.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                    seen.add(chain[0]); // a development certificate: trusted by its fingerprint, checked below
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            HttpClient https = HttpClient.newBuilder().sslContext(ssl).build(); // hostname checked against the SANs
            HttpResponse<String> index = https.send(HttpRequest.newBuilder(URI.create(server.httpUrl())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, index.statusCode());
            assertTrue(index.body().contains("Live streams"), index.body());
            assertEquals(fingerprint, DevelopmentCertificate.fingerprint(seen.get(0)));
            HttpResponse<Void> whip = https.send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "whip/live/x"))
                    .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString("v=0\r\n")).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(401, whip.statusCode());

            Path log = tmp.resolve("rtmps.log");
            assertEquals(0, ffmpeg(log, "-re", "-i", media(RABBIT).toString(), "-t", "1", "-c", "copy", "-f", "flv",
                    server.rtmpUrl("live/x?token=pub")), Files.readString(log));
        }
    }

    @Test
    void exposingIngestWithoutAuthenticationWarnsInOneLineAndWithATokenDoesNot() throws Exception {
        String open = startAndCaptureStderr(SluiceServer.builder().bindAddress(InetAddress.getByName("0.0.0.0")));
        long warnings = open.lines().filter(l -> l.contains("WARN")).count();
        assertEquals(1, warnings, open);
        assertTrue(open.contains("ingest is open") && open.contains("--publish-token"), open);
        String guarded = startAndCaptureStderr(SluiceServer.builder().bindAddress(InetAddress.getByName("0.0.0.0"))
                .authorizer(TokenAuthorizer.builder().publishToken("t").build()));
        assertTrue(guarded.lines().noneMatch(l -> l.contains("WARN")), guarded);
        String loopback = startAndCaptureStderr(SluiceServer.builder());
        assertTrue(loopback.lines().noneMatch(l -> l.contains("WARN")), loopback);
    }

    private static String startAndCaptureStderr(SluiceServer.Builder b) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try (SluiceServer s = b.rtmpPort(0).httpPort(0).build()) {
            s.start();
        } finally {
            System.setErr(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
