package io.sluice.webrtc.ice;

import static io.sluice.webrtc.ice.IceSimulation.addr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A controlling agent (client) against a lite agent (server), in memory with simulated time. */
class IceAgentsTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long S = TimeUnit.SECONDS.toNanos(1);
    private static final InetSocketAddress CLIENT = addr("192.168.1.10", 50000);
    private static final InetSocketAddress CLIENT_V6 = addr("fd00::10", 50002);
    private static final InetSocketAddress SERVER = addr("10.0.0.2", 3478);
    private static final InetSocketAddress STUN = addr("203.0.113.1", 3478);
    private static final IceCredentials CLIENT_CREDS = new IceCredentials("cli1", "clientpasswordclientpw1");
    private static final IceCredentials SERVER_CREDS = new IceCredentials("srv1", "serverpasswordserverpw1");

    private IceSimulation sim;

    private IceSimulation simulation(IceCredentials serverCredsAtClient, InetSocketAddress stun, int transmissions) {
        IceControllingAgent.Builder cb = IceControllingAgent.builder()
                .localCredentials(CLIENT_CREDS)
                .hostAddress(CLIENT)
                .hostAddress(CLIENT_V6)
                .maxTransmissions(transmissions)
                .random(new Random(1));
        if (stun != null) {
            cb.stunServer(stun);
        }
        IceControllingAgent client = cb.build();
        client.setRemoteCredentials(serverCredsAtClient);
        // An unreachable candidate with a higher priority, checked first and failing.
        client.addRemoteCandidate(IceCandidate.parse(
                "candidate:9 1 udp 2130706431 10.0.0.99 9 typ host"));
        client.addRemoteCandidate(IceCandidate.parse(
                "candidate:1 1 udp 2113937151 10.0.0.2 3478 typ host generation 0"));
        IceLiteAgent server = IceLiteAgent.builder()
                .localCredentials(SERVER_CREDS)
                .remoteCredentials(CLIENT_CREDS)
                .localAddress(SERVER)
                .random(new Random(2))
                .build();
        long start = -5 * S; // any origin works: times are compared by subtraction
        server.handleTimeout(start);
        sim = new IceSimulation(client, server, SERVER, stun, start);
        return sim;
    }

    @AfterEach
    void close() {
        if (sim != null) {
            sim.close();
        }
    }

    @Test
    void connectsAndSelectsTheSamePair() {
        IceSimulation s = simulation(SERVER_CREDS, null, 7);
        long start = s.now;
        s.runFor(2 * S);
        assertEquals(IceConnectionState.CONNECTED, s.client.state());
        assertEquals(IceConnectionState.CONNECTED, s.server.state());
        CandidatePair expected = new CandidatePair(CLIENT, SERVER);
        assertEquals(expected, s.client.selectedPair().orElseThrow());
        assertEquals(new CandidatePair(SERVER, CLIENT), s.server.selectedPair().orElseThrow());
        assertTrue(s.client.canSend() && s.server.canSend());
        assertTrue(s.clientEvents.contains(new IceEvent.SelectedPairChanged(expected)));
        assertTrue(s.serverEvents.contains(new IceEvent.SelectedPairChanged(new CandidatePair(SERVER, CLIENT))));
        assertEquals(List.of(new IceEvent.StateChanged(IceConnectionState.CHECKING),
                new IceEvent.SelectedPairChanged(expected),
                new IceEvent.StateChanged(IceConnectionState.CONNECTED)), s.clientEvents);
        assertTrue(s.serverResults.stream().allMatch(r -> r == IceDatagramResult.ACCEPTED));
        // Consent checks keep both sides connected for minutes.
        s.runFor(120 * S);
        assertEquals(IceConnectionState.CONNECTED, s.client.state());
        assertEquals(IceConnectionState.CONNECTED, s.server.state());
        assertTrue(s.now - start >= 120 * S);
    }

    @Test
    void retransmitsThroughLoss() {
        IceSimulation s = simulation(SERVER_CREDS, null, 7);
        int[] dropped = {0};
        s.loss = (t, from, to) -> to.equals(SERVER) && dropped[0]++ < 3;
        long start = s.now;
        s.runFor(10 * S);
        assertEquals(IceConnectionState.CONNECTED, s.client.state());
        assertEquals(IceConnectionState.CONNECTED, s.server.state());
        assertTrue(dropped[0] > 3);
        // Check sent at 0 (lost), 0.5 s (lost), 1.5 s (lost), 3.5 s (answered), then USE-CANDIDATE.
        long connectedAfter = s.clientConnectedAt - start;
        assertTrue(connectedAfter >= 3500 * MS && connectedAfter < 3600 * MS, "connected after " + connectedAfter);
    }

    @Test
    void failsWhenEverythingIsLost() {
        IceSimulation s = simulation(SERVER_CREDS, null, 3);
        s.loss = (t, from, to) -> true;
        s.runFor(5 * S);
        assertEquals(IceConnectionState.CHECKING, s.client.state());
        // 3 transmissions (0, 0.5 s, 1.5 s), then 16 × 500 ms = 8 s for a late answer.
        s.runFor(10 * S);
        assertEquals(IceConnectionState.FAILED, s.client.state());
        assertFalse(s.client.canSend());
        // The server heard nothing for 30 s after it started.
        s.runFor(20 * S);
        assertEquals(IceConnectionState.FAILED, s.server.state());
    }

    @Test
    void consentLostOnBothSidesAfterThirtySeconds() {
        IceSimulation s = simulation(SERVER_CREDS, null, 7);
        s.runFor(10 * S);
        assertTrue(s.client.canSend());
        long cut = s.now;
        s.loss = (t, from, to) -> true;
        s.runFor(25 * S);
        assertTrue(s.client.canSend(), "consent still fresh 25 s after the cut");
        s.runFor(10 * S);
        assertFalse(s.client.canSend());
        assertFalse(s.server.canSend());
        CandidatePair clientPair = new CandidatePair(CLIENT, SERVER);
        assertTrue(s.clientEvents.contains(new IceEvent.ConsentLost(clientPair)));
        assertTrue(s.serverEvents.contains(new IceEvent.ConsentLost(new CandidatePair(SERVER, CLIENT))));
        assertEquals(IceConnectionState.FAILED, s.server.state());
        assertTrue(s.now - cut >= 30 * S);
    }

    @Test
    void wrongPasswordIsRejected() {
        IceSimulation s = simulation(new IceCredentials("srv1", "notthepasswordnotthepw1"), null, 2);
        s.runFor(20 * S);
        // The server answered 401 to every check; the client drops those answers (integrity fails).
        assertTrue(s.serverResults.contains(IceDatagramResult.REJECTED));
        assertFalse(s.serverResults.contains(IceDatagramResult.ACCEPTED));
        assertEquals(IceConnectionState.FAILED, s.client.state());
        assertTrue(s.server.rejectedCount() > 0);
        assertTrue(s.server.selectedPair().isEmpty());
    }

    @Test
    void gathersServerReflexiveCandidate() {
        IceSimulation s = simulation(SERVER_CREDS, STUN, 7);
        s.runFor(1 * S);
        IceCandidate srflx = s.client.localCandidates().stream()
                .filter(c -> c.type() == CandidateType.SERVER_REFLEXIVE).findFirst().orElseThrow();
        assertEquals("198.51.100.7", srflx.address());
        assertEquals(50000, srflx.port());
        assertEquals("192.168.1.10", srflx.relatedAddress());
        assertEquals(50000, srflx.relatedPort());
        assertEquals(IceCandidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, 1), srflx.priority());
        assertTrue(s.clientEvents.contains(new IceEvent.LocalCandidate(srflx)));
        assertEquals(IceConnectionState.CONNECTED, s.client.state());
    }

    @Test
    void pairPriority() {
        // RFC 8445 §6.1.2.3
        assertEquals((5L << 32) + 2 * 9 + 1, IceControllingAgent.pairPriority(9, 5));
        assertEquals((5L << 32) + 2 * 9, IceControllingAgent.pairPriority(5, 9));
        assertEquals(2130706431L, IceCandidate.priority(CandidateType.HOST, 65535, 1));
        assertEquals(1694498815L, IceCandidate.priority(CandidateType.SERVER_REFLEXIVE, 65535, 1));
    }
}
