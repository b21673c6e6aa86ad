package io.sluice.metrics;

import static io.sluice.metrics.PrometheusScrapeTest.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.core.events.StreamEvent;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.rtmp.interop.FfmpegTools;
import io.sluice.rtmp.server.RtmpServer;
import io.sluice.webrtc.server.Chromium;
import io.sluice.webrtc.server.WebRtcServer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WebRTC meters and the WHEP side of the events with a real viewer: ffmpeg publishes over RTMP,
 * headless Chromium watches over WHEP (the server's player page); the scrape shows the connected
 * session, the RTP it was sent and the viewer in the hub's gauges, and the events name it.
 */
@Tag("chromium")
class WebRtcMetricsChromiumTest {
    @TempDir
    Path tmp;

    @Test
    void aChromiumWhepViewerShowsInTheWebRtcAndHubMeters() throws Exception {
        assertTrue(FfmpegTools.available() && Chromium.available(), "needs ffmpeg and chromium (.ci/install-deps.sh)");
        List<StreamEvent> events = new CopyOnWriteArrayList<>();
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().hub(hub).port(0).build().start();
             WebRtcServer webrtc = WebRtcServer.builder(hub).build()) {
            webrtc.start();
            hub.addEventListener(events::add);
            SluiceMetrics metrics = SluiceMetrics.builder(hub).bind(new WebRtcServerMetrics(webrtc)).build();
            Process publisher = new ProcessBuilder(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                    "-stream_loop", "-1", "-i", FfmpegTools.media("bbb_rabbit_320x240_8s_h264_aac.mp4").toString(),
                    "-c", "copy", "-f", "flv", "rtmp://127.0.0.1:" + rtmp.port() + "/live/web")
                    .redirectErrorStream(true).redirectOutput(tmp.resolve("publisher.log").toFile()).start();
            try (Chromium c = new Chromium()) {
                await(() -> hub.snapshot("live/web").flatMap(StreamSnapshot::publisher).isPresent());
                c.js("window.location.href = '" + webrtc.httpUrl() + "watch/live/web'");
                await(() -> metrics.scrape().contains("sluice_webrtc_sessions_live{connected=\"true\",endpoint=\"whep\"} 1.0")
                        && sample(metrics.scrape(), "sluice_webrtc_rtp_packets_sent_total{endpoint=\"whep\"}") > 100);
                String body = metrics.scrape();
                assertEquals(1.0, sample(body, "sluice_hub_viewers{protocol=\"whep\"}"));
                assertEquals(1.0, sample(body, "sluice_hub_publishers{protocol=\"rtmp\"}"));
                assertTrue(sample(body, "sluice_webrtc_rtp_bytes_sent_total{endpoint=\"whep\"}") > 10_000);
                assertEquals(1.0, sample(body, "sluice_webrtc_sessions_opened_total"));
                StreamEvent.PlayStarted play = events.stream().filter(e -> e instanceof StreamEvent.PlayStarted)
                        .map(e -> (StreamEvent.PlayStarted) e).findFirst().orElseThrow();
                assertEquals("whep", play.session().protocol());
                // the media address ICE selected: loopback, or another local interface Chromium offered
                assertTrue(play.session().clientAddress().matches("[0-9.]+:[0-9]+"), play.toString());
            } finally {
                publisher.destroy();
                publisher.waitFor(5, TimeUnit.SECONDS);
            }
            // the browser is gone: its session ends on its own (ICE/DTLS timeout) or with the hub below;
            // the sums keep what it was sent
            double sent = sample(metrics.scrape(), "sluice_webrtc_rtp_packets_sent_total{endpoint=\"whep\"}");
            assertTrue(sent > 100, "sent " + sent);
            metrics.close();
        }
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out");
            }
            Thread.sleep(250);
        }
    }
}
