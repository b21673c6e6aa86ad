package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.webrtc.server.Chromium;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WindowType;

/**
 * The pages with tokens, as a user on another machine would use them: over HTTPS with the self-signed
 * development certificate, headless Chromium publishes its (fake) camera from {@code /publish/<stream>?token=}
 * (WHIP with the bearer token) and plays it from {@code /watch/<stream>?token=} (WHEP); without the token
 * each page gets 401.
 */
@Tag("chromium")
class TokenPagesChromiumTest {
    static Object await(Chromium c, String js, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        Object v = c.js(js);
        while ((v == null || Boolean.FALSE.equals(v)) && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
            v = c.js(js);
        }
        return v;
    }

    @Test
    void thePublishAndWatchPagesCarryTheirTokensOverHttps() throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).selfSignedTls()
                .authorizer(TokenAuthorizer.builder().publishToken("pub-secret").playToken("view-secret").build())
                .build().start();
             Chromium c = new Chromium("--ignore-certificate-errors")) {
            String base = server.httpUrl();
            assertTrue(base.startsWith("https://"), base);

            c.driver.get(base + "publish/live/cam");
            Object refused = await(c, "return window.sluice && window.sluice.error;", 15_000);
            assertTrue(String.valueOf(refused).contains("401"), "publish without a token: " + refused);

            c.driver.get(base + "publish/live/cam?token=pub-secret");
            long deadline = System.currentTimeMillis() + 20_000;
            while (server.hub().tracks("live/cam").isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(server.hub().tracks("live/cam").isPresent(), "the camera is published: "
                    + c.js("return JSON.stringify({e: window.sluice.error, s: window.sluice.state});"));

            c.driver.switchTo().newWindow(WindowType.TAB);
            c.driver.get(base + "watch/live/cam");
            Object watchRefused = await(c, "return window.sluice && window.sluice.error;", 15_000);
            assertTrue(String.valueOf(watchRefused).startsWith("401"), "watch without a token: " + watchRefused);

            c.driver.get(base + "watch/live/cam?token=view-secret");
            Object decoded = await(c, "return window.sluice && window.sluice.stats && window.sluice.stats.framesDecoded >= 30;", 30_000);
            @SuppressWarnings("unchecked")
            Map<String, Object> stats = (Map<String, Object>) c.js("return window.sluice.stats;");
            assertTrue(Boolean.TRUE.equals(decoded), "frames decoded with the play token: " + stats + " error: "
                    + c.js("return window.sluice.error;"));
        }
    }
}
