package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.http.server.HubClip;
import io.sluice.http.server.PlayerRun;
import io.sluice.webrtc.server.Chromium;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * hls.js in headless Chromium plays a real clip from the server's shared HTTP port, at the player page the
 * index links, with a play token: the page's {@code ?token=} goes with every playlist request as a bearer
 * token. Asserts frames decoded and no fatal hls.js error; the figures are printed.
 */
@Tag("chromium")
class HlsOnSharedPortChromiumTest {
    static final int PLAY_SECONDS = 10;

    @Test
    void hlsJsPlaysFromTheSharedPortWithAPlayToken() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .authorizer(TokenAuthorizer.builder().playToken("view").build()).build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 4);
             Chromium c = new Chromium()) {
            HttpDeliveryOnSharedPortTest.awaitSegments(server, "live/cam", 2, "view");
            PlayerRun run = PlayerRun.play(c, server.httpUrl() + "hls/live/cam/player.html?token=view", PLAY_SECONDS);
            System.out.println(run.summary("hls.js LL-HLS on the shared port", PLAY_SECONDS));
            @SuppressWarnings("unchecked")
            List<Object> errors = (List<Object>) run.stats().get("errors");
            assertTrue(errors.stream().noneMatch(e -> e.toString().startsWith("FATAL")), "errors: " + errors);
            assertTrue(run.decoded() >= PLAY_SECONDS * 30 / 2, "decoded " + run.decoded() + " frames in " + PLAY_SECONDS + " s (30 fps)");
            assertNull(clip.failure);
        }
    }
}
