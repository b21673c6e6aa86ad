package io.sluice.http.hls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.http.cmaf.CmafSegmenter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** LL-HLS rules of RFC 8216bis and Apple's LL-HLS spec, each checked in simulated time (30 fps video, 1 s GOP, AAC). */
class LlHlsRulesTest {
    static final long SEGMENT_US = 2_000_000;
    static final long PART_US = 250_000;
    static final long NS = 1000;

    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264)
            .codecConfig(new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 0})
            .resolution(320, 240).frameRate(new Rational(30, 1)).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).codecConfig(new byte[] {0x12, 0x10}).audio(48_000, 2).build();

    CmafSegmenter segmenter;
    HlsMediaPlaylist playlist;
    long videoFrame;
    long audioFrame;
    long nowUs;

    /** Every part polled: their buffers are this test's (the playlist holds none), released after each test. */
    final List<io.sluice.http.cmaf.CmafPart> parts = new java.util.ArrayList<>();

    @AfterEach
    void releaseParts() {
        parts.forEach(io.sluice.http.cmaf.CmafPart::release);
    }

    @BeforeEach
    void setUp() {
        segmenter = CmafSegmenter.builder().segmentTarget(Duration.ofMillis(SEGMENT_US / 1000)).partTarget(Duration.ofMillis(PART_US / 1000)).build();
        playlist = new HlsMediaPlaylist(SEGMENT_US, PART_US, 10);
        segmenter.start(List.of(VIDEO, AUDIO));
    }

    /** Advances the simulated stream to {@code untilUs}: frames in time order, outputs into the playlist. */
    void runUntil(long untilUs) {
        while (true) {
            long v = videoFrame * 1_000_000 / 30;
            long a = audioFrame * 1024 * 1_000_000 / 48_000;
            long t = Math.min(v, a);
            if (t > untilUs) {
                break;
            }
            nowUs = t;
            if (v <= a) {
                push(VIDEO, v, videoFrame % 30 == 0);
                videoFrame++;
            } else {
                push(AUDIO, a, true);
                audioFrame++;
            }
        }
        nowUs = untilUs;
    }

    void push(TrackInfo track, long us, boolean key) {
        EncodedFrame f = new EncodedFrame(track, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, (byte) (key ? 0x65 : 0x41)}), us, key);
        try {
            segmenter.push(f, 1_800_000_000_000L + us / 1000);
        } finally {
            f.release();
        }
        CmafSegmenter.Output o;
        while ((o = segmenter.poll()) != null) {
            if (o instanceof CmafSegmenter.PartReady p) {
                parts.add(p.part());
                playlist.onPart(p.part());
            } else if (o instanceof CmafSegmenter.SegmentReady s) {
                playlist.onSegment(s.segment());
            }
        }
    }

    long now() {
        return nowUs * NS;
    }

    String playlist(Map<String, String> query) {
        PlaylistAnswer a = playlist.answer(PlaylistRequest.parse(query, now()), now());
        return assertInstanceOf(PlaylistAnswer.Ok.class, a, "answer " + a).body();
    }

    static double attr(String text, String name) {
        Matcher m = Pattern.compile("(?<=[:,])" + name + "=([0-9.]+)").matcher(text);
        assertTrue(m.find(), name + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    @DisplayName("RFC 8216bis §4.4.3.7/§4.4.4.9: PART-TARGET never changes; parts <= PART-TARGET, non-final >= 85 %; EXTINF <= TARGETDURATION")
    void partTargetFixedAndPartsWithinLimits() {
        String firstPartInf = null;
        for (int s = 1; s <= 60; s++) {
            runUntil(s * 1_000_000L);
            if (!playlist.hasSegments()) {
                continue;
            }
            String p = playlist(Map.of());
            String partInf = p.lines().filter(l -> l.startsWith("#EXT-X-PART-INF:")).findFirst().orElseThrow();
            firstPartInf = firstPartInf == null ? partInf : firstPartInf;
            assertEquals(firstPartInf, partInf);
            assertEquals("#EXT-X-TARGETDURATION:2", p.lines().filter(l -> l.startsWith("#EXT-X-TARGETDURATION")).findFirst().orElseThrow());
            double target = attr(partInf, "PART-TARGET");
            List<String> lines = p.lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.startsWith("#EXT-X-PART:")) {
                    double d = attr(l, "DURATION");
                    assertTrue(d <= target, l);
                    boolean finalPart = i + 1 < lines.size() && lines.get(i + 1).startsWith("#EXTINF");
                    boolean lastListed = i + 1 < lines.size() && lines.get(i + 1).startsWith("#EXT-X-PRELOAD-HINT");
                    if (!finalPart && !lastListed) {
                        assertTrue(d >= 0.85 * target, "non-final part below 85 %: " + l);
                    }
                }
                if (l.startsWith("#EXTINF:")) {
                    assertTrue(Math.round(Double.parseDouble(l.substring(8, l.indexOf(',')))) <= 2, l);
                }
            }
        }
        assertEquals(0, segmenter.longParts());
    }

    @Test
    @DisplayName("Apple LL-HLS: PART-HOLD-BACK >= 3 x PART-TARGET, HOLD-BACK >= 3 x TARGETDURATION, CAN-SKIP-UNTIL >= 6 x TARGETDURATION")
    void serverControl() {
        runUntil(5_000_000);
        String p = playlist(Map.of());
        String sc = p.lines().filter(l -> l.startsWith("#EXT-X-SERVER-CONTROL:")).findFirst().orElseThrow();
        assertTrue(sc.contains("CAN-BLOCK-RELOAD=YES"), sc);
        assertTrue(attr(sc, "PART-HOLD-BACK") >= 3 * 0.25, sc);
        assertTrue(attr(sc, "HOLD-BACK") >= 3 * 2, sc);
        assertTrue(attr(sc, "CAN-SKIP-UNTIL") >= 6 * 2, sc);
        assertTrue(p.contains("#EXT-X-PROGRAM-DATE-TIME:2027-01-15T"), p);
    }

    @Test
    @DisplayName("RFC 8216bis §6.2.5.2: a blocking reload is answered when the requested part closes, not before")
    void blockingReloadAnsweredWhenPartCloses() {
        runUntil(4_100_000);
        String p = playlist(Map.of());
        Matcher hint = Pattern.compile("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-(\\d+)\\.(\\d+)\\.m4s\"").matcher(p);
        assertTrue(hint.find(), p);
        long msn = Long.parseLong(hint.group(1));
        int part = Integer.parseInt(hint.group(2));
        PlaylistRequest r = PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn, "_HLS_part", "" + part), now());
        PlaylistAnswer a = playlist.answer(r, now());
        assertInstanceOf(PlaylistAnswer.Wait.class, a);
        PlaylistAnswer partWait = playlist.partAnswer(msn, part, now(), now());
        assertInstanceOf(PlaylistAnswer.Wait.class, partWait, "the hinted part is requestable at once and held");
        // step 10 ms at a time: the answer turns ready exactly when the part has closed
        long closedAt = -1;
        for (int step = 0; step < 40 && closedAt < 0; step++) {
            runUntil(nowUs + 10_000);
            if (playlist.answer(r, now()) instanceof PlaylistAnswer.Ok ok) {
                closedAt = nowUs;
                assertTrue(ok.body().contains("part-" + msn + "." + part + ".m4s"), ok.body());
                assertInstanceOf(PlaylistAnswer.Part.class, playlist.partAnswer(msn, part, r.arrivedNanos(), now()));
            }
        }
        assertTrue(closedAt > 0 && closedAt - 4_100_000 <= PART_US + 10_000, "answered at " + closedAt);
        assertEquals(new PlaylistAnswer.Error(404, "no part " + msn + "." + (part + 5)).status(),
                ((PlaylistAnswer.Error) playlist.partAnswer(msn, part + 5, now(), now())).status());
    }

    @Test
    @DisplayName("RFC 8216bis §6.2.5.2: 400 for _HLS_msn > last + 2, _HLS_part beyond the Advance Part Limit, _HLS_part alone, garbage")
    void badRequests() {
        runUntil(6_300_000);
        long last = lastMsn() + 1; // the open segment, one part of it listed
        assertEquals(400, status(Map.of("_HLS_msn", "" + (last + 3))));
        assertEquals(400, status(Map.of("_HLS_msn", "" + (last + 1), "_HLS_part", "" + (12 + 20))));
        assertEquals(400, status(Map.of("_HLS_part", "1")));
        assertEquals(400, status(Map.of("_HLS_msn", "-1")));
        assertEquals(400, status(Map.of("_HLS_msn", "99999999999999999999")));
        assertEquals(12, playlist.advancePartLimit());
        PlaylistAnswer a = playlist.answer(PlaylistRequest.parse(Map.of("_HLS_msn", "" + (last + 2)), now()), now());
        assertInstanceOf(PlaylistAnswer.Wait.class, a, "answer " + a);
    }

    @Test
    @DisplayName("RFC 8216bis §6.2.5.2: a blocking request not satisfied within 3 x target duration gets 503; unpublish releases it")
    void blockedRequestTimesOutWith503() {
        runUntil(6_000_000);
        PlaylistRequest r = PlaylistRequest.parse(Map.of("_HLS_msn", "" + (lastMsn() + 2)), now());
        PlaylistAnswer.Wait w = assertInstanceOf(PlaylistAnswer.Wait.class, playlist.answer(r, now()));
        assertEquals(r.arrivedNanos() + 6_000_000_000L, w.deadlineNanos());
        assertEquals(503, ((PlaylistAnswer.Error) playlist.answer(r, w.deadlineNanos())).status());
        PlaylistRequest r2 = PlaylistRequest.parse(Map.of("_HLS_msn", "" + (lastMsn() + 2)), now());
        playlist.onUnpublish();
        assertEquals(503, ((PlaylistAnswer.Error) playlist.answer(r2, now())).status());
    }

    @Test
    @DisplayName("RFC 8216bis §6.2.5.1: _HLS_skip=YES replaces the segments older than CAN-SKIP-UNTIL with EXT-X-SKIP")
    void deltaUpdate() {
        runUntil(25_000_000);
        String full = playlist(Map.of());
        String delta = playlist(Map.of("_HLS_skip", "YES"));
        Matcher m = Pattern.compile("#EXT-X-SKIP:SKIPPED-SEGMENTS=(\\d+)").matcher(delta);
        assertTrue(m.find(), delta);
        int skipped = Integer.parseInt(m.group(1));
        List<String> fullSegs = full.lines().filter(l -> l.startsWith("seg-")).toList();
        List<String> deltaSegs = delta.lines().filter(l -> l.startsWith("seg-")).toList();
        assertEquals(fullSegs.subList(skipped, fullSegs.size()), deltaSegs);
        // what is kept reaches at least CAN-SKIP-UNTIL (12 s) back from the live edge
        double kept = delta.lines().filter(l -> l.startsWith("#EXTINF:")).mapToDouble(l -> Double.parseDouble(l.substring(8, l.indexOf(',')))).sum();
        assertTrue(kept >= 12 - 2, "kept " + kept + " s");
        assertTrue(skipped >= 1 && skipped + deltaSegs.size() == fullSegs.size());
        assertTrue(delta.contains("#EXT-X-MAP:"), "the init segment is named after the skip");
        assertFalse(playlist(Map.of()).contains("EXT-X-SKIP"));
    }

    @Test
    @DisplayName("A rendered playlist is reused until a part closes, then rendered anew for every kind (full, delta, plain)")
    void renderedOncePerState() {
        runUntil(21_000_000);
        String plain = ((PlaylistAnswer.Ok) playlist.plainAnswer(now(), now())).body();
        assertFalse(plain.contains("EXT-X-PART"), plain);
        String full = playlist(Map.of());
        assertSame(full, playlist(Map.of()), "same state: the same rendering");
        String delta = playlist(Map.of("_HLS_skip", "YES"));
        assertSame(delta, playlist(Map.of("_HLS_skip", "v2")));
        assertNotEquals(full, delta);
        String hint = full.substring(full.lastIndexOf("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"") + 35, full.lastIndexOf("\""));
        assertTrue(hint.matches("part-\\d+\\.\\d+\\.m4s"), hint);
        Pattern listed = Pattern.compile("(?m)^#EXT-X-PART:DURATION=[0-9.]+,URI=\"" + Pattern.quote(hint) + "\"");
        assertFalse(listed.matcher(full).find(), full);
        runUntil(21_000_000 + 2 * PART_US); // the hinted part closes
        String next = playlist(Map.of());
        assertTrue(listed.matcher(next).find(), "the hinted part is listed now\n" + next);
        String nextDelta = playlist(Map.of("_HLS_skip", "YES"));
        assertNotSame(delta, nextDelta);
        assertTrue(nextDelta.endsWith(next.substring(next.lastIndexOf("#EXT-X-PRELOAD-HINT"))), "the delta update has the new edge too");
    }

    @Test
    @DisplayName("Part tags only for the last 3 target durations; older parts stay downloadable")
    void oldPartTagsDropped() {
        runUntil(20_000_000);
        String p = playlist(Map.of());
        List<String> lines = p.lines().toList();
        int firstSeg = lines.indexOf(lines.stream().filter(l -> l.startsWith("seg-")).findFirst().orElseThrow());
        assertFalse(lines.subList(0, firstSeg).stream().anyMatch(l -> l.startsWith("#EXT-X-PART:")), "oldest segment has no part tags");
        double withParts = 0;
        for (String l : lines) {
            if (l.startsWith("#EXT-X-PART:")) {
                withParts += attr(l, "DURATION");
            }
        }
        assertTrue(withParts <= 3 * 2 + 2 && withParts >= 3 * 2 - 2, "part tags span " + withParts + " s");
        long oldest = msnOf(lines.get(firstSeg));
        assertInstanceOf(PlaylistAnswer.Part.class, playlist.partAnswer(oldest, 0, now(), now()));
    }

    @Test
    @DisplayName("A new TrackInfo: EXT-X-DISCONTINUITY and a new EXT-X-MAP; media sequence numbers continue")
    void newTrackInfoIsADiscontinuity() {
        runUntil(5_000_000);
        long before = lastMsn();
        TrackInfo bigger = VIDEO.toBuilder().resolution(640, 480).build();
        videoFrame = (videoFrame / 30 + 1) * 30; // next GOP
        for (int i = 0; i < 100; i++) {
            long v = videoFrame * 1_000_000 / 30;
            nowUs = v;
            push(bigger, v, videoFrame % 30 == 0);
            videoFrame++;
        }
        String p = playlist(Map.of());
        assertTrue(p.contains("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\""), p);
        assertTrue(lastMsn() > before);
        assertTrue(p.contains("#EXT-X-DISCONTINUITY-SEQUENCE:0"), p);
        assertEquals(640, playlist.currentHeader().video().info().width());
    }

    @Test
    @DisplayName("A segment's last part is listed first, the segment completed with the next segment's first part (hls.js skipped last parts)")
    void segmentCompletedOnePartLate() {
        io.sluice.http.cmaf.CmafSegment seg = runUntilASegmentCompletes();
        long completedAt = nowUs;
        long msn = seg.sequence();
        int last = seg.parts().size() - 1;
        assertTrue(last >= 1, "parts " + seg.parts().size());
        // low-latency view: every part of the segment, then the hint of the next segment's first part; no EXTINF yet
        String ll = playlist(Map.of());
        assertFalse(ll.contains("seg-" + msn + ".m4s"), ll);
        assertTrue(ll.endsWith("#EXT-X-PART:DURATION=" + HlsMediaPlaylist.seconds(seg.parts().get(last).durationUs()) + ",URI=\"part-"
                + msn + "." + last + ".m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-" + (msn + 1) + ".0.m4s\"\n"), ll);
        assertTrue(ll.contains("seg-" + (msn - 1) + ".m4s"), ll);
        // plain HLS lists it at once
        String plain = ((PlaylistAnswer.Ok) playlist.plainAnswer(now(), now())).body();
        assertTrue(plain.contains("seg-" + msn + ".m4s"), plain);
        // blocking: its last part is there, the segment (and a part beyond the last) not yet
        assertInstanceOf(PlaylistAnswer.Ok.class, playlist.answer(PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn, "_HLS_part", "" + last), now()), now()));
        PlaylistRequest whole = PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn), now());
        PlaylistRequest beyond = PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn, "_HLS_part", "" + (last + 1)), now());
        assertInstanceOf(PlaylistAnswer.Wait.class, playlist.answer(whole, now()));
        assertInstanceOf(PlaylistAnswer.Wait.class, playlist.answer(beyond, now()));
        assertInstanceOf(PlaylistAnswer.Part.class, playlist.partAnswer(msn, last, now(), now()), "the last part is downloadable");
        // the next segment's first part completes it, one part duration later at most
        while (playlist.openParts().isEmpty()) {
            runUntil(nowUs + 10_000);
        }
        assertTrue(nowUs - completedAt <= PART_US + 10_000, "completed " + (nowUs - completedAt) + " µs later");
        ll = playlist(Map.of());
        assertTrue(ll.contains("#EXTINF:" + HlsMediaPlaylist.seconds(seg.durationUs()) + ",\nseg-" + msn + ".m4s\n"), ll);
        assertTrue(ll.contains("URI=\"part-" + (msn + 1) + ".0.m4s\""), ll);
        assertInstanceOf(PlaylistAnswer.Ok.class, playlist.answer(whole, now()));
        assertInstanceOf(PlaylistAnswer.Ok.class, playlist.answer(beyond, now()));
        // a client that asks for the last part only now (its reloads lag) still gets it before the completion
        PlaylistRequest lastPart = PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn, "_HLS_part", "" + last), now());
        String late = ((PlaylistAnswer.Ok) playlist.answer(lastPart, now())).body();
        assertFalse(late.contains("seg-" + msn + ".m4s"), late);
        assertTrue(late.endsWith("URI=\"part-" + msn + "." + last + ".m4s\"\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-" + (msn + 1)
                + ".0.m4s\"\n"), late);
        String lateDelta = ((PlaylistAnswer.Ok) playlist.answer(PlaylistRequest.parse(Map.of("_HLS_msn", "" + msn, "_HLS_part", "" + last,
                "_HLS_skip", "YES"), now()), now())).body();
        assertFalse(lateDelta.contains("seg-" + msn + ".m4s"), lateDelta);
    }

    @Test
    @DisplayName("A segment held as parts is shown complete when the publisher leaves")
    void heldSegmentCompletedOnUnpublish() {
        long msn = runUntilASegmentCompletes().sequence();
        assertFalse(playlist(Map.of()).contains("seg-" + msn + ".m4s"));
        playlist.onUnpublish();
        assertTrue(playlist(Map.of()).contains("seg-" + msn + ".m4s"));
    }

    /** Runs past 4.5 s, then 10 ms at a time until the segmenter completes a segment; returns it. */
    io.sluice.http.cmaf.CmafSegment runUntilASegmentCompletes() {
        runUntil(4_500_000);
        int complete = playlist.segments().size();
        while (playlist.segments().size() == complete) {
            runUntil(nowUs + 10_000);
        }
        return playlist.segments().get(playlist.segments().size() - 1);
    }

    long lastMsn() {
        String p = playlist(Map.of());
        List<String> segs = p.lines().filter(l -> l.startsWith("seg-")).toList();
        return msnOf(segs.get(segs.size() - 1));
    }

    static long msnOf(String segmentUri) {
        return Long.parseLong(segmentUri.substring(4, segmentUri.indexOf(".m4s")));
    }

    int status(Map<String, String> q) {
        PlaylistAnswer a = playlist.answer(PlaylistRequest.parse(q, now()), now());
        return assertInstanceOf(PlaylistAnswer.Error.class, a, "answer " + a).status();
    }
}
