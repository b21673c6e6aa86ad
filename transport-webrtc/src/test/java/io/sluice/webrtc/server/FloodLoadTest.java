package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.handshake.RtmpHandshake;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.SetChunkSize;
import io.sluice.rtmp.server.RtmpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods while real clients watch: ffmpeg publishes over RTMP into the embedded {@link RtmpServer},
 * an ffmpeg RTMP player and a headless Chromium WHEP viewer watch the stream, and for 20 s hostile
 * clients (each from its own loopback address 127.0.0.x) send RTMP half-messages before and after
 * {@code connect} (one of them holding as much as it can on 24 connections), hold idle HTTP
 * connections by the hundred (400 a second), and post bogus WHEP offers 20 times a second. Both real clients keep
 * the frame rate the publisher delivers, a new WHEP viewer still gets a session, and what the
 * servers hold stays under their limits. Server defaults throughout.
 */
@Tag("load")
@Tag("chromium")
class FloodLoadTest {
    private static final Duration WINDOW = Duration.ofSeconds(20);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** Counts the hub's video frames: the frame rate the publisher delivers. */
    static final class VideoCounter implements StreamSubscriber {
        final AtomicLong frames = new AtomicLong();

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
        }

        @Override
        public void onFrame(EncodedFrame frame) {
            if (frame.mediaType() == io.sluice.core.MediaType.VIDEO) {
                frames.incrementAndGet();
            }
            frame.release();
        }

        @Override
        public void onUnpublish(String streamName) {
        }
    }

    /** Hostile clients on their own threads; {@link #close()} stops and joins them. */
    static final class Floods implements AutoCloseable {
        final List<Thread> threads = new ArrayList<>();
        final List<Socket> held = new ArrayList<>();
        final AtomicLong rtmpClosedByServer = new AtomicLong();
        final AtomicLong httpRefusedOrClosed = new AtomicLong();
        final AtomicLong whepOffers = new AtomicLong();
        final AtomicLong whep503 = new AtomicLong();
        volatile boolean stop;

        void start(String name, Runnable body) {
            Thread t = new Thread(() -> {
                while (!stop) {
                    try {
                        body.run();
                    } catch (RuntimeException e) {
                        // a flood client's failure is the server defending itself; keep flooding
                    }
                }
            }, "flood-" + name);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        synchronized void hold(Socket s) {
            held.add(s);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            synchronized (this) {
                for (Socket s : held) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing
                    }
                }
            }
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }

    private static byte[] bytes(ByteBuf b) {
        try {
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    private static byte[] encode(RtmpMessage m) {
        ByteBuf b = Unpooled.buffer();
        try {
            new ChunkEncoder().encode(m, b);
        } finally {
            m.release();
        }
        return bytes(b);
    }

    /** A type 0 chunk header of a {@code length}-byte video message on chunk stream {@code csid} and {@code chunk} bytes of it. */
    private static byte[] firstChunk(int csid, int length, int chunk) {
        ByteBuf b = Unpooled.buffer(12 + chunk);
        b.writeByte(csid).writeMedium(0).writeMedium(length).writeByte(9).writeIntLE(1).writeZero(chunk);
        return bytes(b);
    }

    /** Opens an RTMP connection from {@code local} and completes the handshake (and {@code connect}). */
    private static Socket rtmp(int port, InetAddress local, boolean connect) throws IOException {
        Socket s = new Socket(LOOPBACK, port, local, 0);
        s.setSoTimeout(3000);
        RtmpHandshake hs = RtmpHandshake.client();
        OutputStream out = s.getOutputStream();
        out.write(bytes(hs.pollOutbound()));
        byte[] s012 = s.getInputStream().readNBytes(1 + 2 * RtmpHandshake.HANDSHAKE_SIZE);
        hs.feed(Unpooled.wrappedBuffer(s012));
        ByteBuf c2;
        while ((c2 = hs.pollOutbound()) != null) {
            out.write(bytes(c2));
        }
        if (connect) {
            out.write(encode(RtmpMessages.encode(Commands.connect(1, "live", "rtmp://127.0.0.1/live"), 3, 0,
                    UnpooledByteBufAllocator.DEFAULT)));
        }
        out.write(encode(RtmpMessages.encode(new SetChunkSize(65536), UnpooledByteBufAllocator.DEFAULT)));
        return s;
    }

    /** Sends half-messages (64 KiB of 8 MiB each) on chunk streams 3..63, then continues one, until the server closes. */
    private static void halfMessagesUntilClosed(Socket s, Floods floods) {
        try (s) {
            OutputStream out = s.getOutputStream();
            for (int csid = 3; csid < 64; csid++) {
                out.write(firstChunk(csid, 8 << 20, 65536));
            }
            byte[] continuation = new byte[1 + 65536];
            continuation[0] = (byte) (0xC0 | 3);
            for (int i = 0; i < 1000; i++) {
                out.write(continuation);
            }
        } catch (IOException closed) {
            floods.rtmpClosedByServer.incrementAndGet();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuntimeException(e);
        }
    }

    private static String post(InetAddress local, int port, String path, String sdp) throws IOException {
        try (Socket s = new Socket(LOOPBACK, port, local, 0)) {
            s.setSoTimeout(5000);
            byte[] body = sdp.getBytes(StandardCharsets.UTF_8);
            s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sdp\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().write(body);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** ffmpeg playing {@code url} to nowhere, its video frame count read from {@code -progress}, its log in {@code log}. */
    private static Process player(String url, AtomicLong frames, Path log) throws IOException {
        Process p = new ProcessBuilder(RtmpWhepChromiumTest.FFMPEG.toString(), "-hide_banner", "-loglevel", "warning", "-nostats",
                "-progress", "pipe:1", "-stats_period", "0.25", "-i", url, "-map", "0:v", "-c", "copy", "-f", "null", "-")
                .redirectError(log.toFile()).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("frame=")) {
                        frames.set(Long.parseLong(line.substring(6).trim()));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // player ended
            }
        }, "player-progress");
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** Whether {@code p} still runs; if not, its exit code and the end of its log, for the failure message. */
    private static String state(String what, Process p, Path log) throws IOException {
        if (p.isAlive()) {
            return what + " running";
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        return what + " exited with " + p.exitValue() + ", log: " + text.substring(Math.max(0, text.length() - 2000)).strip();
    }

    private static void stop(Process p) throws InterruptedException {
        if (p != null) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void realViewersKeepTheirFrameRateWhileFloodsRun(@TempDir Path tmp) throws Exception {
        assertTrue(Chromium.available(), "needs /usr/bin/chromium and /usr/bin/chromedriver (.ci/install-deps.sh)");
        Process publisher = null;
        Process player = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().bindAddress(LOOPBACK).port(0).hub(hub).build().start();
             WebRtcServer webrtc = WebRtcServer.builder(hub).build();
             Chromium chromium = new Chromium()) {
            webrtc.start();
            String url = "rtmp://127.0.0.1:" + rtmp.port() + "/live/x";
            Path publisherLog = tmp.resolve("publisher.log");
            Path playerLog = tmp.resolve("player.log");
            publisher = new ProcessBuilder(RtmpWhepChromiumTest.FFMPEG.toString(), "-hide_banner", "-loglevel", "warning", "-re",
                    "-stream_loop", "-1", "-i", RtmpWhepChromiumTest.flvCopy(ClipPublisher.RABBIT, tmp).toString(), "-c", "copy",
                    "-f", "flv", url).redirectErrorStream(true).redirectOutput(publisherLog.toFile()).start();
            WhepChromiumTest.awaitLive(hub, "live/x");
            VideoCounter source = new VideoCounter();
            StreamHub.Subscription counting = hub.subscribe("live/x", source);
            AtomicLong playerFrames = new AtomicLong();
            player = player(url, playerFrames, playerLog);
            chromium.driver.get(webrtc.httpUrl() + "watch/live/x");
            WhepChromiumTest.awaitFirstFrame(chromium);
            Thread.sleep(3000); // both real clients past their start
            LongSupplier decoded = () -> Chromium.num(chromium.map("window.sluice.stats"), "framesDecoded");
            assertTrue(playerFrames.get() > 0, "the RTMP player receives frames");

            String whepOffer = WebRtcServerLimitsTest.whepOffer();
            long source0 = source.frames.get();
            long player0 = playerFrames.get();
            long decoded0 = decoded.getAsLong();
            long t0 = System.nanoTime();
            long mostRtmpBuffered = 0;
            int mostHttpOpen = 0;
            int newViewerStatus;
            try (Floods floods = new Floods()) {
                int rtmpPort = rtmp.port();
                int httpPort = webrtc.httpAddress().getPort();
                for (int i = 0; i < 4; i++) { // two before connect (64 KiB each), two after (16 MiB each)
                    InetAddress from = InetAddress.getByName("127.0.0." + (10 + i));
                    boolean connect = i >= 2;
                    floods.start("rtmp-half-messages-" + i, () -> {
                        try {
                            halfMessagesUntilClosed(rtmp(rtmpPort, from, connect), floods);
                        } catch (IOException e) {
                            floods.rtmpClosedByServer.incrementAndGet();
                        }
                        sleep(10);
                    });
                }
                InetAddress hoarder = InetAddress.getByName("127.0.0.14");
                floods.start("rtmp-hoarder", () -> { // 24 connections x 12 MiB of half-messages: over the 256 MiB total
                    for (int c = 0; c < 24 && !floods.stop; c++) {
                        try {
                            Socket s = rtmp(rtmpPort, hoarder, true);
                            floods.hold(s);
                            OutputStream out = s.getOutputStream();
                            for (int csid = 3; csid < 64; csid++) {
                                out.write(firstChunk(csid, 8 << 20, 65536));
                            }
                            byte[] more = new byte[1 + 65536];
                            more[0] = (byte) (0xC0 | 3);
                            for (int k = 0; k < 126; k++) { // csid 3's message to 8 MiB - 64 KiB: 11.75 MiB reserved in all
                                out.write(more);
                            }
                        } catch (IOException e) {
                            floods.rtmpClosedByServer.incrementAndGet();
                        }
                    }
                    while (!floods.stop) {
                        sleep(100);
                    }
                });
                for (int i = 0; i < 4; i++) {
                    InetAddress idle = InetAddress.getByName("127.0.0." + (20 + i));
                    floods.start("http-idle-" + i, () -> { // hundreds of idle connections, reopened as the server closes them
                        List<Socket> mine = new ArrayList<>();
                        try {
                            for (int k = 0; k < 100 && !floods.stop; k++) {
                                mine.add(new Socket(LOOPBACK, httpPort, idle, 0));
                            }
                            sleep(1000);
                        } catch (IOException e) {
                            floods.httpRefusedOrClosed.incrementAndGet();
                        } finally {
                            for (Socket s : mine) {
                                try {
                                    if (s.getInputStream().available() > 0 || s.isClosed()) {
                                        floods.httpRefusedOrClosed.incrementAndGet();
                                    }
                                    s.close();
                                } catch (IOException e) {
                                    floods.httpRefusedOrClosed.incrementAndGet();
                                }
                            }
                        }
                    });
                }
                for (int i = 0; i < 2; i++) {
                    InetAddress bogus = InetAddress.getByName("127.0.0." + (30 + i));
                    floods.start("whep-bogus-" + i, () -> { // 10 offers a second each, never followed by ICE
                        try {
                            String r = post(bogus, httpPort, "/whep/live/x", whepOffer);
                            floods.whepOffers.incrementAndGet();
                            if (r.startsWith("HTTP/1.1 503")) {
                                floods.whep503.incrementAndGet();
                            }
                        } catch (IOException e) {
                            floods.httpRefusedOrClosed.incrementAndGet();
                        }
                        sleep(100);
                    });
                }

                long end = t0 + WINDOW.toNanos();
                long newViewerAt = t0 + WINDOW.toNanos() / 2;
                newViewerStatus = -1;
                while (System.nanoTime() < end) {
                    Thread.sleep(100);
                    mostRtmpBuffered = Math.max(mostRtmpBuffered, rtmp.bufferedBytes());
                    mostHttpOpen = Math.max(mostHttpOpen, webrtc.httpLimits().openConnections());
                    if (newViewerStatus < 0 && System.nanoTime() > newViewerAt) {
                        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                        URI.create(webrtc.httpUrl() + "whep/live/x")).timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString(whepOffer))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        newViewerStatus = r.statusCode();
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long sourceFrames = source.frames.get() - source0;
                long playerDelta = playerFrames.get() - player0;
                long decodedDelta = decoded.getAsLong() - decoded0;
                System.out.printf("flood %.1f s: source %.1f fps, RTMP player %.1f fps, Chromium %.1f fps; RTMP flood"
                                + " connections closed %d, most RTMP half-message bytes %d, most HTTP connections %d, HTTP"
                                + " refused/closed %d, bogus WHEP offers %d (503: %d), sessions expired %d, new viewer %d;"
                                + " loadavg %s%n", seconds, sourceFrames / seconds, playerDelta / seconds, decodedDelta / seconds,
                        floods.rtmpClosedByServer.get(), mostRtmpBuffered, mostHttpOpen, floods.httpRefusedOrClosed.get(),
                        floods.whepOffers.get(), floods.whep503.get(), webrtc.pendingSessionsExpired(), newViewerStatus,
                        WhepChromiumTest.loadAvg());
                assertTrue(sourceFrames > 10 * seconds, "the publisher kept publishing: " + sourceFrames);
                assertTrue(playerDelta >= 0.85 * sourceFrames, "RTMP player " + playerDelta + " of " + sourceFrames + " frames");
                assertTrue(decodedDelta >= 0.85 * sourceFrames, "Chromium decoded " + decodedDelta + " of " + sourceFrames);
                assertTrue(floods.rtmpClosedByServer.get() > 10, "RTMP floods were cut off");
                assertTrue(floods.whep503.get() > 0, "bogus offers were refused");
                assertTrue(webrtc.httpLimits().refusedConnections() > 0, "idle HTTP connections were refused");
            }
            assertEquals(201, newViewerStatus, "a new WHEP viewer gets a session during the flood");
            assertTrue(mostRtmpBuffered <= RtmpServer.DEFAULT_MAX_BUFFERED_BYTES_TOTAL, "RTMP held " + mostRtmpBuffered);
            assertTrue(mostRtmpBuffered > 64L << 20, "the hoarder reached the total budget: " + mostRtmpBuffered);
            assertTrue(mostHttpOpen <= WebRtcServer.DEFAULT_MAX_HTTP_CONNECTIONS, "HTTP connections " + mostHttpOpen);
            assertTrue(player.isAlive() && publisher.isAlive(), "real clients still running: "
                    + state("RTMP publisher", publisher, publisherLog) + "; " + state("RTMP player", player, playerLog));
            counting.close();
        } finally {
            stop(player);
            stop(publisher);
        }
    }
}
