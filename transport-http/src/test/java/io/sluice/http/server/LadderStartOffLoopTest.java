package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.RenditionLadder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Taking a ladder lease (opening FFmpeg decoders and encoders) does not hold up the server's event loop: while
 * the first request for a stream waits for its ladder to start, the server (one I/O thread, the default) answers
 * other requests, and the waiting request is answered from the ladder once it runs. The real
 * {@code FfmpegRenditionLadder} is held at the start of {@code acquire} by a latch, so "while it starts" lasts as
 * long as the test needs, however fast the machine.
 */
class LadderStartOffLoopTest {
    private final HttpClient http = HttpClient.newHttpClient();

    /** The real ladder, whose {@code acquire} waits for {@link #go} (a slow native start, made deterministic). */
    private static final class HeldLadder implements RenditionLadder {
        final RenditionLadder real;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch go = new CountDownLatch(1);
        volatile String thread;

        HeldLadder(RenditionLadder real) {
            this.real = real;
        }

        @Override
        public Lease acquire(String sourceStream) {
            thread = Thread.currentThread().getName();
            entered.countDown();
            try {
                assertTrue(go.await(60, TimeUnit.SECONDS), "never let go");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            return real.acquire(sourceStream);
        }
    }

    @Test
    @DisplayName("the ladder starts off the event loop: other requests are answered meanwhile, the first one after")
    void otherRequestsAreAnsweredWhileTheLadderStarts() throws Exception {
        StreamHub hub = StreamHub.create();
        try (FfmpegRenditionLadder real = FfmpegRenditionLadder.builder(hub).heights(120).build();
             HubClip clip = new HubClip(hub, "live/cam", 15)) {
            HeldLadder ladder = new HeldLadder(real);
            HttpDeliveryServer server = HttpDeliveryServer.builder(hub).delivery(d -> d.renditionLadder(ladder)).build();
            try {
                run(hub, real, ladder, server, clip);
            } finally {
                ladder.go.countDown();
                server.close();
            }
        } finally {
            hub.close();
        }
    }

    private void run(StreamHub hub, FfmpegRenditionLadder real, HeldLadder ladder, HttpDeliveryServer server, HubClip clip) throws Exception {
        server.start();
        HubClip.awaitPublished(hub, "live/cam");
        String base = server.httpUrl() + "hls/live/cam/";
        CompletableFuture<HttpResponse<String>> first = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "plain.m3u8"))
                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(ladder.entered.await(30, TimeUnit.SECONDS), "the first request never started the ladder");

        // the ladder is starting: the one I/O thread still answers, a second request for the stream waits too
        CompletableFuture<HttpResponse<String>> second = http.sendAsync(HttpRequest.newBuilder(URI.create(base + "v1/plain-media.m3u8"))
                .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
        for (String other : new String[] {base + "player.html", server.httpUrl() + "dash/time", server.httpUrl() + "hls/hls.min.js"}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(other)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), other);
        }
        assertTrue(!first.isDone() && !second.isDone(), "answered before the ladder started");
        assertTrue(ladder.thread.startsWith("sluice-http-ladder-start"), "acquire ran on " + ladder.thread);

        ladder.go.countDown();
        HttpResponse<String> r = first.get(90, TimeUnit.SECONDS);
        assertEquals(200, r.statusCode(), r.body());
        // the multivariant playlist of the ladder (its top rung: the source passed through)
        assertTrue(r.body().contains("RESOLUTION=320x240") && r.body().contains("v0/plain-media.m3u8"), r.body());
        HttpResponse<String> s = second.get(90, TimeUnit.SECONDS);
        assertEquals(200, s.statusCode(), s.body());
        assertTrue(s.body().contains("#EXTINF:"), s.body());
        assertEquals(1, real.runningLadders().size(), "one start for both requests");
        assertNull(clip.failure);
    }
}
