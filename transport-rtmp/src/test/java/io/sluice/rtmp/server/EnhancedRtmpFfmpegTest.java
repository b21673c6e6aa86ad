package io.sluice.rtmp.server;

import static io.sluice.rtmp.server.RtmpServerTestSupport.await;
import static io.sluice.rtmp.server.RtmpServerTestSupport.awaitTrue;
import static io.sluice.rtmp.server.RtmpServerTestSupport.kill;
import static io.sluice.rtmp.server.RtmpServerTestSupport.read;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.interop.FfmpegTools;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Enhanced RTMP (HEVC and AV1 video with FourCC tags, v1; Opus audio, v2) against FFmpeg 8.1 as the
 * independent peer. Debian's ffmpeg 5.1 predates Enhanced RTMP, so the publishing and playing peer is
 * the {@code ffmpeg} program that ships inside the Bytedeco FFmpeg preset Sluice already depends on (a
 * separate process; its libavformat RTMP/FLV code shares nothing with Sluice's). Debian's ffprobe then
 * decodes what the player recorded (to Matroska, which every ffprobe reads for HEVC, AV1 and Opus).
 *
 * <p>The HEVC/AV1 + Opus clips are made by Debian's ffmpeg (libx265, libsvtav1, libopus; installed by
 * {@code .ci/install-deps.sh}) and FFmpeg 8 only copies them, so every case runs under both the LGPL and
 * the GPL preset build.
 */
@Tag("interop")
class EnhancedRtmpFfmpegTest {
    static final int FPS = 25;
    static final int SECONDS = 4;

    @TempDir
    Path tmp;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private String ffmpeg8;

    @BeforeEach
    void setUp() throws Exception {
        assertTrue(FfmpegTools.available(), "ffprobe not installed (.ci/install-deps.sh)");
        ffmpeg8 = Loader.load(org.bytedeco.ffmpeg.ffmpeg.class);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            kill(p);
        }
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private Process ffmpeg8(String logName, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(ffmpeg8, "-hide_banner", "-nostdin", "-loglevel", "warning"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve(logName).toFile()).start();
        processes.add(p);
        return p;
    }

    private RtmpServer server() throws IOException {
        RtmpServer s = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
        closeables.add(s);
        return s;
    }

    private static String url(RtmpServer s, String path) {
        return "rtmp://127.0.0.1:" + s.port() + "/" + path;
    }

    /**
     * A {@value #SECONDS} s Matroska clip made by Debian's ffmpeg: 320x240 test pattern at {@value #FPS} fps
     * (a keyframe every second, no B-frames) in {@code video} (H265 or AV1), and a 48 kHz tone in Opus.
     */
    private Path clip(Codec video) throws Exception {
        Path clip = tmp.resolve(video.name().toLowerCase(java.util.Locale.ROOT) + "-opus.mkv");
        List<String> cmd = new ArrayList<>(List.of(FfmpegTools.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=" + FPS + ":duration=" + SECONDS,
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + SECONDS));
        cmd.addAll(video == Codec.H265
                ? List.of("-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "keyint=" + FPS + ":bframes=0:log-level=error")
                : List.of("-c:v", "libsvtav1", "-preset", "12", "-g", String.valueOf(FPS)));
        cmd.addAll(List.of("-c:a", "libopus", "-b:a", "64k", "-y", clip.toString()));
        String log = FfmpegTools.run(cmd.toArray(String[]::new));
        assertTrue(java.nio.file.Files.size(clip) > 0, "clip not made: " + log);
        return clip;
    }

    private RtmpServerTestSupport.Probe probe(StreamHub hub, String name) {
        RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
        closeables.add(hub.subscribe(name, probe));
        return probe;
    }

    /** Stream type → frames ffprobe decodes from {@code file} without error. */
    private static Map<String, Integer> decodedFrames(Path file) throws Exception {
        String out = FfmpegTools.run(FfmpegTools.FFPROBE, "-v", "error", "-count_frames", "-show_entries",
                "stream=codec_type,codec_name,width,nb_read_frames", "-of", "csv=p=0", file.toString());
        Map<String, Integer> m = new TreeMap<>();
        for (String line : out.split("\n")) {
            String[] f = line.trim().split(",");
            if (f.length >= 3 && f[f.length - 1].matches("\\d+")) {
                m.put(f[1] + ":" + f[0], Integer.parseInt(f[f.length - 1])); // codec_name,codec_type,...
            }
        }
        return m;
    }

    /**
     * FFmpeg 8 publishes video + Opus with Enhanced RTMP into the embedded server, a second FFmpeg 8 plays
     * it back: the hub sees the right codecs, the player's recording decodes.
     */
    private void ffmpegPublishesAndPlays(Codec video, String videoName) throws Exception {
        RtmpServer server = server();
        String path = "live/" + videoName;
        RtmpServerTestSupport.Probe probe = probe(server.hub(), path);
        Path out = tmp.resolve(videoName + ".mkv");
        Process player = ffmpeg8("player.log", "-i", url(server, path), "-c", "copy", "-f", "matroska", "-y", out.toString());
        awaitTrue("player subscribed", 10_000, () -> server.hub().subscriberCount(path) == 2);
        Process publisher = ffmpeg8("publisher.log", "-re", "-i", clip(video).toString(), "-c", "copy", "-f", "flv",
                url(server, path));

        assertEquals(0, await(publisher, 60, tmp.resolve("publisher.log")), read(tmp.resolve("publisher.log")));
        assertEquals(0, await(player, 20, tmp.resolve("player.log")), read(tmp.resolve("player.log")));
        List<Codec> codecs = probe.tracks.stream().map(TrackInfo::codec).distinct().sorted().toList();
        assertEquals(List.of(video, Codec.OPUS), codecs, "tracks the hub got from FFmpeg's Enhanced RTMP");
        assertEquals(FPS * SECONDS, probe.videoFrames.get(), "video frames into the hub");
        assertTrue(probe.audioFrames.get() >= SECONDS * 50 - 5, "Opus frames (20 ms) into the hub: " + probe.audioFrames.get());

        Map<String, Integer> decoded = decodedFrames(out);
        System.out.printf("FFmpeg 8 -> Sluice server -> FFmpeg 8 (%s + Opus): hub %d video / %d audio frames; player decoded %s%n",
                videoName, probe.videoFrames.get(), probe.audioFrames.get(), decoded);
        assertTrue(decoded.getOrDefault("video:" + videoName, 0) >= 0.95 * FPS * SECONDS, "decoded: " + decoded);
        assertTrue(decoded.getOrDefault("audio:opus", 0) >= SECONDS * 50 - 5, "decoded: " + decoded);
        assertEquals(List.of(), FfmpegTools.decodeErrors(out), "decode errors");
    }

    @Test
    void ffmpeg8PublishesHevcAndOpusThatFfmpeg8PlaysBack() throws Exception {
        ffmpegPublishesAndPlays(Codec.H265, "hevc");
    }

    @Test
    void ffmpeg8PublishesAv1AndOpusThatFfmpeg8PlaysBack() throws Exception {
        ffmpegPublishesAndPlays(Codec.AV1, "av1");
    }

    /**
     * The Sluice client publishes HEVC + Opus (copied from a clip) to the embedded server,
     * and FFmpeg 8 plays it: the client's FourCC video tags and ExAudioTagHeader are what FFmpeg reads.
     */
    @Test
    void sluiceClientPublishesHevcAndOpusThatFfmpeg8Plays() throws Exception {
        Path out = tmp.resolve("played.mkv");
        Map<String, Integer> decoded = sluicePublishesAndFfmpeg8Plays(clip(Codec.H265), "live/sluice", out);
        System.out.printf("Sluice client -> Sluice server -> FFmpeg 8 (HEVC + Opus): player decoded %s%n", decoded);
        assertTrue(decoded.getOrDefault("video:hevc", 0) >= 0.95 * FPS * SECONDS, "decoded: " + decoded);
        assertTrue(decoded.getOrDefault("audio:opus", 0) >= SECONDS * 50 - 5, "decoded: " + decoded);
        assertEquals(List.of(), FfmpegTools.decodeErrors(out), "decode errors");
    }

    /**
     * Classic FLV H.264 (with B-frames: composition offsets) + AAC from the Sluice client through the embedded
     * server to FFmpeg 8 as the player, as Debian's FFmpeg 5.1 plays it in {@code RtmpServerFfmpegTest}.
     */
    @Test
    void ffmpeg8PlaysClassicH264AndAacFromTheEmbeddedServer() throws Exception {
        Path out = tmp.resolve("classic.mkv");
        Map<String, Integer> decoded = sluicePublishesAndFfmpeg8Plays(FfmpegTools.media("flower_960x540_5s_h264_aac.mp4"),
                "live/classic", out);
        System.out.printf("Sluice client -> Sluice server -> FFmpeg 8 (H.264 + AAC): player decoded %s%n", decoded);
        assertEquals(150, decoded.getOrDefault("video:h264", 0), "decoded: " + decoded);
        assertTrue(decoded.getOrDefault("audio:aac", 0) >= 230, "decoded: " + decoded);
        assertEquals(List.of(), FfmpegTools.decodeErrors(out), "decode errors");
    }

    /**
     * The Sluice client publishes {@code clip} (copy, real time) into the embedded server as {@code path} while
     * FFmpeg 8 plays it into {@code out} (Matroska); what ffprobe then decodes from {@code out}.
     */
    private Map<String, Integer> sluicePublishesAndFfmpeg8Plays(Path clip, String path, Path out) throws Exception {
        RtmpServer server = server();
        Process player = ffmpeg8("player.log", "-i", url(server, path), "-c", "copy", "-f", "matroska", "-y", out.toString());
        awaitTrue("player subscribed", 10_000, () -> server.hub().subscriberCount(path) == 1);
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(clip.toString()))
                .copy(true)
                .transport(url(server, path))
                .realtime(true)
                .build()) {
            p.start();
            p.completion().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        assertEquals(0, await(player, 20, tmp.resolve("player.log")), read(tmp.resolve("player.log")));
        return decodedFrames(out);
    }
}
