package io.sluice.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.FfmpegLog;
import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.core.StreamPipeline;
import io.sluice.codec.ffmpeg.FileTransport;
import io.sluice.core.spi.FrameTransform;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.transport.NullTransport;
import io.sluice.crypto.sframe.InMemoryKeyProvider;
import io.sluice.crypto.sframe.KeyProvider;
import io.sluice.rtmp.client.RtmpTransport;
import io.sluice.rtmp.interop.FfmpegTools;
import io.sluice.rtmp.interop.NginxRtmp;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFrame end to end through RTMP relays that hold no key: a real clip is published with
 * {@link Sframe#encryptor} over {@link RtmpTransport} into nginx-rtmp and into the embedded
 * {@link RtmpServer}; subscribers read it back over RTMP ({@link FfmpegSource}, copy mode) while it is
 * published. The one holding the key decrypts and records to a file that ffprobe decodes completely; the
 * one without it (or with a wrong key) gets only failures, writes nothing, and its pipeline fails naming the reason.
 *
 * <p>Every subscriber joins before the publisher starts, so it sees every frame; the decrypted recording
 * must hold exactly as many decodable video frames as the source.
 */
@Tag("interop")
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SframeRtmpRelayTest {
    /** 640x480, 185 video frames with B-frames, keyframe every 35 frames, AAC. */
    static final String CLIP = "friday_640x480_6s_h264_aac.mp4";
    static final long KID_1 = 1;
    static final long KID_2 = 0x1_0000_0000L; // an 8-byte KID in the SFrame header after rotation

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Path clip;
    private int sourceVideoFrames;
    private long ffmpegErrorsBefore;

    @BeforeEach
    void requireTools() throws Exception {
        ffmpegErrorsBefore = FfmpegLog.errorsLogged();
        assertTrue(FfmpegTools.available(), "needs ffmpeg and ffprobe (.ci/install-deps.sh)");
        clip = FfmpegTools.media(CLIP);
        sourceVideoFrames = FfmpegTools.decodedVideoFrames(clip);
        assertEquals(185, sourceVideoFrames, "ffprobe -count_frames of " + clip);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private static byte[] key(long seed) {
        byte[] k = new byte[16];
        new Random(seed).nextBytes(k);
        return k;
    }

    /** A subscriber: an RTMP reader, its decryptor and where it writes. */
    private final class Subscriber {
        final String name;
        final SframeDecryptor decryptor;
        final Transport transport;
        final StreamPipeline pipeline;
        final Path out;
        final CompletableFuture<Void> started;

        /** Starts reading {@code url} at once (the server holds the player until a publisher comes). */
        Subscriber(String name, String url, KeyProvider keys, Path out) {
            this.name = name;
            this.out = out;
            this.decryptor = Sframe.decryptor(keys);
            this.transport = out != null ? new FileTransport(out.toUri()) : new NullTransport(URI.create("null:" + name.replace(' ', '-')));
            this.pipeline = StreamPipeline.builder()
                    .source(FfmpegSource.builder(url).opaquePayloads(true).build())
                    .copy(true)
                    .transform(decryptor)
                    .transport(transport)
                    .openTimeout(Duration.ofSeconds(60))
                    .build();
            closeables.add(pipeline);
            // start() returns once the source has opened, which needs the publisher's first frames.
            this.started = CompletableFuture.runAsync(pipeline::start);
        }

        /**
         * Waits until all {@code published} frames went through the decryptor and every decrypted one is
         * written, then closes the pipeline (which writes the file trailer). The embedded server tells its
         * players when the publisher leaves (NetStream.Play.UnpublishNotify) and FFmpeg's reader then ends;
         * nginx-rtmp leaves them waiting, so the end of the stream is recognised by the count.
         */
        SframeTransformStats finish(long published) throws Exception {
            started.get(30, TimeUnit.SECONDS);
            await(name + ": " + published + " frames through the decryptor and written", 30_000, () ->
                    pipeline.completion().isDone() || decryptor.stats().framesIn() >= published
                            && transport.stats().framesSent() >= decryptor.stats().framesOut());
            pipeline.close();
            SframeTransformStats s = decryptor.stats();
            System.out.printf("%s: %s, %s%n", name, s, transport.stats());
            return s;
        }
    }

    /** Publishes the clip in real time, copy mode, through {@code encryption}, and waits for the end. */
    private TransportStats publish(String url, FrameTransform rotation, SframeEncryptor encryptor) throws Exception {
        RtmpTransport rtmp = RtmpTransport.builder(URI.create(url)).build();
        StreamPipeline.Builder b = StreamPipeline.builder()
                .source(MediaSources.open(clip.toString()))
                .copy(true)
                .encryption(encryptor)
                .transport(rtmp)
                .realtime(true);
        if (rotation != null) {
            b.transform(rotation);
        }
        try (StreamPipeline p = b.build()) {
            p.start();
            p.completion().get(60, TimeUnit.SECONDS);
            return rtmp.stats();
        }
    }

    /**
     * The keyed subscriber's recording holds every source video frame, and ffprobe decodes all of them
     * without errors.
     *
     * <p>{@code presentationExact}: whether every frame must also be presented, i.e. counted by ffprobe
     * through the MP4 edit list. Through the embedded {@link RtmpServer} exactly one is not: the server
     * rebases each player's RTMP timestamps on the first frame it forwards and clamps earlier ones to 0 ms.
     * The clip's first audio frame (66 ms after the publisher's time base, which is the first video DTS,
     * −67 ms in the file) comes before the first three video frames (DTS 0, 33, 66 ms), so their DTS all
     * become 0 while each keeps its composition offset: PTS 67, 67, 66 ms instead of 67, 100, 133. The third
     * frame's PTS then lies before the stream start (67 ms), the MP4 edit list marks it discarded, and
     * ffprobe decodes 184 of 185 frames; with {@code -ignore_editlist 1} it decodes all 185. The same
     * happens without SFrame (same path, no transform); nginx-rtmp forwards the publisher's timestamps and
     * every frame is presented. ({@code ffmpeg -f null} also reports those three DTS as non-monotonic:
     * tolerated here, and only here.)
     */
    private void assertCompleteDecryptedRecording(Subscriber keyed, SframeTransformStats s, SframeTransformStats sent,
            boolean presentationExact) throws Exception {
        assertEquals(0, s.dropped(), "decryptor drops: " + s.dropsByReason());
        assertEquals(sent.framesOut(), s.framesIn(), "every encrypted frame reached the subscriber");
        int decoded = FfmpegTools.decodedVideoFrames(keyed.out);
        int decodedAll = Integer.parseInt(FfmpegTools.run(FfmpegTools.FFPROBE, "-v", "error", "-ignore_editlist", "1",
                "-select_streams", "v:0", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                keyed.out.toString()).trim());
        System.out.printf("%s: source %d video frames, decrypted recording %d video frames (%d ignoring the edit list)%n",
                keyed.name, sourceVideoFrames, decoded, decodedAll);
        assertEquals(sourceVideoFrames, decodedAll, "video frames ffprobe decodes from the decrypted recording");
        if (presentationExact) {
            assertEquals(sourceVideoFrames, decoded, "video frames presented (MP4 edit list applied)");
        } else {
            assertTrue(decoded >= sourceVideoFrames - 1, "presented " + decoded + " of " + sourceVideoFrames);
        }
        FfmpegTools.Probe probe = FfmpegTools.probe(keyed.out);
        assertEquals(List.of("audio:aac", "video:h264"), probe.streams().stream().sorted().toList());
        assertEquals(640, probe.firstVideo().width());
        assertTrue(probe.firstVideo().keyframe(), "starts at a keyframe");
        assertTrue(probe.count("audio") > 250, "audio frames: " + probe.count("audio"));
        List<String> errors = FfmpegTools.decodeErrors(keyed.out).stream()
                // the clamped DTS above, as ffmpeg's null muxer sees them: timing, not decoding
                .filter(e -> presentationExact || !e.contains("non monotonically increasing dts")).toList();
        assertTrue(errors.isEmpty(), "decode errors: " + errors);
        // the subscribers' FFmpeg readers neither parse nor complain about the ciphertext (opaquePayloads)
        assertEquals(0, FfmpegLog.errorsLogged() - ffmpegErrorsBefore, "FFmpeg messages logged at ERROR");
    }

    private static void await(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void throughNginxRtmpOnlyTheKeyHolderDecryptsEveryFrame() throws Exception {
        assertTrue(NginxRtmp.available(), "needs nginx and libnginx-mod-rtmp (.ci/install-deps.sh)");
        NginxRtmp nginx = NginxRtmp.start(dir);
        closeables.add(nginx);
        String url = nginx.url("x");
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(KID_1, key(1));
        Subscriber keyed = new Subscriber("nginx keyed", url, keys, dir.resolve("decrypted.mp4"));
        Subscriber wrongKey = new Subscriber("nginx wrong key", url, new InMemoryKeyProvider().put(KID_1, key(2)), null);
        await("two players on nginx", 15_000, () -> nginx.log().split("play: name='x'", -1).length - 1 >= 2);

        SframeEncryptor encryptor = Sframe.encryptor(keys, KID_1);
        TransportStats rtmp = publish(url, null, encryptor);
        SframeTransformStats sent = encryptor.stats();
        System.out.printf("nginx publisher: %s, rtmp %s%n", sent, rtmp);
        assertEquals(0, sent.dropped());
        assertEquals(0, rtmp.framesDropped());

        assertCompleteDecryptedRecording(keyed, keyed.finish(sent.framesOut()), sent, true);
        GaveUpAssertions.assertGaveUp(wrongKey.pipeline, wrongKey.finish(sent.framesOut()), sent.framesOut(),
                SframeDropReason.AUTH_FAILED, KID_1);
    }

    @Test
    void throughTheEmbeddedRtmpServerOnlyTheKeyHolderDecryptsEveryFrame() throws Exception {
        RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
        closeables.add(server);
        String url = "rtmp://127.0.0.1:" + server.port() + "/live/x";
        InMemoryKeyProvider keys = new InMemoryKeyProvider().put(KID_1, key(1));
        Subscriber keyed = new Subscriber("embedded keyed", url, keys, dir.resolve("decrypted.mp4"));
        Subscriber noKey = new Subscriber("embedded no key", url, new InMemoryKeyProvider(), null);
        await("two players on the hub", 15_000, () -> server.hub().subscriberCount("live/x") >= 2);

        SframeEncryptor encryptor = Sframe.encryptor(keys, KID_1);
        TransportStats rtmp = publish(url, null, encryptor);
        SframeTransformStats sent = encryptor.stats();
        System.out.printf("embedded publisher: %s, rtmp %s%n", sent, rtmp);
        assertEquals(0, sent.dropped());
        assertEquals(0, rtmp.framesDropped());

        assertCompleteDecryptedRecording(keyed, keyed.finish(sent.framesOut()), sent, false);
        GaveUpAssertions.assertGaveUp(noKey.pipeline, noKey.finish(sent.framesOut()), sent.framesOut(),
                SframeDropReason.UNKNOWN_KID, KID_1);
    }

    @Test
    void keyRotationHalfwayLosesNoFrame() throws Exception {
        RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
        closeables.add(server);
        String url = "rtmp://127.0.0.1:" + server.port() + "/live/x";
        InMemoryKeyProvider senderKeys = new InMemoryKeyProvider().put(KID_1, key(1)).put(KID_2, key(3));
        Set<Long> kidsAsked = ConcurrentHashMap.newKeySet();
        InMemoryKeyProvider receiverKeys = new InMemoryKeyProvider().put(KID_1, key(1)).put(KID_2, key(3));
        KeyProvider recordingKeys = kid -> {
            kidsAsked.add(kid);
            return receiverKeys.baseKey(kid);
        };
        Subscriber keyed = new Subscriber("rotation keyed", url, recordingKeys, dir.resolve("rotated.mp4"));
        await("player on the hub", 15_000, () -> server.hub().subscriberCount("live/x") >= 1);

        SframeEncryptor encryptor = Sframe.encryptor(senderKeys, KID_1);
        AtomicLong video = new AtomicLong();
        AtomicLong rotatedAt = new AtomicLong(-1);
        FrameTransform rotateHalfway = frame -> {
            if (frame.track().isVideo() && video.incrementAndGet() == sourceVideoFrames / 2) {
                encryptor.useKid(KID_2); // takes effect with this very frame: the encryptor runs next
                rotatedAt.set(frame.ptsUs());
            }
            return frame;
        };
        publish(url, rotateHalfway, encryptor);
        SframeTransformStats sent = encryptor.stats();
        System.out.printf("rotation publisher: %s, KID %d -> %d at video frame %d (pts %d us)%n", sent, KID_1, KID_2,
                sourceVideoFrames / 2, rotatedAt.get());
        assertTrue(rotatedAt.get() > 0, "rotated");
        assertEquals(0, sent.dropped());

        assertCompleteDecryptedRecording(keyed, keyed.finish(sent.framesOut()), sent, false);
        assertEquals(Set.of(KID_1, KID_2), kidsAsked, "the receiver derived keys for both KIDs");
    }
}
