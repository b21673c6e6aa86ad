package io.sluice.webrtc.ice;

import static io.sluice.webrtc.ice.IceSimulation.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.webrtc.stun.StunAttributeType;
import io.sluice.webrtc.stun.StunClass;
import io.sluice.webrtc.stun.StunErrorCode;
import io.sluice.webrtc.stun.StunIntegrity;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunMessageBuilder;
import io.sluice.webrtc.stun.StunMethod;
import io.sluice.webrtc.stun.TransactionId;
import java.net.InetSocketAddress;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IceLiteAgentTest {
    private static final InetSocketAddress LOCAL = addr("10.0.0.2", 3478);
    private static final InetSocketAddress BROWSER = addr("192.168.1.10", 61000);
    private static final IceCredentials SERVER = new IceCredentials("srv1", "serverpasswordserverpw1");
    private static final IceCredentials BROWSER_CREDS = new IceCredentials("brw1", "browserpasswordbrowser1");
    private final Random random = new Random(3);
    private final IceLiteAgent agent = IceLiteAgent.builder().localCredentials(SERVER)
            .remoteCredentials(BROWSER_CREDS).localAddress(LOCAL).random(random).build();

    @AfterEach
    void close() {
        agent.close();
    }

    private StunMessageBuilder check() {
        return StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, TransactionId.random(random))
                .username("srv1:brw1").priority(1853824767L).iceControlling(42L);
    }

    private record Answer(IceDatagramResult result, StunMessage response) {
    }

    private Answer send(long now, UnaryOperator<StunMessageBuilder> b) {
        ByteBuf in = Unpooled.wrappedBuffer(b.apply(check()).toByteArray());
        IceDatagramResult r;
        try {
            r = agent.handleDatagram(now, BROWSER, in);
        } finally {
            in.release();
        }
        Transmit t = agent.pollTransmit();
        if (t == null) {
            return new Answer(r, null);
        }
        try {
            assertEquals(LOCAL, t.source());
            assertEquals(BROWSER, t.destination());
            return new Answer(r, StunMessage.decode(t.content(), m -> SERVER.key()));
        } finally {
            t.content().release();
        }
    }

    @Test
    void answersValidCheckAndSelectsOnUseCandidate() {
        Answer a = send(0, b -> b.messageIntegrity(SERVER.key()).fingerprint());
        assertEquals(IceDatagramResult.ACCEPTED, a.result);
        assertEquals(StunClass.SUCCESS_RESPONSE, a.response.messageClass());
        assertEquals(BROWSER, a.response.xorMappedAddress().orElseThrow());
        assertEquals(StunIntegrity.VALID, a.response.integrity());
        assertTrue(a.response.hasFingerprint());
        assertEquals(IceConnectionState.CHECKING, agent.state());
        assertTrue(agent.selectedPair().isEmpty());

        send(1, b -> b.useCandidate().messageIntegrity(SERVER.key()).fingerprint());
        assertEquals(new IceEvent.StateChanged(IceConnectionState.CHECKING), agent.pollEvent());
        assertEquals(new IceEvent.SelectedPairChanged(new CandidatePair(LOCAL, BROWSER)), agent.pollEvent());
        assertEquals(new IceEvent.StateChanged(IceConnectionState.CONNECTED), agent.pollEvent());
        assertNull(agent.pollEvent());
        assertTrue(agent.canSend());
    }

    @Test
    void errorResponses() {
        assertError(StunErrorCode.BAD_REQUEST, send(0, b -> b.fingerprint()));
        assertError(StunErrorCode.UNAUTHENTICATED, send(0, b -> b.messageIntegrity(BROWSER_CREDS.key())));
        Answer wrongRemote = send(0, b -> StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING,
                TransactionId.random(random)).username("srv1:other").messageIntegrity(SERVER.key()));
        assertError(StunErrorCode.UNAUTHENTICATED, wrongRemote);
        Answer unknown = send(0, b -> b.attribute(0x7ABC, new byte[4]).messageIntegrity(SERVER.key()));
        assertError(StunErrorCode.UNKNOWN_ATTRIBUTE, unknown);
        assertEquals(0x7ABC, unknown.response.unknownAttributes()[0]);
        Answer conflict = send(0, b -> StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING,
                TransactionId.random(random)).username("srv1:brw1").iceControlled(1).messageIntegrity(SERVER.key()));
        assertError(StunErrorCode.ROLE_CONFLICT, conflict);
        assertEquals(5, agent.rejectedCount());
        assertTrue(agent.selectedPair().isEmpty());
    }

    private static void assertError(StunErrorCode expected, Answer a) {
        assertEquals(IceDatagramResult.REJECTED, a.result);
        assertEquals(StunClass.ERROR_RESPONSE, a.response.messageClass());
        assertEquals(expected.code(), a.response.errorCode().orElseThrow().code());
    }

    @Test
    void dropsMalformedAndIgnoresNonStun() {
        byte[] raw = check().fingerprint().toByteArray();
        raw[raw.length - 1] ^= 1;
        ByteBuf bad = Unpooled.wrappedBuffer(raw);
        ByteBuf rtp = Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 96, 0, 1});
        try {
            assertEquals(IceDatagramResult.DROPPED_MALFORMED, agent.handleDatagram(0, BROWSER, bad));
            assertEquals(IceDatagramResult.IGNORED, agent.handleDatagram(0, BROWSER, rtp));
        } finally {
            bad.release();
            rtp.release();
        }
        assertEquals(1, agent.malformedCount());
        assertNull(agent.pollTransmit());
    }

    @Test
    void consentLostWithoutChecks() {
        long s = 1_000_000_000L;
        agent.handleTimeout(0);
        send(s, b -> b.useCandidate().messageIntegrity(SERVER.key()));
        send(20 * s, b -> b.messageIntegrity(SERVER.key())); // refreshes consent
        assertEquals(50 * s, agent.pollTimeoutNanos());
        agent.handleTimeout(49 * s);
        assertTrue(agent.canSend());
        agent.handleTimeout(50 * s);
        assertEquals(IceConnectionState.FAILED, agent.state());
        IceEvent e;
        IceEvent last = null;
        while ((e = agent.pollEvent()) != null) {
            if (e instanceof IceEvent.ConsentLost) {
                last = e;
            }
        }
        assertEquals(new IceEvent.ConsentLost(new CandidatePair(LOCAL, BROWSER)), last);
        assertEquals(Long.MAX_VALUE, agent.pollTimeoutNanos());
    }

    @Test
    void failsWhenNoCheckArrives() {
        agent.handleTimeout(100);
        agent.handleTimeout(100 + 29_999_999_999L);
        assertEquals(IceConnectionState.NEW, agent.state());
        agent.handleTimeout(100 + 30_000_000_000L);
        assertEquals(IceConnectionState.FAILED, agent.state());
    }

    @Test
    void ufragDemuxRoutesByUfragThenAddress() {
        IceUfragDemux<String> demux = new IceUfragDemux<>(2, 1);
        demux.register("srv1", "session-1");
        demux.register("srv2", "session-2");
        assertThrows(IllegalStateException.class, () -> demux.register("srv3", "session-3"));
        ByteBuf req = Unpooled.wrappedBuffer(check().messageIntegrity(SERVER.key()).toByteArray());
        ByteBuf dtls = Unpooled.wrappedBuffer(new byte[] {22, (byte) 0xfe, (byte) 0xfd});
        try {
            assertSame("session-1", demux.route(BROWSER, req));
            assertNull(demux.route(BROWSER, dtls));
            assertTrue(demux.bindAddress(BROWSER, "srv1"));
            assertSame("session-1", demux.route(BROWSER, dtls));
            assertEquals(false, demux.bindAddress(addr("192.168.1.10", 61001), "srv1")); // per-session bound
            demux.unregister("srv1");
            assertNull(demux.route(BROWSER, dtls));
            assertEquals(0, demux.addressCount());
            assertEquals(1, demux.sessionCount());
        } finally {
            req.release();
            dtls.release();
        }
    }

    @Test
    void candidateSyntax() {
        IceCandidate c = IceCandidate.parse("candidate:842163049 1 udp 1677729535 203.0.113.5 51234 typ srflx "
                + "raddr 192.168.1.10 rport 51234 generation 0 ufrag brw1 network-cost 999");
        assertEquals(CandidateType.SERVER_REFLEXIVE, c.type());
        assertEquals("192.168.1.10", c.relatedAddress());
        assertEquals(51234, c.relatedPort());
        assertEquals(addr("203.0.113.5", 51234), c.socketAddress().orElseThrow());
        assertEquals("candidate:842163049 1 udp 1677729535 203.0.113.5 51234 typ srflx raddr 192.168.1.10 "
                + "rport 51234 generation 0 ufrag brw1 network-cost 999", c.toSdpValue());
        IceCandidate mdns = IceCandidate.parse(
                "candidate:1 1 UDP 2122260223 5f1c9d0e-7c51-4a0b-9f43-3a2e0c1d2b3a.local 54321 typ host");
        assertTrue(mdns.socketAddress().isEmpty());
        assertThrows(IllegalArgumentException.class, () -> IceCandidate.parse("candidate:1 1 udp 1 1.2.3.4 99999 typ host"));
        assertThrows(IllegalArgumentException.class, () -> IceCandidate.parse("candidate:1 1 udp 1 1.2.3.4 9 typ bogus"));
        assertThrows(IllegalArgumentException.class, () -> IceCandidate.parse("candidate:1 1 udp"));
        assertThrows(IllegalArgumentException.class, () -> new IceCredentials("ab", "x".repeat(22)));
        assertThrows(IllegalArgumentException.class, () -> new IceCredentials("abcd", "short"));
        IceCredentials r = IceCredentials.random(new Random(1));
        assertEquals(8, r.ufrag().length());
        assertEquals(24, r.pwd().length());
        assertEquals(StunAttributeType.USERNAME, 0x0006);
    }
}
