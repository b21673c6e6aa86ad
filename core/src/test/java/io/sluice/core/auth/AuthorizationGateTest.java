package io.sluice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.time.ManualTicker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AuthorizationGateTest {
    static AuthRequest request(String ip) {
        return new AuthRequest(StreamAction.PUBLISH, "live/x", StreamProtocol.WHIP, new InetSocketAddress(ip, 40000),
                Optional.empty());
    }

    @Test
    void anAuthorizerThatThrowsOrAnswersNullRefuses() {
        ManualTicker t = new ManualTicker();
        AuthorizationGate throwing = new AuthorizationGate(r -> {
            throw new IllegalStateException("database down");
        }, t);
        AuthDecision d = throwing.authorize(request("192.0.2.1"));
        assertEquals(AuthDecision.Outcome.FORBIDDEN, d.outcome());
        assertEquals("authorization failed", d.reason());
        assertEquals(AuthDecision.Outcome.FORBIDDEN, new AuthorizationGate(r -> null, t).authorize(request("192.0.2.1")).outcome());
        assertTrue(new AuthorizationGate(StreamAuthorizer.ALLOW_ALL, t).authorize(request("192.0.2.1")).allowed());
    }

    @Test
    void refusalsAreLoggedOncePerClientAndMinuteWithTheCountInBetween() throws Exception {
        ManualTicker t = new ManualTicker();
        AuthorizationGate g = new AuthorizationGate(TokenAuthorizer.builder().publishToken("x").build(), t);
        InetAddress a = InetAddress.getByName("192.0.2.1");
        InetAddress b = InetAddress.getByName("192.0.2.2");
        assertEquals(0, g.logPermit(a, t.nanoTime()));
        assertEquals(-1, g.logPermit(a, t.advance(Duration.ofSeconds(10))));
        assertEquals(-1, g.logPermit(a, t.advance(Duration.ofSeconds(49))));
        assertEquals(0, g.logPermit(b, t.nanoTime()), "another client is logged");
        assertEquals(2, g.logPermit(a, t.advance(Duration.ofSeconds(1))), "a minute later, with the 2 not logged");
        assertEquals(-1, g.logPermit(a, t.advance(Duration.ofSeconds(1))));
    }

    @Test
    void theClientTableIsBounded() throws Exception {
        ManualTicker t = new ManualTicker();
        AuthorizationGate g = new AuthorizationGate(StreamAuthorizer.ALLOW_ALL, t);
        for (int i = 0; i < AuthorizationGate.MAX_CLIENTS; i++) {
            assertEquals(0, g.logPermit(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), t.nanoTime()));
        }
        InetAddress extra = InetAddress.getByName("192.0.2.9");
        assertEquals(-1, g.logPermit(extra, t.nanoTime()), "table full: not logged");
        t.advance(Duration.ofMinutes(1));
        assertEquals(0, g.logPermit(extra, t.nanoTime()), "expired entries make room");
    }
}
