package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.tls.AlertDescription;
import org.bouncycastle.tls.CipherSuite;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DtlsEndpointTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);
    /** Certificates are shared: generating one costs a few milliseconds. */
    private static DtlsCertificate clientCert;
    private static DtlsCertificate serverCert;

    private final List<DtlsEndpoint> endpoints = new ArrayList<>();

    @BeforeAll
    static void certificates() {
        clientCert = DtlsCertificate.generate();
        serverCert = DtlsCertificate.generate();
    }

    @AfterEach
    void closeAll() throws InterruptedException {
        for (DtlsEndpoint e : endpoints) {
            e.close();
            assertTrue(e.awaitTermination(Duration.ofSeconds(5)), "thread of " + e + " ended");
        }
    }

    private static DtlsContext.Builder context(DtlsCertificate cert) {
        return DtlsContext.builder().certificate(cert).initialRetransmitTimeout(Duration.ofMillis(50));
    }

    private DtlsEndpoint client(DtlsContext ctx, DtlsFingerprint expected) {
        DtlsEndpoint e = ctx.newEndpoint(DtlsRole.CLIENT, expected);
        endpoints.add(e);
        return e;
    }

    private DtlsEndpoint server(DtlsContext ctx, DtlsFingerprint expected) {
        DtlsEndpoint e = ctx.newEndpoint(DtlsRole.SERVER, expected.toSdpValue());
        endpoints.add(e);
        return e;
    }

    /** Handshakes a client and a server over a perfect pump and returns {client keys, server keys}. */
    private DtlsSrtpKeys[] handshake(DtlsContext clientCtx, DtlsContext serverCtx) throws Exception {
        DtlsEndpoint server = server(serverCtx, clientCert.fingerprint());
        DtlsEndpoint client = client(clientCtx, serverCert.fingerprint());
        server.start();
        client.start();
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);
        return new DtlsSrtpKeys[] {client.handshakeFuture().get(), server.handshakeFuture().get()};
    }

    private static void assertKeysAgree(DtlsSrtpKeys client, DtlsSrtpKeys server) {
        assertEquals(DtlsRole.CLIENT, client.localRole());
        assertEquals(DtlsRole.SERVER, server.localRole());
        assertEquals(client.profile(), server.profile());
        assertArrayEquals(client.keyingMaterial(), server.keyingMaterial());
        assertArrayEquals(client.clientWriteMasterKey(), server.clientWriteMasterKey());
        assertArrayEquals(client.serverWriteMasterSalt(), server.serverWriteMasterSalt());
        assertArrayEquals(client.localMasterKey(), server.remoteMasterKey());
        assertArrayEquals(client.localMasterSalt(), server.remoteMasterSalt());
        assertArrayEquals(server.localMasterKey(), client.remoteMasterKey());
        assertFalse(java.util.Arrays.equals(client.localMasterKey(), client.remoteMasterKey()));
    }

    @Test
    @DisplayName("default contexts negotiate AEAD_AES_128_GCM and both sides export the same keys (RFC 5764 §4.2)")
    void defaultsNegotiateGcm() throws Exception {
        DtlsSrtpKeys[] keys = handshake(context(clientCert).build(), context(serverCert).build());
        assertEquals(SrtpProtectionProfile.AEAD_AES_128_GCM, keys[0].profile());
        assertEquals(16, keys[0].localMasterKey().length);
        assertEquals(12, keys[0].localMasterSalt().length);
        assertKeysAgree(keys[0], keys[1]);
        for (DtlsEndpoint e : endpoints) {
            assertEquals(DtlsEndpoint.State.CONNECTED, e.state());
            assertEquals(DtlsHandshakeStep.COMPLETED, e.handshakeStep());
            assertEquals(CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, e.handshake().cipherSuite());
            assertTrue(e.handshake().extendedMasterSecret(), "RFC 7627 extended master secret");
        }
    }

    @Test
    void clientOfferingOnlySha1GetsSha1() throws Exception {
        DtlsSrtpKeys[] keys = handshake(
                context(clientCert).srtpProfiles(List.of(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80)).build(),
                context(serverCert).build());
        assertEquals(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, keys[0].profile());
        assertEquals(14, keys[1].localMasterSalt().length);
        assertKeysAgree(keys[0], keys[1]);
    }

    @Test
    @DisplayName("the server picks by its own preference order among the client's offer")
    void serverPreferenceWins() throws Exception {
        DtlsSrtpKeys[] keys = handshake(context(clientCert).build(), context(serverCert).srtpProfiles(
                List.of(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, SrtpProtectionProfile.AEAD_AES_128_GCM)).build());
        assertEquals(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80, keys[0].profile());
        assertKeysAgree(keys[0], keys[1]);
    }

    @Test
    void noCommonProfileFailsBothSides() throws Exception {
        DtlsEndpoint server = server(context(serverCert).srtpProfiles(List.of(SrtpProtectionProfile.AEAD_AES_128_GCM))
                .build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).srtpProfiles(
                List.of(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80)).build(), serverCert.fingerprint());
        server.start();
        client.start();
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);
        DtlsHandshakeException s = failure(server);
        assertTrue(s.getMessage().contains("no common SRTP protection profile"), s.getMessage());
        assertEquals(DtlsHandshakeStep.AWAITING_CLIENT_HELLO, s.step());
        DtlsHandshakeException c = failure(client);
        assertEquals(AlertDescription.handshake_failure, c.alertDescription().getAsInt());
        assertEquals(DtlsEndpoint.State.FAILED, client.state());
    }

    @Test
    @DisplayName("RFC 8842 §5: a client certificate that does not match the SDP fingerprint fails the server")
    void serverRejectsWrongClientFingerprint() throws Exception {
        DtlsFingerprint wrong = DtlsCertificate.generate().fingerprint();
        DtlsEndpoint server = server(context(serverCert).build(), wrong);
        DtlsEndpoint client = client(context(clientCert).build(), serverCert.fingerprint());
        List<Object> serverEvents = new CopyOnWriteArrayList<>();
        server.start(new DtlsEndpoint.Listener() {
            @Override
            public void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
                serverEvents.add(keys);
            }

            @Override
            public void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
                serverEvents.add(cause);
            }
        });
        client.start();
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);

        DtlsFingerprintMismatchException s = assertInstanceOf(DtlsFingerprintMismatchException.class, failure(server));
        assertEquals(wrong, s.expected());
        assertEquals(clientCert.fingerprint(), s.actual());
        assertEquals(DtlsHandshakeStep.AWAITING_CLIENT_CERTIFICATE, s.step());
        assertEquals(DtlsRole.SERVER, s.role());
        assertEquals(1, serverEvents.size());
        assertTrue(serverEvents.get(0) == s, "listener got the same exception");

        DtlsHandshakeException c = failure(client);
        assertFalse(c instanceof DtlsFingerprintMismatchException, "the client's own check passed");
        assertEquals(AlertDescription.bad_certificate, c.alertDescription().getAsInt());
    }

    @Test
    void clientRejectsWrongServerFingerprint() throws Exception {
        DtlsEndpoint server = server(context(serverCert).build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).build(), DtlsCertificate.generate().fingerprint());
        server.start();
        client.start();
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);
        DtlsFingerprintMismatchException c = assertInstanceOf(DtlsFingerprintMismatchException.class, failure(client));
        assertEquals(DtlsHandshakeStep.AWAITING_SERVER_CERTIFICATE, c.step());
        assertEquals(serverCert.fingerprint(), c.actual());
        assertEquals(AlertDescription.bad_certificate, failure(server).alertDescription().getAsInt());
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 42})
    @DisplayName("RFC 6347 §4.2.4: retransmission recovers from 25 % loss and 20 % reordering")
    void survivesLossAndReordering(long seed) throws Exception {
        // Bouncy Castle's retransmission timer runs on the wall clock and doubles per loss: from the default 1 s a
        // flight gets only 4 retransmissions in 30 s, and at 25 % loss per datagram a multi-datagram flight lost 5
        // times running failed about once in ten CI runs. From 100 ms (what a low-RTT path would use) it gets 8,
        // which exercises the same backoff with a failure chance far below that.
        Duration timeout = Duration.ofSeconds(30);
        Duration rto = Duration.ofMillis(100);
        DtlsEndpoint server = server(context(serverCert).handshakeTimeout(timeout).initialRetransmitTimeout(rto).build(),
                clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).handshakeTimeout(timeout).initialRetransmitTimeout(rto).mtuBytes(400).build(),
                serverCert.fingerprint());
        server.start();
        client.start();
        DtlsPump pump = new DtlsPump(client, server, seed, 0.25, 0.2);
        pump.untilHandshakesDone(timeout.plusSeconds(5));
        assertKeysAgree(client.handshakeFuture().get(), server.handshakeFuture().get());
        assertTrue(pump.dropped > 0, "some datagrams were dropped");
    }

    @Test
    void mtuBoundsEveryDatagram() throws Exception {
        DtlsEndpoint server = server(context(serverCert).mtuBytes(300).build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).mtuBytes(300).build(), serverCert.fingerprint());
        server.start();
        client.start();
        DtlsPump pump = new DtlsPump(client, server, 5, 0.1, 0);
        pump.untilHandshakesDone(LIMIT);
        assertKeysAgree(client.handshakeFuture().get(), server.handshakeFuture().get());
        assertTrue(pump.largestDatagram <= 300, "largest datagram " + pump.largestDatagram);
    }

    @Test
    @DisplayName("a silent peer: the client times out waiting for ServerHello")
    void clientTimesOutWhenServerIsSilent() throws Exception {
        DtlsEndpoint client = client(context(clientCert).handshakeTimeout(Duration.ofMillis(300)).build(),
                serverCert.fingerprint());
        long start = System.nanoTime();
        client.start();
        while (!client.handshakeFuture().isDone()) {
            DtlsPump.drain(client, null); // the network eats every ClientHello
            Thread.sleep(5);
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        DtlsHandshakeTimeoutException e = assertInstanceOf(DtlsHandshakeTimeoutException.class, failure(client));
        assertEquals(DtlsHandshakeStep.AWAITING_SERVER_HELLO, e.step());
        assertEquals(Duration.ofMillis(300), e.timeout());
        assertTrue(e.getMessage().contains("waiting for ServerHello"), e.getMessage());
        assertTrue(tookMs >= 250 && tookMs < 5000, "took " + tookMs + " ms");
        assertTrue(client.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(DtlsEndpoint.State.FAILED, client.state());
    }

    @Test
    void serverTimesOutWithoutClientHello() throws Exception {
        DtlsEndpoint server = server(context(serverCert).handshakeTimeout(Duration.ofMillis(200)).build(),
                clientCert.fingerprint());
        server.start();
        DtlsHandshakeTimeoutException e = assertInstanceOf(DtlsHandshakeTimeoutException.class, failure(server));
        assertEquals(DtlsHandshakeStep.AWAITING_CLIENT_HELLO, e.step());
        assertNull(server.pollTransmit(), "a server sends nothing before a ClientHello");
    }

    @Test
    @DisplayName("garbage datagrams before, during and after the handshake are dropped without harm")
    void garbageIsHarmless() throws Exception {
        DtlsEndpoint server = server(context(serverCert).build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).build(), serverCert.fingerprint());
        Random random = new Random(3);
        feedGarbage(server, random); // before start: queued, then ignored by the handshake
        server.start();
        client.start();
        feedGarbage(client, random);
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);
        assertKeysAgree(client.handshakeFuture().get(), server.handshakeFuture().get());

        feedGarbage(client, random);
        feedGarbage(server, random);
        Thread.sleep(50);
        assertEquals(DtlsEndpoint.State.CONNECTED, client.state());
        assertEquals(DtlsEndpoint.State.CONNECTED, server.state());
        assertEquals(0, client.ignoredApplicationData());
        DtlsPump.drain(client, null);
        DtlsPump.drain(server, null);
    }

    private static void feedGarbage(DtlsEndpoint e, Random random) {
        List<ByteBuf> garbage = new ArrayList<>();
        garbage.add(Unpooled.EMPTY_BUFFER);
        garbage.add(Unpooled.wrappedBuffer(new byte[] {22}));
        // A record header whose length field lies.
        garbage.add(Unpooled.wrappedBuffer(new byte[] {22, (byte) 0xFE, (byte) 0xFD, 0, 0, 0, 0, 0, 0, 0, 9, 0x10, 0}));
        // An application_data record in epoch 1 that does not authenticate.
        byte[] appData = new byte[13 + 40];
        random.nextBytes(appData);
        appData[0] = 23;
        appData[1] = (byte) 0xFE;
        appData[2] = (byte) 0xFD;
        appData[3] = 0;
        appData[4] = 1;
        appData[11] = 0;
        appData[12] = 40;
        garbage.add(Unpooled.wrappedBuffer(appData));
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[1 + random.nextInt(300)];
            random.nextBytes(b);
            b[0] = (byte) (random.nextBoolean() ? 23 : 200); // not a handshake record
            garbage.add(Unpooled.wrappedBuffer(b));
        }
        for (ByteBuf g : garbage) {
            int readerIndex = g.readerIndex();
            e.handleDatagram(g);
            assertEquals(readerIndex, g.readerIndex(), "borrowed buffer untouched");
            g.release();
        }
    }

    @Test
    @DisplayName("close_notify from the peer ends the other side's thread cleanly (RFC 5246 §7.2.1)")
    void closeNotifyEndsThePeer() throws Exception {
        DtlsEndpoint server = server(context(serverCert).build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).build(), serverCert.fingerprint());
        List<String> serverEvents = new CopyOnWriteArrayList<>();
        server.start(new DtlsEndpoint.Listener() {
            @Override
            public void onClosed(DtlsEndpoint endpoint) {
                serverEvents.add("closed");
            }
        });
        client.start();
        DtlsPump pump = DtlsPump.perfect(client, server);
        pump.untilHandshakesDone(LIMIT);

        client.closeNotify();
        pump.until(() -> server.state() == DtlsEndpoint.State.CLOSED && client.state() == DtlsEndpoint.State.CLOSED,
                LIMIT);
        assertTrue(server.awaitTermination(Duration.ofSeconds(5)));
        assertTrue(client.awaitTermination(Duration.ofSeconds(5)));
        assertEquals(List.of("closed"), serverEvents);
        assertTrue(server.handshakeFuture().isDone() && !server.handshakeFuture().isCompletedExceptionally());
    }

    @Test
    void closeDuringHandshakeFailsItAndIsIdempotent() throws Exception {
        DtlsEndpoint client = client(context(clientCert).build(), serverCert.fingerprint());
        client.start();
        client.close();
        client.close();
        DtlsHandshakeException e = failure(client);
        assertFalse(e instanceof DtlsHandshakeTimeoutException);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(client.awaitTermination(Duration.ofSeconds(2)));
        assertEquals(DtlsEndpoint.State.CLOSED, client.state());
        assertNull(client.pollTransmit(), "queued datagrams were released");
        assertThrows(IllegalStateException.class, client::start);
    }

    @Test
    void closeBeforeStart() throws Exception {
        DtlsEndpoint server = server(context(serverCert).build(), clientCert.fingerprint());
        server.handleDatagram(Unpooled.wrappedBuffer(new byte[] {22, 1, 2}));
        server.close();
        assertTrue(server.awaitTermination(Duration.ZERO));
        assertEquals(DtlsEndpoint.State.CLOSED, server.state());
        assertInstanceOf(DtlsHandshakeException.class, failure(server));
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    @DisplayName("no handshake thread survives close(), whatever the state")
    void noThreadLeaks() throws Exception {
        long before = dtlsThreads();
        // Connected pair.
        DtlsEndpoint server = server(context(serverCert).build(), clientCert.fingerprint());
        DtlsEndpoint client = client(context(clientCert).build(), serverCert.fingerprint());
        server.start();
        client.start();
        DtlsPump.perfect(client, server).untilHandshakesDone(LIMIT);
        // Blocked in the handshake, both roles.
        DtlsEndpoint waitingServer = server(context(serverCert).build(), clientCert.fingerprint());
        DtlsEndpoint waitingClient = client(context(clientCert).build(), serverCert.fingerprint());
        waitingServer.start();
        waitingClient.start();
        assertEquals(before + 4, dtlsThreads());

        for (DtlsEndpoint e : endpoints) {
            e.close();
        }
        for (DtlsEndpoint e : endpoints) {
            assertTrue(e.awaitTermination(Duration.ofSeconds(2)), e + " ended promptly");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (dtlsThreads() > before && System.nanoTime() < deadline) {
            Thread.sleep(5); // awaitTermination returns just before the thread itself exits
        }
        assertEquals(before, dtlsThreads());
    }

    private static long dtlsThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("sluice-dtls-"))
                .count();
    }

    private static DtlsHandshakeException failure(DtlsEndpoint e) throws InterruptedException {
        try {
            e.handshakeFuture().get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CompletionException ex) {
            return assertInstanceOf(DtlsHandshakeException.class, ex.getCause());
        } catch (java.util.concurrent.TimeoutException ex) {
            throw new AssertionError("handshake of " + e + " still pending", ex);
        }
        throw new AssertionError("handshake of " + e + " succeeded");
    }
}
