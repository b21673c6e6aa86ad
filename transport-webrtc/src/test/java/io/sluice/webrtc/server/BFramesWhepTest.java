package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.codec.MediaSources;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.webrtc.whip.client.WhipTransport;
import io.sluice.webrtc.whip.client.WhipTransportTest;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.server.RtmpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * H.264 with B-frames reaches the hub from a real publisher (ffmpeg's x264 over RTMP, a file) and a WHEP
 * offer for it is refused with 406 naming B-frames when the server has no ladder: Chromium would otherwise
 * receive frames in decode order as if they were in presentation order and freeze. The same publisher
 * without B-frames gets an answer. With a ladder, the viewer gets its B-frame-free top rung instead.
 */
class BFramesWhepTest {
    static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");
    static final Path FLOWER = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "flower_960x540_5s_h264_aac.mp4");

    static HttpResponse<String> offer(WebRtcServer server, String stream) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.httpUrl() + "whep/" + stream))
                        .header("Content-Type", "application/sdp").POST(HttpRequest.BodyPublishers.ofString(WhepOffers.H264_OFFER)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** ffmpeg encodes a test pattern with x264 ({@code bFrames} B-frames, Main profile) and publishes it live over RTMP. */
    static Process publishX264(String rtmpUrl, int bFrames) throws Exception {
        assertTrue(Files.isExecutable(FFMPEG), "needs " + FFMPEG);
        return new ProcessBuilder(FFMPEG.toString(), "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=s=640x360:r=30", "-f", "lavfi", "-i", "sine=f=440:r=48000",
                "-c:v", "libx264", "-profile:v", "main", "-preset", "veryfast", "-bf", String.valueOf(bFrames), "-g", "60",
                "-pix_fmt", "yuv420p", "-c:a", "aac", "-t", "60", "-f", "flv", rtmpUrl)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    static TrackInfo video(StreamHub hub, String stream) {
        return hub.tracks(stream).orElseThrow().stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
    }

    @Test
    void rtmpPublishWithBFramesIsRefusedWithoutALadderAndOneWithoutBFramesIsAnswered() throws Exception {
        Process withB = null;
        Process withoutB = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().port(0).hub(hub).build().start();
             WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            withB = publishX264("rtmp://127.0.0.1:" + rtmp.port() + "/live/b", 2);
            withoutB = publishX264("rtmp://127.0.0.1:" + rtmp.port() + "/live/nob", 0);
            WhepChromiumTest.awaitLive(hub, "live/b");
            WhepChromiumTest.awaitLive(hub, "live/nob");
            assertTrue(video(hub, "live/b").hasBFrames(), "x264 -bf 2: " + video(hub, "live/b"));
            assertFalse(video(hub, "live/nob").hasBFrames(), "x264 -bf 0: " + video(hub, "live/nob"));

            HttpResponse<String> refused = offer(server, "live/b");
            System.out.println("WHEP of an RTMP x264 -bf 2 stream -> " + refused.statusCode() + " " + refused.body().trim());
            assertEquals(406, refused.statusCode());
            assertTrue(refused.body().contains("B-frames"), refused.body());

            HttpResponse<String> answered = offer(server, "live/nob");
            assertEquals(201, answered.statusCode(), answered.body());
            assertTrue(answered.body().contains("H264/90000"), answered.body());
        } finally {
            for (Process p : new Process[] {withB, withoutB}) {
                if (p != null) {
                    p.destroy();
                }
            }
        }
    }

    @Test
    void aFileWithBFramesIsRefusedWithoutALadder() throws Exception {
        try (StreamHub hub = StreamHub.create();
             WebRtcServer server = WebRtcServer.builder(hub).build();
             ClipPublisher pub = new ClipPublisher(hub, "file", FLOWER, 1, false)) {
            server.start();
            WhepChromiumTest.awaitLive(hub, "file");
            assertTrue(video(hub, "file").hasBFrames());
            HttpResponse<String> refused = offer(server, "file");
            assertEquals(406, refused.statusCode());
            assertTrue(refused.body().contains("B-frames"), refused.body());
        }
    }

    @Test
    void withALadderTheViewerGetsTheBFrameFreeTopRungAndItsLeaveStopsTheLadder() throws Exception {
        Process withB = null;
        try (StreamHub hub = StreamHub.create();
             RtmpServer rtmp = RtmpServer.builder().port(0).hub(hub).build().start();
             FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).maxRungs(2).build();
             WebRtcServer server = WebRtcServer.builder(hub).renditionLadder(ladder).build()) {
            server.start();
            withB = publishX264("rtmp://127.0.0.1:" + rtmp.port() + "/live/b", 2);
            WhepChromiumTest.awaitLive(hub, "live/b");
            assertTrue(video(hub, "live/b").hasBFrames());

            HttpResponse<String> answered = offer(server, "live/b");
            System.out.println("WHEP of an RTMP x264 -bf 2 stream with a ladder -> " + answered.statusCode() + ", ladder "
                    + ladder.runningLadders() + ", live " + hub.liveStreams());
            assertEquals(201, answered.statusCode(), answered.body());
            assertEquals(List.of("live/b"), ladder.runningLadders());
            TrackInfo rung = video(hub, "live/b~360p");
            assertFalse(rung.hasBFrames(), rung.toString());
            assertEquals(640, rung.width());
            assertEquals(1, hub.subscriberCount("live/b"), "the ladder alone subscribes to the source");

            String location = answered.headers().firstValue("Location").orElseThrow();
            HttpResponse<String> deleted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(server.httpUrl() + location.substring(1))).DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, deleted.statusCode(), deleted.body());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (hub.tracks("live/b~360p").isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(), ladder.runningLadders(), "the last viewer left: the ladder stopped");
            assertTrue(hub.tracks("live/b~360p").isEmpty(), "its rung streams unpublished");
        } finally {
            if (withB != null) {
                withB.destroy();
            }
        }
    }

    @Test
    void aWhipPublisherThatDoesNotFlagItsBFramesIsDetectedFromItsSps() throws Exception {
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            WhipTransport whip = WhipTransport.builder(URI.create(server.httpUrl() + "whip/whip/b")).build();
            try (MediaSource source = MediaSources.open(FLOWER.toString())) {
                TrackInfo clipVideo = source.open().stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
                source.select(Map.of(clipVideo.trackId(), Delivery.ENCODED));
                // A publisher that does not say it sends B-frames (our own client refuses a track that does).
                TrackInfo unflagged = clipVideo.toBuilder().hasBFrames(false).build();
                whip.open(List.of(unflagged), new WhipTransportTest.Feedback());
                MediaFrame m;
                long deadline = System.nanoTime() + 20_000_000_000L;
                while ((m = source.read()) != null && hub.tracks("whip/b").isEmpty() && System.nanoTime() < deadline) {
                    EncodedFrame f = (EncodedFrame) m;
                    whip.send(new EncodedFrame(unflagged, f.content().retain(), f.ptsUs(), f.dtsUs(), f.isKeyframe(), 0));
                    f.release();
                    Thread.sleep(33);
                }
                if (m != null) {
                    m.release();
                }
                WhepChromiumTest.awaitLive(hub, "whip/b");
                TrackInfo ingested = video(hub, "whip/b");
                System.out.println("WHIP ingest of the flower clip, unflagged: " + ingested);
                assertTrue(ingested.hasBFrames(), "the SPS states max_num_reorder_frames 2: " + ingested);
                HttpResponse<String> refused = offer(server, "whip/b");
                assertEquals(406, refused.statusCode());
                assertTrue(refused.body().contains("B-frames"), refused.body());
            } finally {
                whip.close();
            }
        }
    }
}
