package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.MediaFrame;
import io.sluice.core.MediaSourceException;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FfmpegSourceFailureTest {
    private static final long LIMIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    @TempDir
    Path tmp;

    private int threadsBefore;

    @BeforeEach
    void countThreads() {
        FfmpegLog.install(); // its one-time setup must not count as a leak
        threadsBefore = Thread.getAllStackTraces().size();
    }

    @AfterEach
    void noLeftoverThreads() throws InterruptedException {
        int after = Integer.MAX_VALUE;
        for (int i = 0; i < 40 && after > threadsBefore; i++) {
            Thread.sleep(50);
            after = Thread.getAllStackTraces().size();
        }
        assertTrue(after <= threadsBefore, "threads: " + after + " after the test, " + threadsBefore + " before: "
                + Thread.getAllStackTraces().keySet());
    }

    @Test
    void missingFile() {
        String input = tmp.resolve("missing.mp4").toString();
        MediaSourceException e = expectFailure(input);
        assertEquals("input '" + input + "': avformat_open_input() returned -2 (No such file or directory)", e.getMessage());
        assertEquals(-2, e.errorCode());
        assertEquals("avformat_open_input", e.nativeFunction().orElseThrow());
        assertEquals(input, e.input());
    }

    @Test
    void randomBytes() throws IOException {
        Path file = tmp.resolve("noise.mp4");
        byte[] noise = new byte[64 * 1024];
        new Random(42).nextBytes(noise);
        Files.write(file, noise);
        MediaSourceException e = expectFailure(file.toString());
        assertTrue(e.getMessage().contains("avformat_open_input() returned") || e.getMessage().contains("avformat_find_stream_info() returned"),
                e.getMessage());
    }

    @ParameterizedTest(name = "{0} cut to {1}")
    @CsvSource({
        TestMedia.RABBIT + ", 0.6",   // moov first: open() works, the media data ends early
        TestMedia.RABBIT + ", 2048",
        TestMedia.BBB + ",    0.6",   // moov last: no moov at all
        TestMedia.BBB + ",    2048",
        TestMedia.FRIDAY + ", 0.6",
    })
    void truncatedMp4(String clip, double cut) throws IOException {
        byte[] whole = Files.readAllBytes(TestMedia.path(clip));
        int length = cut < 1 ? (int) (whole.length * cut) : (int) cut;
        Path file = tmp.resolve("cut-" + length + "-" + clip);
        Files.write(file, java.util.Arrays.copyOf(whole, length));
        MediaSourceException e = expectFailure(file.toString());
        assertTrue(e.nativeFunction().isPresent(), e.getMessage());
        assertTrue(e.getMessage().contains(e.nativeFunction().get() + "() returned " + e.errorCode() + " ("), e.getMessage());
    }

    /** Opens and decodes everything; the failure must come within 5 s, as a MediaSourceException naming the input. */
    private static MediaSourceException expectFailure(String input) {
        long start = System.nanoTime();
        MediaSourceException e = assertThrows(MediaSourceException.class, () -> {
            try (FfmpegSource source = FfmpegSource.of(input)) {
                List<TrackInfo> tracks = source.open();
                Map<Integer, Delivery> all = new HashMap<>();
                tracks.forEach(t -> all.put(t.trackId(), Delivery.DECODED));
                source.select(all);
                for (MediaFrame f; (f = source.read()) != null; ) {
                    f.release();
                }
            }
        });
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed < LIMIT_NANOS, "failed after " + elapsed / 1_000_000 + " ms");
        assertEquals(input, e.input());
        assertTrue(e.getMessage().startsWith("input '" + input + "': "), e.getMessage());
        return e;
    }

    @Test
    void abortWakesAReadBlockedOnTheNetwork() throws Exception {
        byte[] webm = Files.readAllBytes(TestMedia.path(TestMedia.TOS));
        CountDownLatch testDone = new CountDownLatch(1);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread serverThread = new Thread(() -> serveThenStall(server, webm, webm.length / 2, testDone), "stalling-server");
            serverThread.start();
            try (FfmpegSource source = FfmpegSource.builder("tcp://127.0.0.1:" + server.getLocalPort())
                    .format("matroska").build()) {
                List<TrackInfo> tracks = source.open();
                source.select(Map.of(tracks.get(0).trackId(), Delivery.ENCODED));
                AtomicReference<Object> outcome = new AtomicReference<>();
                CountDownLatch readerStarted = new CountDownLatch(1);
                Thread reader = new Thread(() -> {
                    readerStarted.countDown();
                    int frames = 0;
                    try {
                        for (MediaFrame f; (f = source.read()) != null; ) {
                            f.release();
                            frames++;
                        }
                        outcome.set(frames);
                    } catch (Throwable t) {
                        outcome.set(t);
                    }
                }, "reader");
                reader.start();
                readerStarted.await();
                Thread.sleep(700); // by now every frame sent is read and read() waits for bytes that never come
                assertNull(outcome.get(), "read() returned before abort(): " + outcome.get());
                long start = System.nanoTime();
                source.abort();
                reader.join(2_000);
                long waitedMs = (System.nanoTime() - start) / 1_000_000;
                assertTrue(!reader.isAlive(), "read() still blocked " + waitedMs + " ms after abort()");
                assertTrue(outcome.get() instanceof Integer, "outcome: " + outcome.get());
                assertTrue((Integer) outcome.get() > 100, "frames before the stall: " + outcome.get());
                assertNull(source.read(), "read() after abort()");
            } finally {
                testDone.countDown();
                serverThread.join(2_000);
            }
        }
    }

    @Test
    void abortBeforeOpenFailsOpen() {
        try (FfmpegSource source = FfmpegSource.of(TestMedia.input(TestMedia.RABBIT))) {
            source.abort();
            MediaSourceException e = assertThrows(MediaSourceException.class, source::open);
            assertNotNull(e.getMessage());
        }
    }

    private static void serveThenStall(ServerSocket server, byte[] data, int length, CountDownLatch done) {
        try (Socket s = server.accept(); OutputStream out = s.getOutputStream(); InputStream in = s.getInputStream()) {
            out.write(data, 0, length);
            out.flush();
            done.await(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // the test reports what the client saw
        }
    }
}
