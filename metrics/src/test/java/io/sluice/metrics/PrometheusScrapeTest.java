package io.sluice.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.core.StreamPipeline;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.rtmp.interop.FfmpegTools;
import io.sluice.rtmp.server.RtmpServer;
import io.sluice.webrtc.server.WebRtcServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole observability path with real peers on loopback: ffmpeg publishes a clip to the RTMP
 * server and a second ffmpeg plays it; a copy-mode pipeline records the stream from the hub; the
 * exposition passes {@code promtool check metrics}; a real Prometheus (Debian {@code prometheus})
 * scrapes {@code /metrics} with the bearer token every second and answers queries on Sluice meters;
 * the JSON API lists the sessions and {@code DELETE} kicks the RTMP player off.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusScrapeTest {
    static final String TOKEN = "s3cret-token";
    static final String PROMETHEUS = "/usr/bin/prometheus";
    static final String PROMTOOL = "/usr/bin/promtool";

    @TempDir
    static Path tmp;
    static StreamHub hub;
    static RtmpServer rtmp;
    static WebRtcServer webrtc;
    static StreamPipeline recorder;
    static SluiceMetrics metrics;
    static ObservabilityHttpServer http;
    static Process publisher;
    static Process player;
    static final List<StreamEvent> events = new CopyOnWriteArrayList<>();
    static final HttpClient client = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        assertTrue(FfmpegTools.available(), "ffmpeg not installed");
        hub = StreamHub.create();
        hub.addEventListener(events::add);
        rtmp = RtmpServer.builder().hub(hub).port(0).build().start();
        webrtc = WebRtcServer.builder(hub).build();
        webrtc.start();
        String url = "rtmp://127.0.0.1:" + rtmp.port() + "/live/demo";
        publisher = new ProcessBuilder(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                "-stream_loop", "-1", "-i", FfmpegTools.media("bbb_rabbit_320x240_8s_h264_aac.mp4").toString(),
                "-c", "copy", "-f", "flv", url)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("publisher.log").toFile()).start();
        await("the publisher is live", () -> hub.snapshot("live/demo").flatMap(StreamSnapshot::publisher).isPresent());
        player = new ProcessBuilder(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning",
                "-i", url, "-c", "copy", "-f", "null", "-")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("player.log").toFile()).start();
        recorder = StreamPipeline.builder().source(hub.source("live/demo", Duration.ofSeconds(5), 256)).copy(true)
                .transport("null:").build();
        recorder.start();
        await("an RTMP player and the recorder watch", () -> hub.subscriberCount("live/demo") == 2
                && hub.snapshot("live/demo").orElseThrow().viewers().stream().anyMatch(v -> v.frames() > 0));
        metrics = SluiceMetrics.builder(hub)
                .bind(new RtmpServerMetrics(rtmp))
                .bind(new PipelineMetrics("recorder", recorder))
                .build();
        metrics.add(new WebRtcServerMetrics(webrtc)); // as a facade does when the WebRTC server starts after the handler is made
        http = ObservabilityHttpServer.start(new ObservabilityHttpHandler(metrics, TOKEN),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : new Process[] {player, publisher}) {
            if (p != null) {
                p.destroy();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        for (AutoCloseable c : new AutoCloseable[] {http, metrics, recorder, webrtc, rtmp, hub}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    @Order(1)
    void theExpositionPassesPromtoolAndCountsTheRealSessions() throws Exception {
        HttpResponse<String> r = get("/metrics", TOKEN);
        assertEquals(200, r.statusCode());
        assertEquals(ObservabilityHttpHandler.PROMETHEUS_TEXT, r.headers().firstValue("content-type").orElseThrow());
        String body = r.body();
        Files.writeString(tmp.resolve("metrics.txt"), body);
        Files.writeString(Path.of("target", "metrics-exposition.txt"), body); // for a look after the run
        Process check = new ProcessBuilder(PROMTOOL, "check", "metrics").redirectErrorStream(true)
                .redirectInput(tmp.resolve("metrics.txt").toFile()).redirectOutput(tmp.resolve("promtool.log").toFile()).start();
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        String out = Files.readString(tmp.resolve("promtool.log"));
        assertEquals(0, check.exitValue(), "promtool check metrics:\n" + out);
        assertEquals("", out.trim(), "promtool found problems (lint)");

        assertEquals(1.0, sample(body, "sluice_hub_publishers{protocol=\"rtmp\"}"));
        assertEquals(1.0, sample(body, "sluice_hub_viewers{protocol=\"rtmp\"}"));
        assertEquals(1.0, sample(body, "sluice_hub_viewers{protocol=\"hub\"}"));
        assertEquals(2.0, sample(body, "sluice_stream_viewers{stream=\"live/demo\"}"));
        assertEquals(2.0, sample(body, "sluice_rtmp_connections"));
        assertTrue(sample(body, "sluice_stream_ingest_bytes_total{protocol=\"rtmp\",stream=\"live/demo\"}") > 10_000);
        assertTrue(sample(body, "sluice_pipeline_frames_out_total{codec=\"h264\",media=\"video\",pipeline=\"recorder\",track=\"0\"}") > 0,
                "the recorder pipeline moved video:\n" + grep(body, "sluice_pipeline_frames_out"));
        assertEquals(0.0, sample(body, "sluice_webrtc_sessions_opened_total"));
    }

    @Test
    @Order(2)
    void aRealPrometheusScrapesTheEndpointWithTheTokenAndAnswersQueries() throws Exception {
        assertTrue(Files.isExecutable(Path.of(PROMETHEUS)), "prometheus not installed (.ci/install-deps.sh)");
        int port = freePort();
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 900ms
                scrape_configs:
                  - job_name: sluice
                    authorization:
                      type: Bearer
                      credentials: %s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(TOKEN, http.localAddress().getPort()));
        Process prom = new ProcessBuilder(PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + tmp.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
        try {
            String api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
            await("Prometheus reports the Sluice target up", () -> query(api, "up{job=\"sluice\"}").contains("\"1\"]"));
            String frames = "sluice_stream_ingest_frames_total{job=\"sluice\",stream=\"live/demo\",protocol=\"rtmp\"}";
            await("Prometheus has the ingest counter", () -> value(query(api, frames)) > 0);
            await("the rate over two scrapes is positive", () -> value(query(api, "rate(" + frames + "[5s])")) > 1);
            assertEquals(1.0, value(query(api, "sluice_hub_viewers{job=\"sluice\",protocol=\"rtmp\"}")));
        } finally {
            prom.destroy();
            if (!prom.waitFor(10, TimeUnit.SECONDS)) {
                prom.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    @Order(3)
    void theJsonApiListsTheSessionsAndDeleteKicksTheRtmpPlayer() throws Exception {
        assertEquals(401, get("/api/v1/streams", null).statusCode());
        assertEquals(403, get("/api/v1/streams", "wrong").statusCode());
        assertEquals(401, get("/metrics", null).statusCode());
        HttpResponse<String> all = get("/api/v1/streams", TOKEN);
        assertEquals(200, all.statusCode());
        assertEquals("application/json", all.headers().firstValue("content-type").orElseThrow());
        String json = all.body();
        assertTrue(json.startsWith("{\"streams\":[{\"name\":\"live/demo\",\"live\":true,\"tracks\":[{\"id\":"), json);
        assertTrue(json.contains("\"media\":\"video\",\"codec\":\"h264\",\"width\":320,\"height\":240"), json);
        assertTrue(json.contains("\"media\":\"audio\",\"codec\":\"aac\",\"sampleRate\":"), json);
        Matcher pub = Pattern.compile("\"publisher\":\\{\"id\":(\\d+),\"protocol\":\"rtmp\",\"clientAddress\":\"127\\.0\\.0\\.1:\\d+\","
                + "\"durationMs\":(\\d+),\"frames\":(\\d+),\"bytes\":(\\d+),\"bitrateBps\":(\\d+)\\}").matcher(json);
        assertTrue(pub.find(), json);
        long bitrate = Long.parseLong(pub.group(5));
        assertTrue(bitrate > 50_000 && bitrate < 5_000_000, "clip is ~100..600 kbit/s, got " + bitrate);
        Matcher viewer = Pattern.compile("\\{\"id\":(\\d+),\"protocol\":\"rtmp\",\"clientAddress\":\"127\\.0\\.0\\.1:\\d+\"").matcher(
                json.substring(json.indexOf("\"viewers\"")));
        assertTrue(viewer.find(), json);
        assertTrue(json.contains("{\"id\":") && json.contains("\"protocol\":\"hub\",\"clientAddress\":\"\""), json);

        assertEquals(200, get("/api/v1/streams/live/demo", TOKEN).statusCode());
        assertEquals(404, get("/api/v1/streams/live/nothing", TOKEN).statusCode());
        assertEquals(405, send(HttpRequest.newBuilder(uri("/api/v1/streams")).POST(HttpRequest.BodyPublishers.noBody()), TOKEN).statusCode());
        assertEquals(401, delete("/api/v1/sessions/" + viewer.group(1), null).statusCode());
        assertEquals(404, delete("/api/v1/sessions/999999", TOKEN).statusCode());

        long viewerId = Long.parseLong(viewer.group(1));
        assertEquals(204, delete("/api/v1/sessions/" + viewerId, TOKEN).statusCode());
        assertTrue(player.waitFor(15, TimeUnit.SECONDS), "the RTMP server closed the kicked player's connection");
        assertEquals(1, hub.subscriberCount("live/demo"));
        assertTrue(events.stream().anyMatch(e -> e instanceof StreamEvent.PlayStopped s && s.sessionId() == viewerId
                && s.session().protocol().equals("rtmp") && s.bytes() > 0), events.toString());
        assertEquals(1.0, sample(get("/metrics", TOKEN).body(), "sluice_hub_events_total{event=\"play_stopped\",protocol=\"rtmp\"}"));
        assertTrue(get("/api/v1/streams?token=" + URLEncoder.encode(TOKEN, StandardCharsets.UTF_8), null).body()
                .contains("\"id\":" + pub.group(1)), "token as a query parameter");
    }

    @Test
    @Order(4)
    void theHandlerMountsOnTheWebRtcServersHttpPortBesideThePlayerPage() throws Exception {
        try (WebRtcServer mounted = WebRtcServer.builder(hub).httpRoute(new ObservabilityHttpHandler(metrics, TOKEN)).build()) {
            mounted.start();
            String base = "http://127.0.0.1:" + mounted.httpAddress().getPort();
            HttpResponse<String> m = send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET(), TOKEN);
            assertEquals(200, m.statusCode());
            assertEquals(1.0, sample(m.body(), "sluice_hub_publishers{protocol=\"rtmp\"}"));
            assertEquals(401, send(HttpRequest.newBuilder(URI.create(base + "/api/v1/streams")).GET(), null).statusCode());
            HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(base + "/")).GET(), null);
            assertEquals(200, page.statusCode(), "the WebRTC server's own routes still answer");
            assertTrue(page.body().contains("live/demo"), "the index lists the live stream");
        }
        Assertions.assertThrows(IllegalArgumentException.class, () -> WebRtcServer.builder(hub)
                .httpRoute(new io.netty.channel.ChannelInboundHandlerAdapter()), "a handler that is not @Sharable");
    }

    // ------------------------------------------------------------------ helpers

    static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + http.localAddress().getPort() + path);
    }

    static HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), token);
    }

    static HttpResponse<String> delete(String path, String token) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), token);
    }

    static HttpResponse<String> send(HttpRequest.Builder b, String token) throws IOException, InterruptedException {
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return client.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the sample line {@code name{labels} value} in an exposition; fails if absent. */
    static double sample(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return fail("no sample " + series + " in:\n" + grep(exposition, series.replaceAll("\\{.*", "")));
    }

    static String grep(String text, String prefix) {
        return String.join("\n", text.lines().filter(l -> l.startsWith(prefix)).toList());
    }

    static String query(String api, String promql) {
        try {
            return client.send(HttpRequest.newBuilder(URI.create(api + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return ""; // not listening yet
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The first sample value of an instant-vector query result, or -1 if none. */
    static double value(String result) {
        Matcher m = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]").matcher(result);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(100);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
