package io.sluice.rtmp.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.PipelineListener;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.rtmp.client.ReconnectPolicy;
import io.sluice.rtmp.client.RtmpTransport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills nginx-rtmp in the middle of a live publish and starts it again on the same port: the client
 * reconnects, and what nginx receives after that starts with a keyframe and decodes.
 */
@Tag("interop")
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpReconnectNginxInteropTest {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    NginxRtmp nginx;

    record StateChange(TransportState state, long nanos, Throwable cause) {
    }

    @AfterEach
    void stopNginx() throws Exception {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void reconnectsAfterServerRestartAndResumesAtAKeyframe() throws Exception {
        assertTrue(NginxRtmp.available() && FfmpegTools.available(), "needs nginx, libnginx-mod-rtmp and ffmpeg (.ci/install-deps.sh)");
        nginx = NginxRtmp.start(dir, true);
        List<StateChange> states = new CopyOnWriteArrayList<>();
        List<String> keyframeRequests = new CopyOnWriteArrayList<>();
        // Delays are capped at 1 s: a reconnect then happens within 1 s (+ a connect) of the server being back.
        RtmpTransport rtmp = RtmpTransport.builder(URI.create(nginx.url("re")))
                .reconnect(ReconnectPolicy.exponentialBackoff(Duration.ofMillis(200), Duration.ofSeconds(1)))
                .build();
        long backNanos;
        TransportStats stats;
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open("pattern:640x360@30"))
                .video(VideoEncoderConfig.builder().bitrateBps(800_000).gop(Duration.ofSeconds(2)).build())
                .transport(rtmp)
                .realtime(true)
                .duration(Duration.ofSeconds(9))
                .listener(new PipelineListener() {
                    @Override
                    public void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
                        states.add(new StateChange(state, System.nanoTime(), cause));
                    }

                    @Override
                    public void onKeyframeRequested(URI transport, int trackId, String reason) {
                        keyframeRequests.add(reason);
                    }
                })
                .build()) {
            p.start();
            Thread.sleep(3000);
            nginx.kill();
            Thread.sleep(2000);
            nginx.start();
            backNanos = System.nanoTime();
            p.completion().get(60, TimeUnit.SECONDS);
            stats = rtmp.stats();
        }
        List<TransportState> seq = states.stream().map(StateChange::state).toList();
        assertEquals(List.of(TransportState.CONNECTING, TransportState.CONNECTED, TransportState.RECONNECTING,
                TransportState.CONNECTED, TransportState.CLOSED), seq, "state changes: " + states);
        StateChange reconnected = states.get(3);
        long reconnectMs = (reconnected.nanos() - backNanos) / 1_000_000;
        System.out.printf("reconnect: CONNECTED %d ms after nginx accepted again; %d frames sent, %d dropped; cause: %s; keyframe requests: %s%n",
                reconnectMs, stats.framesSent(), stats.framesDropped(), states.get(2).cause(), keyframeRequests);
        assertTrue(reconnectMs < 2000, "reconnected " + reconnectMs + " ms after the server was back");
        assertTrue(keyframeRequests.stream().anyMatch(r -> r.contains("reconnected")), "keyframe requests: " + keyframeRequests);

        List<Path> recordings;
        try (Stream<Path> s = Files.list(nginx.recordings())) {
            recordings = s.filter(f -> f.toString().endsWith(".flv")).sorted().toList();
        }
        assertEquals(2, recordings.size(), "one recording per publish session: " + recordings);
        for (Path rec : recordings) {
            FfmpegTools.Probe probe = FfmpegTools.probe(rec);
            System.out.printf("reconnect: %s: %d video + %d audio frames decoded, first video keyframe=%s%n",
                    rec.getFileName(), probe.count("video"), probe.count("audio"), probe.firstVideo().keyframe());
            assertEquals(List.of("audio:aac", "video:h264"), probe.streams().stream().sorted().toList(), rec + ": " + probe.streams());
            assertTrue(probe.firstVideo().keyframe(), rec + ": first video frame is not a keyframe");
            assertTrue(probe.count("video") > 30, rec + ": video frames " + probe.count("video"));
            List<String> errors = FfmpegTools.decodeErrors(rec);
            assertTrue(errors.isEmpty(), rec + ": decode errors " + errors);
        }
    }
}
