package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.http.server.HubClip;
import io.sluice.http.server.NpmPackage;
import io.sluice.http.server.PlayerRun;
import io.sluice.webrtc.server.Chromium;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * hls.js and dash.js in headless Chromium play a real clip from the server's shared HTTP port, at the player
 * pages the index links, with a play token that guards playlists, the MPD and every media file: the pages'
 * {@code ?token=} goes with every request (hls.js as a bearer token, dash.js as the query parameter). Asserts
 * frames decoded and no fatal player error; the figures are printed.
 */
@Tag("chromium")
class HlsOnSharedPortChromiumTest {
    static final int PLAY_SECONDS = 10;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"hls", "dash"})
    void thePlayerPagesPlayFromTheSharedPortWithAPlayToken(String page) throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        SluiceServer.Builder b = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .authorizer(TokenAuthorizer.builder().playToken("view").build());
        if (page.equals("dash")) {
            b.dashPlayerScript(NpmPackage.fetch("dashjs@4.7.4", "dist/dash.all.min.js", dir));
        }
        try (SluiceServer server = b.build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 4);
             Chromium c = new Chromium()) {
            HttpDeliveryOnSharedPortTest.awaitSegments(server, "live/cam", 2, "view");
            assertEquals(401, HttpDeliveryOnSharedPortTest.get(server.httpUrl() + "hls/live/cam/seg-1.m4s", null).statusCode());
            PlayerRun run = PlayerRun.play(c, server.httpUrl() + page + "/live/cam/player.html?token=view", PLAY_SECONDS);
            System.out.println(run.summary(page + " player page on the shared port with a play token", PLAY_SECONDS));
            @SuppressWarnings("unchecked")
            List<Object> errors = (List<Object>) run.stats().get("errors");
            assertTrue(errors.stream().noneMatch(e -> e.toString().startsWith("FATAL") || e.toString().contains("401")),
                    "errors: " + errors);
            assertTrue(run.decoded() >= PLAY_SECONDS * 30 / 2, "decoded " + run.decoded() + " frames in " + PLAY_SECONDS + " s (30 fps)");
            assertNull(clip.failure);
        }
    }
}
