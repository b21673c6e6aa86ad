package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.rtmp.client.RtmpTransport;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Publish-path latency: from {@link RtmpTransport#send(EncodedFrame)} to the complete arrival of
 * the FLV video tag at a local player, on loopback, through the embedded Sluice server and
 * through nginx-rtmp as the relay, with the same publisher (the Sluice client) and the same player
 * ({@link RtmpLoadPlayer}).
 *
 * <pre>
 * mvn -q -o -DskipTests package -pl core,codec,transport-rtmp,benchmarks
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.RtmpLatencyBenchmark [seconds] [sluice,nginx-rtmp]
 * </pre>
 *
 * <ul>
 * <li><b>Stream.</b> Synthetic H.264 at 30 fps: 20 KB frames (one AVCC NAL unit; a keyframe every
 *     60 frames) whose NAL unit carries a 32-bit sequence number right after the NAL header byte,
 *     plus 300-byte AAC frames at 44.1 kHz / 1024 samples (~43 per second): ~4.9 Mbit/s.</li>
 * <li><b>Clock.</b> Publisher, server (Sluice only) and player share this JVM, so
 *     {@link System#nanoTime()} before {@code send()} and when the player has parsed the last byte
 *     of the message compare directly. The player reads on its own thread; the publisher paces on
 *     another.</li>
 * <li><b>Sluice.</b> The embedded {@link RtmpServer} in this JVM, 2 IO threads. <b>nginx-rtmp.</b>
 *     nginx 1.22 + libnginx-mod-rtmp, one worker, {@code application live { live on; }}, chunk_size
 *     4096 (as {@link RtmpFanOutBenchmark}).</li>
 * <li>The player starts first and waits for the stream, so it receives every frame; latencies are
 *     over all video frames after the first second (connection set-up and JIT warm-up).</li>
 * </ul>
 *
 * <p><b>First figures</b> (2 cores shared with other work, load average ~7; 20 s, 570 frames each,
 * none lost): Sluice p50 0.76 ms, p99 24.7 ms, max 38.5 ms; nginx-rtmp p50 0.41 ms, p99 43.5 ms,
 * max 59.6 ms. The tails are scheduling on the loaded machine (the same client and player see them
 * through nginx): a run with Netty's sampling leak detector on measured p99 99 ms for Sluice and
 * 48 ms for nginx, a quieter 10 s run p99 7.1 ms for Sluice. Both ends already use TCP_NODELAY and
 * flush once per drained batch; the server adds one EventLoop hop per player (publisher loop →
 * player loop).
 *
 * <p>For Sluice a hub subscriber inside the server splits the path into send() → hub (client,
 * loopback, ingest) and hub → player (fan-out, loopback, player). After the shared-serialization
 * change, load average 8–11: Sluice p50 0.90 ms, p99 54.0 ms, max 102 ms (send() → hub p50 0.53 /
 * p99 26.4 ms; hub → player p50 0.27 / p99 35.7 ms); nginx-rtmp in the same run p50 0.39 ms, p99
 * 128 ms, max 204 ms. The tail is spread over both halves and over both servers, with sub-ms
 * medians: threads waiting for one of two busy cores, not a buffer or a timer (Nagle or delayed
 * ACKs would show in the median with 20 KB frames).
 */
public final class RtmpLatencyBenchmark {
    static final int FPS = 30;
    static final int VIDEO_BYTES = 20_000;
    static final int AUDIO_BYTES = 300;
    static final int GOP = 60;
    /** Offset of the sequence number in the FLV video tag body: 5 (tag header) + 4 (NAL length) + 1 (NAL header). */
    static final int SEQ_OFFSET = 10;

    private RtmpLatencyBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            System.setProperty("io.netty.leakDetection.level", "disabled"); // as in production; sampling adds tails
        }
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        List<String> kinds = args.length > 1 ? List.of(args[1].split(",")) : List.of("sluice", "nginx-rtmp");
        Path work = Files.createTempDirectory("sluice-rtmp-latency");
        StringBuilder summary = new StringBuilder();
        for (String kind : kinds) {
            String line = kind.equals("sluice") ? runSluice(seconds) : runNginx(seconds, work);
            System.out.println(line);
            summary.append(line).append('\n');
        }
        System.out.println();
        System.out.print(summary);
    }

    private static String runSluice(int seconds) throws Exception {
        try (RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).ioThreads(2)
                .build().start()) {
            long[] atHub = new long[seconds * FPS];
            // A hub subscriber in the server splits the path: client + ingest, then fan-out + player.
            StreamSubscriber probe = new StreamSubscriber() {
                @Override
                public void onPublish(String streamName, List<TrackInfo> tracks) {
                }

                @Override
                public void onFrame(EncodedFrame frame) {
                    long now = System.nanoTime();
                    try {
                        ByteBuf b = frame.content();
                        if (frame.mediaType() == MediaType.VIDEO && b.readableBytes() >= 9) {
                            int seq = b.getInt(b.readerIndex() + 5);
                            if (seq >= 0 && seq < atHub.length) {
                                atHub[seq] = now;
                            }
                        }
                    } finally {
                        frame.release();
                    }
                }

                @Override
                public void onUnpublish(String streamName) {
                }

                @Override
                public void onClosed(String streamName) {
                }
            };
            try (StreamHub.Subscription sub = server.hub().subscribe("live/lat", probe)) {
                return run("sluice", server.port(), seconds, atHub);
            }
        }
    }

    private static String runNginx(int seconds, Path work) throws Exception {
        int port = RtmpFanOutBenchmark.freePort();
        Process nginx = RtmpFanOutBenchmark.startNginx(port, work);
        try {
            RtmpFanOutBenchmark.waitForPort(port, nginx);
            return run("nginx-rtmp", port, seconds, null);
        } finally {
            nginx.destroy();
            if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
                nginx.destroyForcibly();
            }
        }
    }

    /** @param atHub when each video frame reached the hub (Sluice), or {@code null} */
    private static String run(String kind, int port, int seconds, long[] atHub) throws Exception {
        int frames = seconds * FPS;
        long[] sent = new long[frames];
        long[] arrived = new long[frames];
        RtmpLoadPlayer player = new RtmpLoadPlayer("127.0.0.1", port, "live", "lat").videoListener((head, len, ts, nanos) -> {
            if (len >= SEQ_OFFSET + 4) {
                int seq = (head[SEQ_OFFSET] & 0xFF) << 24 | (head[SEQ_OFFSET + 1] & 0xFF) << 16
                        | (head[SEQ_OFFSET + 2] & 0xFF) << 8 | head[SEQ_OFFSET + 3] & 0xFF;
                if (seq >= 0 && seq < arrived.length) {
                    arrived[seq] = nanos;
                }
            }
        });
        Thread playerThread = new Thread(player, "latency-player");
        playerThread.setDaemon(true);
        playerThread.start();
        Thread.sleep(500); // the player waits for the stream

        TrackInfo video = TrackInfo.builder(0, Codec.H264).resolution(1280, 720).frameRate(Rational.of(FPS, 1))
                .codecConfig(new byte[] {1, 0x64, 0, 0x1f, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();
        TrackInfo audio = TrackInfo.builder(1, Codec.AAC).codecConfig(new byte[] {0x12, 0x10}).audio(44100, 2).build();
        byte[] noise = new byte[VIDEO_BYTES];
        ThreadLocalRandom.current().nextBytes(noise);
        RtmpTransport rtmp = RtmpTransport.builder(URI.create("rtmp://127.0.0.1:" + port + "/live/lat")).build();
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        try (rtmp) {
            rtmp.open(List.of(video, audio), new Quiet());
            long start = System.nanoTime();
            long videoPeriod = 1_000_000_000L / FPS;
            long audioPeriod = 1_000_000_000L * 1024 / 44100;
            int v = 0;
            long a = 0;
            while (v < frames) {
                long nextVideo = start + v * videoPeriod;
                long nextAudio = start + a * audioPeriod;
                long next = Math.min(nextVideo, nextAudio);
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                if (nextAudio <= nextVideo) {
                    ByteBuf b = alloc.directBuffer(AUDIO_BYTES).writeBytes(noise, 0, AUDIO_BYTES);
                    long us = a * 1024 * 1_000_000L / 44100;
                    rtmp.send(new EncodedFrame(audio, b, us, true));
                    a++;
                } else {
                    ByteBuf b = alloc.directBuffer(VIDEO_BYTES).writeBytes(noise);
                    b.setInt(0, VIDEO_BYTES - 4); // one AVCC NAL unit
                    b.setByte(4, v % GOP == 0 ? 0x65 : 0x41);
                    b.setInt(5, v);
                    long us = v * 1_000_000L / FPS;
                    sent[v] = System.nanoTime();
                    rtmp.send(new EncodedFrame(video, b, us, v % GOP == 0));
                    v++;
                }
            }
            Thread.sleep(1000); // the last frames arrive
        } finally {
            player.stop();
            playerThread.join(2000);
        }
        int skip = FPS; // the first second: set-up and warm-up
        long[] lat = new long[frames - skip];
        int n = 0;
        int lost = 0;
        for (int i = skip; i < frames; i++) {
            if (arrived[i] == 0) {
                lost++;
            } else {
                lat[n++] = arrived[i] - sent[i];
            }
        }
        if (n == 0) {
            return String.format(Locale.ROOT, "%-11s no video frame arrived (player error: %s)", kind, player.error);
        }
        String line = String.format(Locale.ROOT, "%-11s video frames %d (+%d warm-up), lost %d: latency %s", kind, n, skip, lost,
                percentiles(Arrays.copyOf(lat, n)));
        if (atHub != null) {
            long[] in = new long[frames - skip];
            long[] out = new long[frames - skip];
            int m = 0;
            for (int i = skip; i < frames; i++) {
                if (arrived[i] != 0 && atHub[i] != 0) {
                    in[m] = atHub[i] - sent[i];
                    out[m++] = arrived[i] - atHub[i];
                }
            }
            line += String.format(Locale.ROOT, "%n            send() to hub %s%n            hub to player %s",
                    percentiles(Arrays.copyOf(in, m)), percentiles(Arrays.copyOf(out, m)));
        }
        return line;
    }

    private static String percentiles(long[] nanos) {
        Arrays.sort(nanos);
        int n = nanos.length;
        return String.format(Locale.ROOT, "p50 %.2f ms, p99 %.2f ms, max %.2f ms", nanos[n / 2] / 1e6,
                nanos[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e6, nanos[n - 1] / 1e6);
    }

    /** Feedback that ignores everything but failures. */
    private static final class Quiet implements TransportFeedback {
        @Override
        public void onStateChanged(TransportState state, Throwable cause) {
            if (cause != null) {
                System.err.println("publisher " + state + ": " + cause);
            }
        }

        @Override
        public void onKeyframeRequest(int trackId, String reason) {
        }

        @Override
        public void onBandwidthEstimate(BandwidthEstimate estimate) {
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }
    }
}
