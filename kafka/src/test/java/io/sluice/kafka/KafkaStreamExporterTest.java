package io.sluice.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.rtmp.interop.FfmpegTools;
import io.sluice.core.auth.AuthDecision;
import io.sluice.rtmp.server.RtmpServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exporter against a real Kafka broker (KRaft, started by the test on loopback), fed by real
 * media: ffmpeg publishes a clip to the RTMP server and a second ffmpeg plays it; a publisher with a
 * refused key makes an auth event. A plain Kafka consumer reads both topics back.
 */
class KafkaStreamExporterTest {
    @TempDir
    Path tmp;

    @Test
    void eventsAndTenSecondWindowsOfARealRtmpStreamReachKafka() throws Exception {
        assertTrue(FfmpegTools.available(), "ffmpeg not installed");
        try (KafkaBroker broker = KafkaBroker.start(tmp);
             StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().hub(hub).port(0)
                     .authorizer(r -> r.stream().equals("live/forbidden") ? AuthDecision.forbidden("key revoked")
                             : AuthDecision.allow()).build().start()) {
            Properties ap = new Properties();
            ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
            try (Admin admin = Admin.create(ap)) {
                await("the broker accepts the topics", 40, () -> {
                    try {
                        admin.createTopics(List.of(new NewTopic("sluice.stream-events", 1, (short) 1),
                                new NewTopic("sluice.stream-windows", 1, (short) 1))).all().get(5, TimeUnit.SECONDS);
                        return true;
                    } catch (Exception e) {
                        assertTrue(broker.isAlive(), () -> "broker died:\n" + log(broker));
                        return e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException;
                    }
                });
            }
            String url = "rtmp://127.0.0.1:" + rtmp.port() + "/live/";
            List<Process> ffmpegs = new ArrayList<>();
            try (KafkaStreamExporter exporter = KafkaStreamExporter.builder(hub).bootstrapServers(broker.bootstrapServers())
                    .interval(Duration.ofMillis(500)).build()) {
                ffmpegs.add(publish(url + "demo", "publisher.log"));
                await("the publisher is live", 20, () -> hub.snapshot("live/demo").flatMap(StreamSnapshot::publisher).isPresent());
                Process player = new ProcessBuilder(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning",
                        "-i", url + "demo", "-c", "copy", "-f", "null", "-")
                        .redirectErrorStream(true).redirectOutput(tmp.resolve("player.log").toFile()).start();
                ffmpegs.add(player);
                Process refused = publish(url + "forbidden", "refused.log");
                ffmpegs.add(refused);
                await("the player watches", 20, () -> hub.subscriberCount("live/demo") == 1);
                for (int i = 1; i <= 20; i++) {
                    exporter.recordLatency("live/demo", i * 20_000L); // 20..400 ms
                }

                try (KafkaConsumer<String, String> consumer = consumer(broker)) {
                    List<ConsumerRecord<String, String>> events = new ArrayList<>();
                    List<ConsumerRecord<String, String>> windows = new ArrayList<>();
                    Predicate<String> windowWithSpan = v -> v.contains("\"stream\":\"live/demo\"") && number(v, "spanMs") >= 3000
                            && number(v, "viewersNow") == 1;
                    pollUntil(consumer, events, windows, () -> has(events, "\"type\":\"published\"")
                            && has(events, "\"type\":\"play_started\"") && has(events, "\"type\":\"auth_refused\"")
                            && windows.stream().anyMatch(r -> windowWithSpan.test(r.value())));

                    String published = find(events, "\"type\":\"published\"");
                    assertTrue(published.matches("\\{\"type\":\"published\",\"stream\":\"live/demo\",\"sessionId\":\\d+,"
                            + "\"protocol\":\"rtmp\",\"clientAddress\":\"127\\.0\\.0\\.1:\\d+\",\"timeMs\":\\d{13},"
                            + "\"tracks\":\\[\"h264 320x240\",\"aac \\d+ Hz \\d ch\"\\]\\}"), published);
                    long wall = number(published, "timeMs");
                    assertTrue(Math.abs(System.currentTimeMillis() - wall) < 60_000, "wall-clock time: " + wall);
                    assertTrue(find(events, "\"type\":\"auth_refused\"").contains(
                            "\"stream\":\"live/forbidden\",\"sessionId\":0,\"protocol\":\"rtmp\""), events.toString());
                    assertTrue(find(events, "\"type\":\"auth_refused\"").contains("\"action\":\"publish\",\"reason\":\"key revoked\""));
                    events.forEach(r -> assertTrue(r.key().equals(r.value().replaceAll(".*\"stream\":\"([^\"]+)\".*", "$1")),
                            "keyed by stream: " + r));

                    String w = windows.stream().map(ConsumerRecord::value).filter(windowWithSpan).reduce((a, b) -> b).orElseThrow();
                    assertEquals("live/demo", windows.get(0).key());
                    assertTrue(w.contains("\"windowMs\":10000,"), w);
                    assertTrue(w.contains("\"live\":true"), w);
                    long bitrate = number(w, "ingestBitrateBps");
                    assertTrue(bitrate > 50_000 && bitrate < 5_000_000, "the clip's rate, got " + bitrate + " in " + w);
                    assertTrue(w.contains("\"p95LatencyMs\":380.0,\"latencySamples\":20"), "nearest rank of 20..400 ms: " + w);

                    player.destroy();
                    assertTrue(player.waitFor(10, TimeUnit.SECONDS));
                    pollUntil(consumer, events, windows, () -> has(events, "\"type\":\"play_stopped\""));
                    String stopped = find(events, "\"type\":\"play_stopped\"");
                    assertTrue(number(stopped, "bytes") > 10_000 && number(stopped, "durationMs") > 500, stopped);
                }
                assertEquals(0, exporter.droppedEvents());
                assertEquals(0, exporter.failedSends());
                assertTrue(exporter.sentRecords() >= 5);
            } finally {
                for (Process p : ffmpegs) {
                    p.destroy();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }

    private Process publish(String url, String log) throws java.io.IOException {
        return new ProcessBuilder(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning", "-re",
                "-stream_loop", "-1", "-i", FfmpegTools.media("bbb_rabbit_320x240_8s_h264_aac.mp4").toString(),
                "-c", "copy", "-f", "flv", url)
                .redirectErrorStream(true).redirectOutput(tmp.resolve(log).toFile()).start();
    }

    private static KafkaConsumer<String, String> consumer(KafkaBroker broker) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> parts = List.of(new TopicPartition("sluice.stream-events", 0), new TopicPartition("sluice.stream-windows", 0));
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }

    private static void pollUntil(KafkaConsumer<String, String> c, List<ConsumerRecord<String, String>> events,
                                  List<ConsumerRecord<String, String>> windows, BooleanSupplier done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("records so far:\nevents " + events.stream().map(ConsumerRecord::value).toList()
                        + "\nwindows " + windows.stream().map(ConsumerRecord::value).toList());
            }
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) {
                (r.topic().equals("sluice.stream-events") ? events : windows).add(r);
            }
        }
    }

    private static boolean has(List<ConsumerRecord<String, String>> records, String part) {
        return records.stream().anyMatch(r -> r.value().contains(part));
    }

    private static String find(List<ConsumerRecord<String, String>> records, String part) {
        return records.stream().map(ConsumerRecord::value).filter(v -> v.contains(part)).findFirst().orElseThrow();
    }

    private static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : Long.MIN_VALUE;
    }

    private static String log(KafkaBroker b) {
        try {
            return b.log();
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(200);
        }
    }

}
