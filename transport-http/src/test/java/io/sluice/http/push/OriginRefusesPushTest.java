package io.sluice.http.push;

import static io.sluice.http.push.PushChecks.await;
import static io.sluice.http.push.PushChecks.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.hub.StreamHub;
import io.sluice.http.server.HubClip;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One stream pushed at once to an origin that takes it, one that refuses writes (403), one that fails them
 * (500) and one that is down: each failure is a typed error naming the URL and status (403 without retries,
 * 500 and no connection retried), and neither the good push nor the publisher notices.
 */
@Tag("interop")
class OriginRefusesPushTest {
    @TempDir
    Path dir;

    @Test
    void aRefusingOriginFailsClearlyAndStopsNothingElse() throws Exception {
        assertTrue(NginxDav.available(), "nginx is not installed: .ci/install-deps.sh installs it");
        StreamHub hub = StreamHub.create();
        int downPort;
        try (ServerSocket s = new ServerSocket(0)) {
            downPort = s.getLocalPort();
        }
        try (NginxDav nginx = NginxDav.start(dir); HubClip clip = new HubClip(hub, "live/cam", 2)) {
            PushChecks.awaitPublished(hub, "live/cam");
            OriginPush good = push(hub, nginx.url() + "live/cam/");
            OriginPush forbidden = push(hub, nginx.url() + "forbidden/live/cam/");
            OriginPush broken = push(hub, nginx.url() + "broken/live/cam/");
            OriginPush down = push(hub, "http://127.0.0.1:" + downPort + "/live/cam/");
            try {
                await(30, () -> good.stats().segmentsPushed() >= 3 && broken.stats().writesFailed() > 0
                                && down.stats().writesFailed() > 0 && forbidden.stats().writesFailed() > 0,
                        () -> "good " + good.stats() + " forbidden " + forbidden.stats() + " broken " + broken.stats() + " down " + down.stats());

                OriginWriteException f = forbidden.stats().lastFailure();
                assertEquals(403, f.status());
                assertFalse(f.retryable());
                assertTrue(f.getMessage().startsWith("PUT " + nginx.url() + "forbidden/live/cam/") && f.getMessage().contains("HTTP 403"),
                        f.getMessage());
                assertEquals(0, forbidden.stats().retries(), "a 403 is not retried");
                assertEquals(0, forbidden.stats().writesSucceeded());

                OriginWriteException b = broken.stats().lastFailure();
                assertEquals(500, b.status());
                assertTrue(b.retryable() && broken.stats().retries() >= 2, broken.stats().toString());
                assertTrue(b.getMessage().contains(nginx.url() + "broken/live/cam/") && b.getMessage().contains("HTTP 500"), b.getMessage());

                OriginWriteException d = down.stats().lastFailure();
                assertEquals(0, d.status());
                assertTrue(d.retryable() && down.stats().retries() >= 2, down.stats().toString());
                assertTrue(d.getMessage().startsWith("PUT http://127.0.0.1:" + downPort + "/live/cam/")
                        && d.getMessage().contains("cannot connect"), d.getMessage());

                // the good push and the publisher go on
                long before = good.stats().segmentsPushed();
                await(10, () -> good.stats().segmentsPushed() >= before + 2, () -> good.stats().toString());
                assertEquals(200, get(nginx.url() + "live/cam/media.m3u8").statusCode());
                assertEquals(0, good.stats().writesFailed(), String.valueOf(good.stats().lastFailure()));
                assertTrue(hub.tracks("live/cam").isPresent());
                assertNull(clip.failure);
                assertNotNull(forbidden.stats().lastFailure());
            } finally {
                for (OriginPush p : new OriginPush[] {good, forbidden, broken, down}) {
                    p.close();
                }
            }
        } finally {
            hub.close();
        }
    }

    private static OriginPush push(StreamHub hub, String base) {
        return OriginPush.builder(OriginWriter.http(URI.create(base))).retries(2, Duration.ofMillis(100))
                .closeTimeout(Duration.ofSeconds(1)).build().subscribe(hub, "live/cam");
    }
}
