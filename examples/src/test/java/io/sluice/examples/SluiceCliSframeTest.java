package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code sluice stream --encrypt-key / --decrypt-key} through the embedded RTMP server, which holds no key. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SluiceCliSframeTest {
    static final String KEY = "6bc1bee22e409f96e93d7e117393172a";
    static final String WRONG = "00000000000000000000000000000000";

    @TempDir
    Path dir;

    @Test
    void theKeyHolderRecordsEveryFrameAndAWrongKeyExitsNonZeroNamingTheReason() throws Exception {
        try (RtmpServer relay = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start()) {
            String url = "rtmp://127.0.0.1:" + relay.port() + "/live/x";
            Path good = dir.resolve("good.mp4");
            Path bad = dir.resolve("bad.mp4");
            CompletableFuture<SluiceCliTest.Result> keyed = CompletableFuture.supplyAsync(() -> SluiceCliTest.run("stream",
                    "--input", url, "--to", good.toString(), "--copy", "--decrypt-key", KEY, "--quiet"));
            CompletableFuture<SluiceCliTest.Result> wrong = CompletableFuture.supplyAsync(() -> SluiceCliTest.run("stream",
                    "--input", url, "--to", bad.toString(), "--copy", "--decrypt-key", WRONG, "--quiet"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (relay.hub().subscriberCount("live/x") < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(2, relay.hub().subscriberCount("live/x"), "both subscribers wait for the publisher");
            SluiceCliTest.Result pub = SluiceCliTest.run("stream", "--input", SluiceCliTest.clip("flower_960x540_5s_h264_aac.mp4"),
                    "--to", url, "--copy", "--realtime", "--encrypt-key", KEY, "--quiet");
            assertEquals(0, pub.code(), pub.err());

            SluiceCliTest.Result w = wrong.get(60, TimeUnit.SECONDS);
            assertEquals(1, w.code(), "wrong key: " + w.err());
            assertTrue(w.err().contains("AUTH_FAILED") && w.err().contains("KID 1"), w.err());
            SluiceCliTest.Result k = keyed.get(60, TimeUnit.SECONDS);
            assertEquals(0, k.code(), k.err());
            assertTrue(Files.size(good) > 100_000, "decrypted recording: " + Files.size(good) + " bytes");
            Process p = new ProcessBuilder("/usr/bin/ffprobe", "-v", "error", "-ignore_editlist", "1", "-count_frames",
                    "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", good.toString())
                    .redirectErrorStream(true).start();
            String frames = new String(p.getInputStream().readAllBytes()).trim();
            assertEquals("150", frames, "video frames decoded from the decrypted recording");
        }
    }
}
