package io.sluice.core.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenAuthorizerTest {
    static final InetSocketAddress PEER = new InetSocketAddress("192.0.2.7", 50000);

    @TempDir
    Path dir;

    static AuthDecision ask(StreamAuthorizer a, StreamAction action, String stream, String token) {
        return a.authorize(new AuthRequest(action, stream, StreamProtocol.RTMP, PEER, Optional.ofNullable(token)));
    }

    @Test
    void publishAndPlayTokensAreSeparateAndAnActionWithoutTokensIsOpen() {
        TokenAuthorizer a = TokenAuthorizer.builder().publishToken("pub-secret").build();
        assertTrue(ask(a, StreamAction.PUBLISH, "live/x", "pub-secret").allowed());
        assertEquals(AuthDecision.Outcome.UNAUTHORIZED, ask(a, StreamAction.PUBLISH, "live/x", "wrong").outcome());
        AuthDecision missing = ask(a, StreamAction.PUBLISH, "live/x", null);
        assertEquals(AuthDecision.Outcome.UNAUTHORIZED, missing.outcome());
        assertEquals("a token is required to publish 'live/x'", missing.reason());
        assertTrue(ask(a, StreamAction.PLAY, "live/x", null).allowed(), "play has no token: open");
        assertTrue(a.restricts(StreamAction.PUBLISH));
        assertFalse(a.restricts(StreamAction.PLAY));

        TokenAuthorizer both = TokenAuthorizer.builder().publishToken("p").playToken("v").build();
        assertFalse(ask(both, StreamAction.PLAY, "live/x", "p").allowed(), "a publish token does not allow playing");
        assertTrue(ask(both, StreamAction.PLAY, "live/x", "v").allowed());
        assertFalse(ask(both, StreamAction.PUBLISH, "live/x", "v").allowed());
    }

    @Test
    void patternsLimitATokenToItsStreams() {
        TokenAuthorizer a = TokenAuthorizer.builder()
                .token(StreamAction.PUBLISH, "live/*", "live-token")
                .token(StreamAction.PUBLISH, "studio/main", "studio-token")
                .build();
        assertTrue(ask(a, StreamAction.PUBLISH, "live/cam", "live-token").allowed());
        assertTrue(ask(a, StreamAction.PUBLISH, "live/a/b", "live-token").allowed());
        assertFalse(ask(a, StreamAction.PUBLISH, "studio/main", "live-token").allowed());
        assertTrue(ask(a, StreamAction.PUBLISH, "studio/main", "studio-token").allowed());
        assertFalse(ask(a, StreamAction.PUBLISH, "studio/main2", "studio-token").allowed(), "no prefix match");
        assertFalse(ask(a, StreamAction.PUBLISH, "other/x", "live-token").allowed(), "no rule: refused once publish is restricted");
        assertFalse(a.toString().contains("live-token"), a.toString());
    }

    @Test
    void aTokenFileMapsPatternsToTokensAndNamesTheBadLine() throws Exception {
        Path f = dir.resolve("tokens.txt");
        Files.writeString(f, """
                # action  pattern     token
                publish   live/*      s3cret   # OBS
                play      *           viewer
                any       studio/main studio
                """);
        TokenAuthorizer a = TokenAuthorizer.builder().tokenFile(f).build();
        assertTrue(ask(a, StreamAction.PUBLISH, "live/obs", "s3cret").allowed());
        assertTrue(ask(a, StreamAction.PLAY, "live/obs", "viewer").allowed());
        assertTrue(ask(a, StreamAction.PLAY, "studio/main", "studio").allowed());
        assertTrue(ask(a, StreamAction.PUBLISH, "studio/main", "studio").allowed());
        assertFalse(ask(a, StreamAction.PUBLISH, "live/obs", "viewer").allowed());

        Files.writeString(f, "publish live/*\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenAuthorizer.builder().tokenFile(f));
        assertEquals(f + ":1: 2 fields (expected: <publish|play|any> <stream pattern> <token>)", e.getMessage());
        Files.writeString(f, "\nwatch live/* x\n");
        e = assertThrows(IllegalArgumentException.class, () -> TokenAuthorizer.builder().tokenFile(f));
        assertEquals(f + ":2: action 'watch' (expected: publish, play or any)", e.getMessage());
    }

    @Test
    void malformedTokensAndPatternsAreRefusedWithoutEchoingTheToken() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenAuthorizer.builder().publishToken("has space"));
        assertEquals("token: 9 characters (expected: 1..1024 printable ASCII characters, no spaces)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TokenAuthorizer.builder().publishToken(""));
        assertThrows(IllegalArgumentException.class, () -> TokenAuthorizer.builder().token(StreamAction.PLAY, "a b", "t"));
    }

    @Test
    void theRequestNeverPrintsItsToken() {
        AuthRequest r = new AuthRequest(StreamAction.PLAY, "live/x", StreamProtocol.WHEP, PEER, Optional.of("s3cret"));
        assertFalse(r.toString().contains("s3cret"), r.toString());
        assertEquals("PLAY 'live/x' over WHEP from 192.0.2.7:50000 with a token", r.toString());
    }
}
