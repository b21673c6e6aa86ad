package io.sluice.webrtc.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.codec.MediaSources;
import io.sluice.webrtc.whip.client.WhipTransport;
import io.sluice.webrtc.whip.client.WhipTransportTest;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Lip sync at the WHIP ingest. Sluice's own WHIP client paces its packets (GCC is on by default), so the first
 * keyframe reaches the server well after the audio captured with it; placed by arrival, the published video would
 * lag the audio by that pacing delay for the life of the stream. The ingest places the tracks by the sender's RTCP
 * SRs (RFC 3550 §6.4.1) instead: an audio and a video frame captured together must leave the hub with the same PTS.
 */
class WhipIngestLipSyncTest {
    static final Path SHARED_CLIP = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "bbb_rabbit_320x240_8s_h264_aac.mp4");

    /** The shared clip's video with a keyframe every 15 frames and no B-frames (a missed keyframe costs 0.5 s). */
    static Path clip(Path dir) throws Exception {
        Path out = dir.resolve("rabbit-g15.mp4");
        Process p = new ProcessBuilder("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", SHARED_CLIP.toString(),
                "-an", "-c:v", "libx264", "-profile:v", "baseline", "-bf", "0", "-g", "15", "-preset", "veryfast",
                out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "ffmpeg: " + log);
        return out;
    }

    /** A hub frame as received: kind, PTS µs, for audio the index the test wrote into its payload, for video its tail. */
    record Got(boolean video, long ptsUs, long audioIndex, String videoTail) {
    }

    /** The last 64 bytes of an AVCC access unit (its last slice's data), hex: identifies a video frame end to end. */
    static String tail(io.netty.buffer.ByteBuf avcc) {
        int n = Math.min(64, avcc.readableBytes());
        return io.netty.buffer.ByteBufUtil.hexDump(avcc, avcc.writerIndex() - n, n);
    }

    @Test
    @DisplayName("audio and video captured together leave the hub within 20 ms of each other")
    void audioAndVideoCapturedTogetherGetTheSamePts(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path clip = clip(dir);
        List<Got> got = Collections.synchronizedList(new ArrayList<>());
        try (StreamHub hub = StreamHub.create(); WebRtcServer server = WebRtcServer.builder(hub).build()) {
            server.start();
            WhipTransport whip = WhipTransport.builder(URI.create(server.httpUrl() + "whip/live/sync")).build();
            Map<String, Long> videoSourcePts = new java.util.HashMap<>(); // tail → source PTS
            try (MediaSource source = MediaSources.open(clip.toString())) {
                TrackInfo video = source.open().stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
                source.select(Map.of(video.trackId(), Delivery.ENCODED));
                TrackInfo audio = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).build();
                whip.open(List.of(video, audio), new WhipTransportTest.Feedback());
                long connectDeadline = System.nanoTime() + 20_000_000_000L;
                while (whip.stats().state() != io.sluice.core.spi.TransportState.CONNECTED && System.nanoTime() < connectDeadline) {
                    Thread.sleep(10); // frames sent before DTLS completes are dropped, and the next keyframe is 5 s in
                }
                assertEquals(io.sluice.core.spi.TransportState.CONNECTED, whip.stats().state());
                // Frames are handed over at their capture times: video at its PTS, one 20 ms audio frame per 20 ms.
                long start = System.nanoTime();
                long audioIndex = 0;
                MediaFrame m = source.read();
                boolean subscribed = false;
                while (m != null || audioIndex < 300) {
                    long nowUs = (System.nanoTime() - start) / 1000;
                    if (!subscribed && hub.tracks("live/sync").isPresent()) {
                        subscribed = true;
                        hub.subscribe("live/sync", new StreamSubscriber() {
                            @Override
                            public void onPublish(String streamName, List<TrackInfo> tracks) {
                            }

                            @Override
                            public void onFrame(EncodedFrame f) {
                                try {
                                    boolean v = f.track().isVideo();
                                    long index = v ? -1 : f.content().getLong(f.content().readerIndex());
                                    got.add(new Got(v, f.ptsUs(), index, v ? tail(f.content()) : null));
                                } finally {
                                    f.release();
                                }
                            }

                            @Override
                            public void onUnpublish(String streamName) {
                            }
                        });
                    }
                    if (m != null && m.ptsUs() <= nowUs) {
                        EncodedFrame f = (EncodedFrame) m;
                        videoSourcePts.put(tail(f.content()), f.ptsUs());
                        whip.send(f); // takes the frame
                        m = source.read();
                    } else if (audioIndex * 20_000 <= nowUs && audioIndex < 300) {
                        byte[] payload = new byte[80];
                        ByteBuffer.wrap(payload).putLong(audioIndex);
                        whip.send(new EncodedFrame(audio, Unpooled.wrappedBuffer(payload), audioIndex * 20_000, true));
                        audioIndex++;
                    } else {
                        Thread.sleep(1);
                    }
                }
                Thread.sleep(500);
            } finally {
                whip.close();
            }
            List<Got> frames;
            synchronized (got) {
                frames = new ArrayList<>(got);
            }
            List<Got> video = frames.stream().filter(Got::video).toList();
            List<Got> audio = frames.stream().filter(g -> !g.video()).toList();
            assertTrue(video.size() >= 60 && audio.size() >= 100, video.size() + " video, " + audio.size() + " audio frames");
            Got lastV = video.get(video.size() - 1);
            Long lastVSourcePts = videoSourcePts.get(lastV.videoTail());
            assertTrue(lastVSourcePts != null, "the hub's last video frame is none of the frames sent");
            long videoOffset = lastV.ptsUs() - lastVSourcePts;
            Got lastA = audio.get(audio.size() - 1);
            long audioOffset = lastA.ptsUs() - lastA.audioIndex() * 20_000;
            System.out.printf("WHIP ingest lip sync: video offset %d µs, audio offset %d µs, audio − video %d µs%n",
                    videoOffset, audioOffset, audioOffset - videoOffset);
            assertEquals(0, (audioOffset - videoOffset) / 20_000, "audio − video = " + (audioOffset - videoOffset) + " µs");
        }
    }
}
