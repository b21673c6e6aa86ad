package io.sluice.http.cmaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Cutting and timing rules of the segmenter, in simulated time. */
class CmafSegmenterTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264)
            .codecConfig(new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 0}).resolution(320, 240).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).codecConfig(new byte[] {0x12, 0x10}).audio(44_100, 2).build();

    final CmafSegmenter seg = CmafSegmenter.builder().segmentTarget(Duration.ofSeconds(2)).partTarget(Duration.ofMillis(250)).build();
    final List<CmafSegmenter.Output> out = new ArrayList<>();

    void push(TrackInfo t, long us, boolean key) {
        EncodedFrame f = new EncodedFrame(t, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 0x65}), us, key);
        try {
            seg.push(f, 1_000_000L + us / 1000);
        } finally {
            f.release();
        }
        drain();
    }

    void finish() {
        seg.finish();
        drain();
    }

    void drain() {
        CmafSegmenter.Output o;
        while ((o = seg.poll()) != null) {
            out.add(o);
        }
    }

    /** The parts' buffers are this test's (it polled them): released after each test. */
    @AfterEach
    void releaseParts() {
        drain();
        parts().forEach(CmafPart::release);
    }

    List<CmafPart> parts() {
        return out.stream().filter(o -> o instanceof CmafSegmenter.PartReady).map(o -> ((CmafSegmenter.PartReady) o).part()).toList();
    }

    @Test
    @DisplayName("29.97 fps video and 44.1 kHz AAC for an hour: chunk decode times are exact and contiguous (no rounding drift)")
    void noDriftOverAnHour() {
        seg.start(List.of(VIDEO, AUDIO));
        long frames = 30000L * 3600 / 1001;
        long a = 0;
        for (long v = 0; v < frames; v++) {
            long vus = v * 1001 * 1_000_000 / 30000; // what a source's µs clock gives: truncated per frame
            long aus;
            while ((aus = a * 1024 * 1_000_000 / 44_100) < vus) {
                push(AUDIO, aus, true);
                a++;
            }
            push(VIDEO, vus, v % 60 == 0);
        }
        finish();
        CmafTrack vt = seg.header().video();
        CmafTrack at = seg.header().audio();
        List<CmafPart> parts = parts();
        assertTrue(parts.size() > 14_000, "parts " + parts.size());
        long videoEnd = -1;
        long audioEnd = -1;
        long audioStart = -1;
        for (CmafPart p : parts) {
            CmafPart.TrackChunk vc = p.trackChunks().get(vt.isoTrackId());
            assertEquals(vt.ticks(p.startUs()), vc.baseMediaDecodeTime(), "tfdt of part " + p.sequence() + "." + p.index());
            assertTrue(videoEnd < 0 || videoEnd == vc.baseMediaDecodeTime(), "video contiguous at " + p.sequence() + "." + p.index());
            videoEnd = vc.baseMediaDecodeTime() + vc.duration();
            CmafPart.TrackChunk ac = p.trackChunks().get(at.isoTrackId());
            if (ac != null) {
                assertTrue(audioEnd < 0 || audioEnd == ac.baseMediaDecodeTime(), "audio contiguous at " + p.sequence() + "." + p.index());
                audioEnd = ac.baseMediaDecodeTime() + ac.duration();
                audioStart = audioStart < 0 ? ac.baseMediaDecodeTime() : audioStart;
            }
        }
        // AAC media times run ahead by the priming the edit list skips (1024 samples when the track does not say)
        assertEquals(1024, at.primingTicks());
        assertEquals(at.primingTicks(), audioStart);
        audioEnd -= at.primingTicks();
        assertEquals(a, audioEnd / 1024 + (audioEnd % 1024 == 0 ? 0 : 1), "every audio frame, 1024 ticks each; end " + audioEnd
                + " dropped " + seg.droppedFrames());
        long lastUs = (frames - 1) * 1001 * 1_000_000 / 30000;
        assertTrue(Math.abs(vt.ticks(lastUs) + 3003 - videoEnd) <= 2, "video ends one frame after the last: " + videoEnd);
        assertEquals(0, seg.longParts());
    }

    /** 30 fps video (1 s GOP) and 44.1 kHz AAC for {@code seconds}, interleaved by decode time as FFmpeg sends them over RTMP. */
    void interleavedByDecodeTime(int seconds, long audioStopsUs) {
        long a = 0;
        for (int v = 0; v < 30 * seconds; v++) {
            long vus = v * 1_000_000L / 30;
            long aus;
            while ((aus = a * 1024 * 1_000_000 / 44_100) < vus) {
                if (aus < audioStopsUs) {
                    push(AUDIO, aus, true);
                }
                a++;
            }
            push(VIDEO, vus, v % 30 == 0);
        }
    }

    @Test
    @DisplayName("Audio interleaved by decode time (FFmpeg over RTMP): every part's audio reaches the part's end, so a muxed"
            + " SourceBuffer's buffered end is the segment's end (hls.js stalled seconds where it fell short by > 10 ms)")
    void audioCoversEveryPart() {
        seg.start(List.of(VIDEO, AUDIO));
        interleavedByDecodeTime(20, Long.MAX_VALUE);
        CmafTrack at = seg.header().audio();
        List<CmafPart> parts = parts();
        assertTrue(parts.size() > 70, "parts " + parts.size());
        for (CmafPart p : parts) {
            CmafPart.TrackChunk ac = p.trackChunks().get(at.isoTrackId());
            long audioEndUs = (ac.baseMediaDecodeTime() - at.primingTicks() + ac.duration()) * 1_000_000 / at.timescale();
            long partEndUs = p.startUs() + p.durationUs();
            assertTrue(audioEndUs >= partEndUs - 1, "part " + p.sequence() + "." + p.index() + ": audio ends at " + audioEndUs
                    + " µs, the part at " + partEndUs);
            assertTrue(audioEndUs < partEndUs + 23_300, "and not more than one AAC frame beyond: " + audioEndUs + " vs " + partEndUs);
        }
    }

    @Test
    @DisplayName("Audio that stops: parts still come, at most one part target (of video time) late, and keep every audio frame")
    void audioThatStopsDelaysPartsByAtMostAPartTarget() {
        seg.start(List.of(VIDEO, AUDIO));
        interleavedByDecodeTime(6, 3_000_000);
        CmafTrack at = seg.header().audio();
        List<CmafPart> parts = parts();
        long lastEndUs = parts.get(parts.size() - 1).startUs() + parts.get(parts.size() - 1).durationUs();
        long lastVideoUs = (30 * 6 - 1) * 1_000_000L / 30;
        assertTrue(lastVideoUs - lastEndUs <= 250_000 + 33_334, "parts emitted up to " + lastEndUs + " µs of video at " + lastVideoUs);
        long audioSamples = 0;
        finish();
        for (CmafPart p : parts()) {
            CmafPart.TrackChunk ac = p.trackChunks().get(at.isoTrackId());
            audioSamples += ac == null ? 0 : Math.round(ac.duration() / 1024.0);
        }
        assertEquals((3_000_000L * 44_100 + 1024 * 1_000_000 - 1) / (1024 * 1_000_000), audioSamples, "every audio frame before the stop");
    }

    @Test
    @DisplayName("Frames before the first keyframe are dropped; a GOP longer than the segment target asks for a keyframe once")
    void startsAtKeyframeAndAsksForKeyframes() {
        seg.start(List.of(VIDEO));
        push(VIDEO, 0, false);
        push(VIDEO, 33_333, false);
        assertEquals(2, seg.droppedFrames());
        for (int i = 2; i < 200; i++) {
            push(VIDEO, i * 1_000_000L / 30, i == 2);
        }
        assertEquals(1, out.stream().filter(o -> o instanceof CmafSegmenter.KeyframeWanted).count());
        assertTrue(out.stream().noneMatch(o -> o instanceof CmafSegmenter.SegmentReady), "no keyframe, no segment end");
        push(VIDEO, 200 * 1_000_000L / 30, true);
        CmafSegment s = out.stream().filter(o -> o instanceof CmafSegmenter.SegmentReady).map(o -> ((CmafSegmenter.SegmentReady) o).segment())
                .findFirst().orElseThrow();
        assertEquals(1, s.sequence());
        assertEquals(200 * 1_000_000L / 30 - 2 * 1_000_000L / 30, s.durationUs());
    }

    @Test
    @DisplayName("A new TrackInfo mid-stream: the segment is closed, a new header follows, the next segment is a discontinuity")
    void newTrackInfoStartsANewHeader() {
        seg.start(List.of(VIDEO, AUDIO));
        for (int i = 0; i < 90; i++) {
            push(VIDEO, i * 1_000_000L / 30, i % 30 == 0);
        }
        TrackInfo bigger = VIDEO.toBuilder().resolution(640, 480).build();
        for (int i = 90; i < 180; i++) {
            push(bigger, i * 1_000_000L / 30, i % 30 == 0);
        }
        finish();
        List<CmafHeader> headers = out.stream().filter(o -> o instanceof CmafSegmenter.HeaderReady)
                .map(o -> ((CmafSegmenter.HeaderReady) o).header()).toList();
        assertEquals(2, headers.size());
        assertEquals(1, headers.get(1).id());
        assertEquals(640, headers.get(1).video().info().width());
        List<CmafSegment> segs = out.stream().filter(o -> o instanceof CmafSegmenter.SegmentReady)
                .map(o -> ((CmafSegmenter.SegmentReady) o).segment()).toList();
        CmafSegment firstNew = segs.stream().filter(x -> x.header().id() == 1).findFirst().orElseThrow();
        assertTrue(firstNew.discontinuity());
        assertFalse(segs.get(0).discontinuity());
        assertEquals(3 * 1_000_000L, firstNew.startUs(), "the new header starts at the new track's first keyframe");
        assertInstanceOf(CmafSegmenter.HeaderReady.class, out.get(0));
    }

    @Test
    void rejectsUnsupportedTracksAndBadTargets() {
        TrackInfo vp8 = TrackInfo.builder(0, Codec.VP8).resolution(320, 240).build();
        assertThrows(IllegalArgumentException.class, () -> seg.start(List.of(vp8)));
        assertThrows(IllegalArgumentException.class, () -> CmafSegmenter.builder().partTarget(Duration.ofMillis(5)));
        assertThrows(IllegalStateException.class, () -> CmafSegmenter.builder().segmentTarget(Duration.ofMillis(200))
                .partTarget(Duration.ofMillis(300)).build());
        assertThrows(IllegalStateException.class, () -> seg.push(null, 0));
    }

    @Test
    @DisplayName("AAC: the edit list skips the priming the track states (else 1024); Opus: no edit list, pre-skip stays in dOps")
    void aacPrimingInTheEditList() {
        TrackInfo apple = AUDIO.toBuilder().encoderDelaySamples(2112).build();
        seg.start(List.of(VIDEO, apple));
        CmafTrack at = seg.header().audio();
        assertEquals(2112, at.primingTicks());
        assertTrue(CmafSegmenterFfmpegTest.containsElst(seg.header().bytes(), 2112));
        assertTrue(CmafSegmenterFfmpegTest.containsElst(seg.header().trackInit(at.isoTrackId()), 2112), "the DASH init too");
        assertFalse(CmafSegmenterFfmpegTest.containsElst(seg.header().trackInit(seg.header().video().isoTrackId()), -1), "video: none");
        push(VIDEO, 0, true);
        push(apple, 0, true);
        push(apple, 23_220, true);
        push(VIDEO, 300_000, false);
        push(apple, 300_000, true); // the audio reaches the part's end: the part is emitted
        drain();
        CmafPart first = parts().get(0);
        assertEquals(2112, first.trackChunks().get(at.isoTrackId()).baseMediaDecodeTime(), "tfdt = source time + priming");

        TrackInfo opus = TrackInfo.builder(2, Codec.OPUS).codecConfig(new byte[] {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2,
                0x38, 0x01, (byte) 0x80, (byte) 0xBB, 0, 0, 0, 0, 0}).audio(48_000, 2).encoderDelaySamples(312).build();
        seg.start(List.of(VIDEO, opus));
        assertEquals(0, seg.header().audio().primingTicks());
        assertFalse(CmafSegmenterFfmpegTest.containsElst(seg.header().bytes(), -1));
        assertThrows(IllegalArgumentException.class, () -> TrackInfo.builder(1, Codec.AAC).encoderDelaySamples(-1));
    }
}
