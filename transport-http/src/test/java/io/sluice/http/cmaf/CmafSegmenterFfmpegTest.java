package io.sluice.http.cmaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.MediaSources;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The segmenter's output read by an independent demuxer: FFmpeg's mov demuxer decodes every frame of
 * the init segment plus every segment made from a real clip, with the source's timestamps and keyframes.
 */
class CmafSegmenterFfmpegTest {
    static final Path MEDIA = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media");

    @TempDir
    Path dir;

    /** The parts polled: their buffers are this test's, released after it. */
    final List<CmafPart> parts = new ArrayList<>();

    @AfterEach
    void releaseParts() {
        parts.forEach(CmafPart::release);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bbb_rabbit_320x240_8s_h264_aac.mp4", "flower_960x540_5s_h264_aac.mp4", "made:hevc_opus.mp4"})
    void ffmpegDecodesEveryFrameOfEverySegment(String clip) throws Exception {
        Path input = MEDIA.resolve(clip);
        String audioCodec = "aac";
        if (clip.startsWith("made:")) {
            // H.265 (hvc1) with B-frames and Opus, made by Debian's FFmpeg from a real clip
            input = dir.resolve(clip.substring(5));
            Proc made = run("ffmpeg", "-v", "error", "-i", MEDIA.resolve("friday_640x480_6s_h264_aac.mp4").toString(), "-t", "4",
                    "-c:v", "libx265", "-x265-params", "keyint=30:log-level=error", "-tag:v", "hvc1", "-c:a", "libopus", "-b:a", "64k",
                    input.toString());
            assertEquals(0, made.code, made.err);
            audioCodec = "opus";
        }
        CmafSegmenter seg = CmafSegmenter.builder().segmentTarget(Duration.ofSeconds(2)).partTarget(Duration.ofMillis(250)).build();
        Map<Integer, List<Long>> sourcePts = new HashMap<>();
        List<TrackInfo> tracks;
        try (MediaSource src = MediaSources.open(input.toString())) {
            tracks = src.open();
            Map<Integer, Delivery> d = new HashMap<>();
            tracks.forEach(t -> d.put(t.trackId(), Delivery.ENCODED));
            src.select(d);
            seg.start(tracks);
            MediaFrame f;
            while ((f = src.read()) != null) {
                EncodedFrame e = (EncodedFrame) f;
                try {
                    sourcePts.computeIfAbsent(e.trackId(), k -> new ArrayList<>()).add(e.ptsUs());
                    seg.push(e, 1_700_000_000_000L + e.dtsUs() / 1000);
                } finally {
                    e.release();
                }
            }
        }
        seg.finish();
        assertEquals(0, seg.droppedFrames(), "every frame after the first keyframe is kept");

        ByteArrayOutputStream file = new ByteArrayOutputStream();
        List<CmafSegment> segments = new ArrayList<>();
        CmafHeader header = null;
        CmafSegmenter.Output o;
        while ((o = seg.poll()) != null) {
            if (o instanceof CmafSegmenter.HeaderReady h) {
                header = h.header();
                file.write(header.bytes());
            } else if (o instanceof CmafSegmenter.PartReady p) {
                parts.add(p.part());
            } else if (o instanceof CmafSegmenter.SegmentReady s) {
                segments.add(s.segment());
                file.write(s.segment().bytes());
            }
        }
        assertTrue(header != null && segments.size() >= 2, "segments: " + segments.size());
        Path out = dir.resolve("out.mp4");
        Files.write(out, file.toByteArray());

        // every part within the part target; non-final ones at least 85 % of it (the clips are constant frame rate)
        for (CmafSegment s : segments) {
            List<CmafPart> ps = s.parts();
            assertTrue(ps.get(0).independent(), "segment " + s.sequence() + " starts independent");
            for (int i = 0; i < ps.size(); i++) {
                long dur = ps.get(i).durationUs();
                assertTrue(dur <= seg.partTargetUs(), "part " + s.sequence() + "." + i + " " + dur + " µs");
                if (i < ps.size() - 1) {
                    assertTrue(dur >= seg.partTargetUs() * 85 / 100, "non-final part " + s.sequence() + "." + i + " " + dur + " µs");
                }
            }
            assertEquals(s.durationUs(), ps.stream().mapToLong(CmafPart::durationUs).sum());
        }

        // FFmpeg decodes it with no error
        Proc dec = run("ffmpeg", "-v", "error", "-i", out.toString(), "-f", "null", "-");
        assertEquals(0, dec.code, dec.err);
        assertEquals("", dec.err.strip(), "ffmpeg decode errors");

        // every frame is there, decodable, with the source's timestamps, and every segment starts at a keyframe
        TrackInfo video = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
        CmafTrack vt = header.video();
        Proc frames = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts", "-of", "csv=p=0", out.toString());
        List<Long> decoded = frames.out.lines().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.replace(",", "").strip())).sorted().toList();
        List<Long> expected = sourcePts.get(video.trackId()).stream().map(vt::ticks).sorted().toList();
        assertEquals(expected.size(), decoded.size(), "decoded video frames");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i) - expected.get(0), decoded.get(i) - decoded.get(0), "video frame " + i + " pts (90 kHz)");
        }
        Proc keys = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts,flags", "-of", "csv=p=0", out.toString());
        Map<Long, Boolean> keyAtDts = new HashMap<>();
        for (String l : keys.out.lines().filter(l -> !l.isBlank()).toList()) {
            String[] p = l.split(",");
            keyAtDts.put(Long.parseLong(p[0]), p[1].startsWith("K"));
        }
        long firstDtsTicks = keyAtDts.keySet().stream().min(Long::compare).orElseThrow();
        long firstSegTicks = vt.ticks(segments.get(0).startUs());
        for (CmafSegment s : segments) {
            long dts = vt.ticks(s.startUs()) - firstSegTicks + firstDtsTicks;
            assertEquals(Boolean.TRUE, keyAtDts.get(dts), "segment " + s.sequence() + " starts at a keyframe (dts " + dts + ")");
        }
        TrackInfo audio = tracks.stream().filter(TrackInfo::isAudio).findFirst().orElseThrow();
        Proc audioFrames = run("ffprobe", "-v", "error", "-select_streams", "a:0", "-count_frames", "-show_entries",
                "stream=nb_read_frames,codec_name,sample_rate,channels", "-of", "csv=p=0", out.toString());
        String[] a = audioFrames.out.strip().split(",");
        assertEquals(audioCodec, a[0]);
        assertEquals(audioCodec.equals("opus") ? "48000" : String.valueOf(audio.sampleRate()), a[1]);
        assertEquals(sourcePts.get(audio.trackId()).size(), Integer.parseInt(a[3].strip()), "decoded audio frames");

        // AAC: the init segment's edit list skips the encoder's priming: FFmpeg's mov demuxer presents the first audio
        // packet at its decode time (tfdt) minus the priming, and audio stays where the source put it relative to video
        CmafTrack at = header.audio();
        Proc starts = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,start_time", "-of", "csv=p=0", out.toString());
        Map<String, Double> start = new HashMap<>();
        starts.out.lines().filter(l -> !l.isBlank()).forEach(l -> start.put(l.split(",")[0], Double.parseDouble(l.split(",")[1])));
        double sourceAv = (sourcePts.get(audio.trackId()).stream().min(Long::compare).orElseThrow()
                - sourcePts.get(video.trackId()).stream().min(Long::compare).orElseThrow()) / 1e6;
        assertEquals(sourceAv, start.get("audio") - start.get("video"), 0.001, "audio start − video start, s: " + starts.out);
        Proc first = run("ffprobe", "-v", "error", "-select_streams", "a:0", "-read_intervals", "%+#1", "-show_entries",
                "packet=pts", "-of", "csv=p=0", out.toString());
        long firstTfdt = parts.stream().map(p -> p.trackChunks().get(at.isoTrackId())).filter(java.util.Objects::nonNull)
                .findFirst().orElseThrow().baseMediaDecodeTime();
        long firstPts = Long.parseLong(first.out.lines().filter(l -> !l.isBlank()).findFirst().orElseThrow().replace(",", "").strip());
        if (audioCodec.equals("aac")) {
            assertEquals(CmafTrack.AAC_DEFAULT_PRIMING_SAMPLES, at.primingTicks() * audio.sampleRate() / at.timescale());
            assertTrue(containsElst(header.bytes(), at.primingTicks()), "elst with media_time " + at.primingTicks());
            assertEquals(firstTfdt - at.primingTicks(), firstPts, "first AAC packet presented at tfdt − priming");
        } else {
            assertEquals(firstTfdt, firstPts, "first Opus packet presented at its tfdt");
            assertEquals(0, at.primingTicks(), "Opus keeps its pre-skip in dOps");
            assertTrue(!containsElst(header.bytes(), -1), "no edit list for Opus");
        }

        // DASH: each track alone (its init segment, then its chunks: prft, own moof and mdat header, samples sliced from
        // the muxed mdat) decodes with every frame of that track
        for (TrackInfo t : tracks) {
            CmafTrack ct = header.tracks().stream().filter(x -> x.info().trackId() == t.trackId()).findFirst().orElseThrow();
            ByteArrayOutputStream alone = new ByteArrayOutputStream();
            alone.write(header.trackInit(ct.isoTrackId()));
            for (CmafPart p : parts) {
                CmafPart.TrackChunk c = p.trackChunks().get(ct.isoTrackId());
                if (c != null) {
                    io.netty.buffer.ByteBuf b = c.retainedBytes();
                    try {
                        assertEquals(c.length(), b.readableBytes());
                        alone.write(io.netty.buffer.ByteBufUtil.getBytes(b));
                    } finally {
                        b.release();
                    }
                }
            }
            Path trackFile = dir.resolve("track-" + ct.isoTrackId() + ".mp4");
            Files.write(trackFile, alone.toByteArray());
            Proc count = run("ffprobe", "-v", "error", "-count_frames", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0",
                    trackFile.toString());
            assertEquals("", count.err.strip(), "ffprobe errors, track " + ct.isoTrackId());
            assertEquals(sourcePts.get(t.trackId()).size(), Integer.parseInt(count.out.strip()), "frames of track " + ct.isoTrackId() + " alone");
        }
    }

    /** Whether {@code init} holds an {@code elst} box whose one entry has {@code media_time} (any if −1). */
    static boolean containsElst(byte[] init, long mediaTime) {
        for (int i = 4; i + 20 <= init.length; i++) {
            if (init[i] == 'e' && init[i + 1] == 'l' && init[i + 2] == 's' && init[i + 3] == 't') {
                long mt = java.nio.ByteBuffer.wrap(init, i + 16, 4).getInt() & 0xFFFF_FFFFL; // version 0: after flags, count, duration
                return mediaTime < 0 || mt == mediaTime;
            }
        }
        return false;
    }

    record Proc(int code, String out, String err) {
    }

    static Proc run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new Proc(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }
}
