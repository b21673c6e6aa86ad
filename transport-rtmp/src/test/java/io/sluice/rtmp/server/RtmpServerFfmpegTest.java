package io.sluice.rtmp.server;

import static io.sluice.rtmp.server.RtmpServerTestSupport.await;
import static io.sluice.rtmp.server.RtmpServerTestSupport.awaitTrue;
import static io.sluice.rtmp.server.RtmpServerTestSupport.decodedVideoFrames;
import static io.sluice.rtmp.server.RtmpServerTestSupport.ffmpeg;
import static io.sluice.rtmp.server.RtmpServerTestSupport.kill;
import static io.sluice.rtmp.server.RtmpServerTestSupport.media;
import static io.sluice.rtmp.server.RtmpServerTestSupport.read;
import static io.sluice.rtmp.server.RtmpServerTestSupport.videoPacketFlags;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.client.RtmpTransport;
import io.sluice.rtmp.interop.RtmpTransportErrorsInteropTest.Feedback;
import io.sluice.rtmp.message.Commands;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.net.URI;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded server against real ffmpeg peers on loopback: publish and play, GOP cache for a
 * late player, second publisher, authorisation, RTMPS, connection limit.
 */
@Tag("interop")
class RtmpServerFfmpegTest {
    /** friday: 640x480, 185 video frames, a keyframe every 35 frames, B-frames. */
    static final String FRIDAY = "friday_640x480_6s_h264_aac.mp4";
    static final int FRIDAY_VIDEO_FRAMES = 185;
    /** rabbit: 320x240, keyframes at 0 and 5 s, no B-frames. */
    static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";
    static final int RABBIT_VIDEO_FRAMES = 234;
    /** A video track for opens that fail before any frame is sent. */
    static final TrackInfo RABBIT_VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240)
            .codecConfig(new byte[] {1, 0x42, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();

    @TempDir
    Path tmp;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void requireFfmpeg() {
        assertTrue(RtmpServerTestSupport.ffmpegAvailable(), "ffmpeg/ffprobe not installed");
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            kill(p);
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private RtmpServer server(RtmpServer.Builder b) throws IOException {
        RtmpServer s = b.bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
        closeables.add(s);
        return s;
    }

    private Process start(String logName, String... args) throws IOException {
        Process p = ffmpeg(tmp.resolve(logName), args);
        processes.add(p);
        return p;
    }

    private static String url(RtmpServer s, String path) {
        return (s.isTls() ? "rtmps" : "rtmp") + "://127.0.0.1:" + s.port() + "/" + path;
    }

    private Process publish(RtmpServer s, String logName, String clip, String path, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("-re", "-i", media(clip).toString()));
        args.addAll(List.of(extra));
        args.addAll(List.of("-c", "copy", "-f", "flv", url(s, path)));
        return start(logName, args.toArray(String[]::new));
    }

    private Process play(RtmpServer s, String logName, String path, Path out) throws IOException {
        return start(logName, "-i", url(s, path), "-c", "copy", "-f", "flv", "-y", out.toString());
    }

    private RtmpServerTestSupport.Probe probe(StreamHub hub, String name) {
        RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
        closeables.add(hub.subscribe(name, probe));
        return probe;
    }

    @Test
    void ffmpegPublishesAndTwoFfmpegPlayersPlayTheLateOneFromTheGopCache() throws Exception {
        RtmpServer server = server(RtmpServer.builder());
        StreamHub hub = server.hub();
        RtmpServerTestSupport.Probe probe = probe(hub, "live/x");
        Path out1 = tmp.resolve("out1.flv");
        Path out2 = tmp.resolve("out2.flv");
        Process player1 = play(server, "player1.log", "live/x", out1); // waits for the publisher
        awaitTrue("player 1 subscribed", 10_000, () -> hub.subscriberCount("live/x") == 2);
        Process publisher = publish(server, "publisher.log", FRIDAY, "live/x");
        awaitTrue("2.5 s of video", 15_000, () -> probe.videoFrames.get() >= 75);
        Process player2 = play(server, "player2.log", "live/x", out2);
        awaitTrue("player 2 subscribed", 10_000, () -> hub.subscriberCount("live/x") == 3);
        long joinKeyframe = probe.lastKeyframeIndex; // the GOP cache starts here for player 2

        assertEquals(0, await(publisher, 30, tmp.resolve("publisher.log")), read(tmp.resolve("publisher.log")));
        assertEquals(0, await(player1, 15, tmp.resolve("player1.log")), read(tmp.resolve("player1.log")));
        assertEquals(0, await(player2, 15, tmp.resolve("player2.log")), read(tmp.resolve("player2.log")));
        assertEquals(FRIDAY_VIDEO_FRAMES, probe.videoFrames.get(), "every source frame reached the hub");
        assertTrue(java.util.stream.IntStream.range(0, FRIDAY_VIDEO_FRAMES)
                .anyMatch(i -> !probe.videoPtsUs.get(i).equals(probe.videoDtsUs.get(i))), "B-frames: PTS differs from DTS");

        int decoded1 = decodedVideoFrames(out1);
        assertTrue(decoded1 >= 0.95 * FRIDAY_VIDEO_FRAMES, "player 1 decoded " + decoded1 + " of " + FRIDAY_VIDEO_FRAMES);
        assertTrue(videoPacketFlags(out1).get(0).startsWith("K"), "player 1 starts at a keyframe");
        long expected2 = FRIDAY_VIDEO_FRAMES - joinKeyframe;
        int decoded2 = decodedVideoFrames(out2);
        assertTrue(decoded2 >= 0.95 * expected2, "player 2 decoded " + decoded2 + " of " + expected2
                + " frames from the keyframe at its join (frame " + joinKeyframe + ")");
        assertTrue(videoPacketFlags(out2).get(0).startsWith("K"), "player 2 starts at a keyframe");
    }

    @Test
    void aSecondPublisherIsRefusedWithBadNameOrReplacesTheFirstWhenConfigured() throws Exception {
        RtmpServer rejecting = server(RtmpServer.builder());
        RtmpServer replacing = server(RtmpServer.builder().replaceExistingPublisher(true));
        RtmpServerTestSupport.Probe probe = probe(rejecting.hub(), "live/x");
        RtmpServerTestSupport.Probe probe2 = probe(replacing.hub(), "live/x");
        Process first = publish(rejecting, "first.log", RABBIT, "live/x", "-t", "4");
        Process first2 = publish(replacing, "first2.log", RABBIT, "live/x", "-t", "4");
        awaitTrue("first publishers live", 10_000, () -> probe.videoFrames.get() > 10 && probe2.videoFrames.get() > 10);

        Process second = publish(rejecting, "second.log", RABBIT, "live/x", "-t", "2");
        Process second2 = publish(replacing, "second2.log", RABBIT, "live/x", "-t", "2");
        assertNotEquals(0, await(second, 10, tmp.resolve("second.log")), "refused publisher fails");
        assertTrue(read(tmp.resolve("second.log")).contains("already being published"), read(tmp.resolve("second.log")));
        long before = probe.videoFrames.get();
        awaitTrue("the first publisher keeps streaming", 3000, () -> probe.videoFrames.get() > before + 10);
        assertEquals(0, await(first, 15, tmp.resolve("first.log")), read(tmp.resolve("first.log")));
        assertEquals(1, probe.publishes.get());

        assertEquals(0, await(second2, 15, tmp.resolve("second2.log")), read(tmp.resolve("second2.log")));
        assertNotEquals(0, await(first2, 15, tmp.resolve("first2.log")), "the replaced publisher is disconnected");
        assertEquals(2, probe2.publishes.get(), "the second publisher took the stream over");
    }

    @Test
    void tokensGuardPublishAndPlaySeparatelyAndOnlyATokenHolderMayReplaceALivePublisher() throws Exception {
        RtmpServer server = server(RtmpServer.builder().replaceExistingPublisher(true)
                .authorizer(TokenAuthorizer.builder().publishToken("pub-secret").playToken("view-secret").build()));
        RtmpServerTestSupport.Probe probe = probe(server.hub(), "live/cam");
        Process noToken = publish(server, "no-token.log", RABBIT, "live/cam", "-t", "1");
        assertNotEquals(0, await(noToken, 15, tmp.resolve("no-token.log")));
        assertTrue(read(tmp.resolve("no-token.log")).contains("a token is required to publish 'live/cam'"),
                read(tmp.resolve("no-token.log")));
        Process wrong = publish(server, "wrong.log", RABBIT, "live/cam?token=view-secret", "-t", "1");
        assertNotEquals(0, await(wrong, 15, tmp.resolve("wrong.log")), "a play token does not publish");
        assertEquals(0, probe.publishes.get());

        Process good = publish(server, "good.log", RABBIT, "live/cam?token=pub-secret", "-t", "6");
        awaitTrue("the token holder publishes", 10_000, () -> probe.videoFrames.get() > 10);
        Process hijack = publish(server, "hijack.log", RABBIT, "live/cam", "-t", "2");
        assertNotEquals(0, await(hijack, 15, tmp.resolve("hijack.log")), "no token: may not replace the live publisher");
        assertEquals(1, probe.publishes.get(), "the live publisher was not replaced");

        Path refused = tmp.resolve("refused.flv");
        Process badPlayer = play(server, "bad-player.log", "live/cam", refused);
        assertNotEquals(0, await(badPlayer, 15, tmp.resolve("bad-player.log")));
        assertTrue(read(tmp.resolve("bad-player.log")).contains("a token is required to play 'live/cam'"),
                read(tmp.resolve("bad-player.log")));
        Path played = tmp.resolve("played.flv");
        Process player = start("player.log", "-i", url(server, "live/cam?token=view-secret"), "-t", "1", "-c", "copy",
                "-f", "flv", "-y", played.toString());
        assertEquals(0, await(player, 15, tmp.resolve("player.log")), read(tmp.resolve("player.log")));
        assertTrue(decodedVideoFrames(played) >= 20, "the token holder played");
        assertEquals(0, await(good, 20, tmp.resolve("good.log")), read(tmp.resolve("good.log")));
    }

    @Test
    void aPortInUseIsABindExceptionNamingAddressAndPort() throws Exception {
        RtmpServer first = server(RtmpServer.builder());
        RtmpServer second = RtmpServer.builder().port(first.port()).build();
        closeables.add(second);
        java.net.BindException e = assertThrows(java.net.BindException.class, second::start);
        assertTrue(e.getMessage().startsWith("cannot listen for RTMP on 127.0.0.1:" + first.port() + ": "), e.getMessage());
        assertTrue(first.localAddress().getAddress().isLoopbackAddress(), "loopback by default");
    }

    @Test
    void rtmpsWithASelfSignedCertificateNextToAPlainListenerOnTheSameHub() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        selfSigned(cert, key);
        StreamHub hub = StreamHub.create();
        closeables.add(hub);
        RtmpServer tls = server(RtmpServer.builder().hub(hub).tls(cert, key));
        RtmpServer plain = server(RtmpServer.builder().hub(hub));
        assertTrue(tls.isTls());
        RtmpServerTestSupport.Probe probe = probe(hub, "live/x");
        Path outTls = tmp.resolve("tls.flv");
        Path outPlain = tmp.resolve("plain.flv");
        Process tlsPlayer = play(tls, "tlsplayer.log", "live/x", outTls);
        Process plainPlayer = play(plain, "plainplayer.log", "live/x", outPlain);
        awaitTrue("players subscribed", 10_000, () -> hub.subscriberCount("live/x") == 3);
        Process publisher = publish(tls, "publisher.log", RABBIT, "live/x", "-t", "3");
        assertEquals(0, await(publisher, 20, tmp.resolve("publisher.log")), read(tmp.resolve("publisher.log")));
        assertEquals(0, await(tlsPlayer, 15, tmp.resolve("tlsplayer.log")), read(tmp.resolve("tlsplayer.log")));
        assertEquals(0, await(plainPlayer, 15, tmp.resolve("plainplayer.log")), read(tmp.resolve("plainplayer.log")));
        long published = probe.videoFrames.get();
        assertTrue(published >= 85, "published over rtmps: " + published);
        int tlsFrames = decodedVideoFrames(outTls);
        int plainFrames = decodedVideoFrames(outPlain);
        assertTrue(tlsFrames >= 0.95 * published, "rtmps player decoded " + tlsFrames + " of " + published);
        assertTrue(plainFrames >= 0.95 * published, "plain player decoded " + plainFrames + " of " + published);
    }

    @Test
    void theSluiceClientPublishesOverRtmpsWithATrustedSelfSignedCertificateAndFfmpegPlaysOverRtmps() throws Exception {
        Path cert = tmp.resolve("cert.pem");
        Path key = tmp.resolve("key.pem");
        X509Certificate certificate = selfSigned(cert, key);
        RtmpServer server = server(RtmpServer.builder().tls(cert, key));
        URI url = URI.create(url(server, "live/tls"));
        String connectUrl = "rtmps://127.0.0.1:" + server.port() + "/live";

        // Not trusted: neither the system trust store nor another self-signed certificate knows it.
        X509Certificate other = selfSigned(tmp.resolve("other.pem"), tmp.resolve("other-key.pem"));
        for (RtmpTransport untrusted : List.of(RtmpTransport.builder(url).build(),
                RtmpTransport.builder(url).trustCertificate(other).build())) {
            try (untrusted) {
                Feedback feedback = new Feedback();
                TransportException e = assertThrows(TransportException.class, () -> untrusted.open(List.of(RABBIT_VIDEO),
                        feedback));
                assertTrue(e.getMessage().contains("TLS handshake with " + connectUrl + " failed"), e.getMessage());
                assertEquals(List.of(TransportState.CONNECTING, TransportState.FAILED), feedback.states);
            }
        }
        assertEquals(0, server.hub().subscriberCount("live/tls"), "nothing was published");

        Path out = tmp.resolve("tls.flv");
        Process player = start("player.log", "-tls_verify", "0", "-i", url.toString(), "-c", "copy", "-f", "flv", "-y",
                out.toString());
        awaitTrue("ffmpeg subscribed over rtmps", 10_000, () -> server.hub().subscriberCount("live/tls") == 1);
        RtmpTransport rtmp = RtmpTransport.builder(url).trustCertificate(certificate).build();
        TransportStats stats;
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(media(RABBIT).toString()))
                .copy(true)
                .realtime(true)
                .transport(rtmp)
                .build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
            stats = rtmp.stats();
        }
        assertEquals(0, await(player, 15, tmp.resolve("player.log")), read(tmp.resolve("player.log")));
        int decoded = decodedVideoFrames(out);
        System.out.printf("rtmps: Sluice client sent %d frames (%d dropped); ffmpeg played %d of %d video frames%n",
                stats.framesSent(), stats.framesDropped(), decoded, RABBIT_VIDEO_FRAMES);
        assertTrue(decoded >= 0.95 * RABBIT_VIDEO_FRAMES, "ffmpeg decoded " + decoded + " of " + RABBIT_VIDEO_FRAMES);
        assertTrue(videoPacketFlags(out).get(0).startsWith("K"), "starts at a keyframe");
    }

    @Test
    void maxConnectionsIsEnforced() throws Exception {
        RtmpServer server = server(RtmpServer.builder().maxConnections(2));
        try (RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture();
             RtmpServerTestSupport.RawClient a = new RtmpServerTestSupport.RawClient(server.port());
             RtmpServerTestSupport.RawClient b = new RtmpServerTestSupport.RawClient(server.port())) {
            a.handshake();
            b.handshake();
            try (RtmpServerTestSupport.RawClient c = new RtmpServerTestSupport.RawClient(server.port())) {
                assertTrue(c.awaitClosedByServer(3000), "third connection closed at once");
                assertThrows(IOException.class, c::handshake);
                awaitTrue("one warning", 2000, () -> log.lines("WARN", "too many connections").size() == 1);
            }
            assertEquals(2, server.connectionCount());
        }
        awaitTrue("connections released", 3000, () -> server.connectionCount() == 0);
        try (RtmpServerTestSupport.RawClient d = new RtmpServerTestSupport.RawClient(server.port())) {
            d.handshake(); // room again
            d.connect("live");
            assertEquals("_result", d.awaitCommand("_result").name());
        }
    }

    @Test
    void aSilentPeerIsPingedThenClosedAtTheIdleTimeout() throws Exception {
        RtmpServer server = server(RtmpServer.builder().idleTimeout(Duration.ofMillis(400)));
        try (RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture();
             RtmpServerTestSupport.RawClient c = new RtmpServerTestSupport.RawClient(server.port())) {
            c.handshake();
            c.connect("live");
            c.awaitCommand("_result");
            boolean pinged = false;
            try {
                while (true) {
                    io.sluice.rtmp.chunk.RtmpMessage m = c.next();
                    try {
                        pinged |= m.messageTypeId() == io.sluice.rtmp.message.MessageTypeId.USER_CONTROL;
                    } finally {
                        m.release();
                    }
                }
            } catch (IOException closed) {
                // the server closed the connection
            }
            assertTrue(pinged, "a PingRequest came first");
            awaitTrue("WARN line", 2000, () -> log.lines("WARN", "idle: nothing received or sent").size() == 1);
        }
    }

    /**
     * A player that sent {@code play} of {@code name} on message stream 1, as the benchmarks' players.
     *
     * @param receiveBufferBytes its socket's receive buffer, set before connecting; 0 = the default
     */
    private RtmpServerTestSupport.RawClient player(RtmpServer s, String name, int receiveBufferBytes) throws IOException {
        RtmpServerTestSupport.RawClient c = new RtmpServerTestSupport.RawClient(s.port(), InetAddress.getLoopbackAddress(),
                receiveBufferBytes);
        closeables.add(c);
        c.handshake();
        c.connect("live");
        c.awaitCommand("_result");
        c.command(Commands.createStream(2), 0);
        c.awaitCommand("_result");
        c.command(Commands.play(name), 1); // what follows is read raw (or not at all)
        return c;
    }

    /**
     * Write progress is read off the outbound buffer, not a promise per write: a player that stops reading is
     * closed (nothing sent for the idle timeout), one that reads but never sends anything stays open (the media
     * it takes is activity), both behind a publisher that sends 8x faster than real time.
     */
    @Test
    void aPlayerThatStopsReadingIsClosedWhileOneThatOnlyReadsStaysOpen() throws Exception {
        RtmpServer server = server(RtmpServer.builder().idleTimeout(Duration.ofMillis(1000)));
        try (RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture()) {
            RtmpServerTestSupport.Probe probe = probe(server.hub(), "live/x");
            // 8x real time: the stalled player's buffers fill within a second, the reader keeps up (a publisher
            // as fast as the server takes it keeps the loop from its timers and drains for seconds)
            start("publisher.log", "-readrate", "8", "-stream_loop", "-1", "-i", media(FRIDAY).toString(), "-c", "copy",
                    "-f", "flv", url(server, "live/x"));
            awaitTrue("published", 15_000, () -> probe.videoFrames.get() > 0);
            RtmpServerTestSupport.RawClient reader = player(server, "x", 0);
            RtmpServerTestSupport.RawClient stalled = player(server, "x", 4096); // and never read after the handshake
            java.util.concurrent.atomic.AtomicLong readBytes = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.CountDownLatch readerEnded = new java.util.concurrent.CountDownLatch(1);
            Thread t = new Thread(() -> {
                byte[] buf = new byte[65536];
                try {
                    reader.socket.setSoTimeout(0);
                    int n;
                    while ((n = reader.in.read(buf)) >= 0) {
                        readBytes.addAndGet(n);
                    }
                } catch (IOException e) {
                    // closed
                } finally {
                    readerEnded.countDown();
                }
            }, "reader");
            t.setDaemon(true);
            t.start();
            String stalledPeer = ":" + stalled.socket.getLocalPort() + ": disconnected: ";
            awaitTrue("the player that stopped reading is closed", 20_000, () -> !log.lines("WARN", stalledPeer).isEmpty());
            String line = log.lines("WARN", stalledPeer).get(0);
            assertTrue(line.contains("stalled: ") || line.contains("idle: "), line);

            long before = readBytes.get();
            assertTrue(before > 0, "the reader got media");
            assertTrue(!readerEnded.await(2500, TimeUnit.MILLISECONDS), "the reader is still open 2.5 idle timeouts later");
            assertTrue(readBytes.get() > before, "and still gets media");
            assertEquals(List.of(), log.lines("WARN", ":" + reader.socket.getLocalPort() + ": disconnected"));
        }
    }

    @Test
    void builderValidatesAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> RtmpServer.builder().port(70000));
        assertThrows(IllegalArgumentException.class, () -> RtmpServer.builder().idleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RtmpServer.builder().maxChunkSize(10));
        assertThrows(IllegalArgumentException.class, () -> RtmpServer.builder().maxMessageSize(1 << 24));
        assertThrows(IllegalStateException.class, () -> RtmpServer.builder().hub(StreamHub.create())
                .replaceExistingPublisher(true).build());
        RtmpServer unstarted = RtmpServer.builder().build();
        assertThrows(IllegalStateException.class, unstarted::port);
        unstarted.close();
    }

    /**
     * Writes a self-signed RSA certificate for CN=127.0.0.1 (subject alternative names IP 127.0.0.1
     * and DNS localhost, so that a client verifying the host name accepts it) and its PKCS#8 key as
     * PEM files.
     *
     * @return the certificate
     */
    static X509Certificate selfSigned(Path certPem, Path keyPem) throws Exception {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
        gen.initialize(2048);
        KeyPair kp = gen.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1");
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minusSeconds(3600)), Date.from(now.plus(Duration.ofDays(1))), name, kp.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.dNSName, "localhost")}));
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(kp.getPrivate())));
        try (Writer w = Files.newBufferedWriter(certPem); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(cert);
        }
        try (Writer w = Files.newBufferedWriter(keyPem); JcaPEMWriter pem = new JcaPEMWriter(w)) {
            pem.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(kp.getPrivate(), null));
        }
        return cert;
    }
}
