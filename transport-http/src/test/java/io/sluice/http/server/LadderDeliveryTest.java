package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.hub.StreamHub;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP delivery through a real rendition ladder ({@code FfmpegRenditionLadder}: the 320x240 clip passed through,
 * 240x180 and 160x120 transcoded): the multivariant playlist (RFC 8216bis §4.4.6.2) lists the three rungs highest
 * first with BANDWIDTH / AVERAGE-BANDWIDTH equal to what their segments measure; every rung's LL-HLS playlist
 * reports the others (§4.4.5.4) as their own playlists stand; segments with the same media sequence number start
 * at the same IDR with the same program-date-time on every rung (ffprobe); the MPD's SegmentTimeline states each
 * segment's exact start (its {@code tfdt}) and FFmpeg's DASH demuxer reads every Representation; and the ladder
 * lease is released once requests stop for the idle timeout.
 */
class LadderDeliveryTest {
    private static final Pattern STREAM_INF = Pattern.compile("#EXT-X-STREAM-INF:BANDWIDTH=(\\d+),AVERAGE-BANDWIDTH=(\\d+),"
            + "CODECS=\"([^\"]+)\",RESOLUTION=(\\d+)x(\\d+),FRAME-RATE=([\\d.]+)\n(\\S+)\n");
    private static final Pattern REPORT = Pattern.compile("#EXT-X-RENDITION-REPORT:URI=\"([^\"]+)\",LAST-MSN=(\\d+),LAST-PART=(\\d+)");
    private static final Pattern SEGMENT = Pattern.compile("#EXT-X-PROGRAM-DATE-TIME:(\\S+)\n#EXTINF:([\\d.]+),\nseg-(\\d+)\\.m4s");

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    @DisplayName("ladder over HLS and DASH: RFC 8216bis §4.4.6.2 variants, §4.4.5.4 rendition reports, aligned segments, SegmentTimeline")
    void everyRungIsAVariantWithAlignedSegmentsAndReports() throws Exception {
        StreamHub hub = StreamHub.create();
        try (FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).heights(180, 120).build();
             HttpDeliveryServer server = HttpDeliveryServer.builder(hub)
                     .delivery(d -> d.renditionLadder(ladder).ladderIdleTimeout(Duration.ofSeconds(8)).windowSegments(60)).build()) {
            server.start();
            String base = server.httpUrl() + "hls/live/cam/";
            try (HubClip clip = new HubClip(hub, "live/cam", 15)) {
                HubClip.awaitPublished(hub, "live/cam");
                long deadline;
                // the first request starts the ladder; wait until every rung has 3 complete segments
                String multivariant = get(base + "index.m3u8");
                // a player reloading its playlist every second keeps the lease while the checks below run (ffprobe)
                java.util.concurrent.atomic.AtomicBoolean playing = new java.util.concurrent.atomic.AtomicBoolean(true);
                Thread player = new Thread(() -> {
                    while (playing.get()) {
                        try {
                            http.send(HttpRequest.newBuilder(URI.create(base + "plain.m3u8")).build(), HttpResponse.BodyHandlers.discarding());
                            Thread.sleep(1000);
                        } catch (Exception e) {
                            return;
                        }
                    }
                }, "reloading-player");
                player.setDaemon(true);
                player.start();
                deadline = System.nanoTime() + 30_000_000_000L;
                while (segments(get(base + "v2/plain-media.m3u8")).size() < 3) {
                    assertTrue(System.nanoTime() < deadline, "the lowest rung has no 3 segments");
                    Thread.sleep(500);
                }
                // the playlists and the multivariant playlist of one moment: no segment completed in between
                Map<Integer, String> plain = new HashMap<>();
                for (int attempt = 0; ; attempt++) {
                    for (int i = 0; i < 3; i++) {
                        plain.put(i, get(base + "v" + i + "/plain-media.m3u8"));
                    }
                    multivariant = get(base + "index.m3u8");
                    boolean same = true;
                    for (int i = 0; i < 3; i++) {
                        same &= segments(plain.get(i)).keySet().equals(segments(get(base + "v" + i + "/plain-media.m3u8")).keySet());
                    }
                    if (same) {
                        break;
                    }
                    assertTrue(attempt < 10, "segments keep completing while the playlists are read");
                }
                System.out.println("multivariant playlist of the ladder:\n" + multivariant);
                assertEquals(1, ladder.runningLadders().size());

                // multivariant: three variants, highest first, with what their segments measure
                Matcher m = STREAM_INF.matcher(multivariant);
                List<int[]> sizes = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    assertTrue(m.find(), "variant " + i + " in\n" + multivariant);
                    assertEquals("v" + i + "/media.m3u8", m.group(7));
                    assertTrue(m.group(3).startsWith("avc1.") && m.group(3).contains("mp4a.40."), m.group(3));
                    assertEquals(25.0, Double.parseDouble(m.group(6)), 5.1, "FRAME-RATE");
                    sizes.add(new int[] {Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5))});
                    long peak = Long.parseLong(m.group(1));
                    long average = Long.parseLong(m.group(2));
                    long[] measured = measure(base + "v" + i + "/", plain.get(i));
                    assertTrue(average <= peak, multivariant);
                    // every segment so far is in the window: the peak is the largest of them (EXTINF is truncated: 1 %)
                    assertTrue(Math.abs(peak - measured[0]) <= measured[0] / 100 + 1, "rung " + i + " BANDWIDTH " + peak + " measured " + measured[0]);
                    assertTrue(average <= measured[0] && average >= measured[1] * 9 / 10, "rung " + i + " AVERAGE-BANDWIDTH " + average
                            + " measured " + measured[1]);
                }
                assertFalse(m.find(), multivariant);
                assertEquals(List.of(320, 240, 240, 180, 160, 120), sizes.stream().flatMap(s -> java.util.stream.Stream.of(s[0], s[1])).toList());

                // aligned segments: same msn -> same program-date-time, same duration, first frame an IDR at the same PTS
                Map<Long, String[]> top = segments(plain.get(0));
                for (int i = 1; i < 3; i++) {
                    Map<Long, String[]> rung = segments(plain.get(i));
                    long first = rung.keySet().iterator().next(); // a transcoded rung's first segment starts mid-segment
                    int compared = 0;
                    for (Map.Entry<Long, String[]> e : rung.entrySet()) {
                        String[] t = top.get(e.getKey());
                        if (e.getKey() == first || t == null) {
                            continue;
                        }
                        assertEquals(t[0], e.getValue()[0], "program-date-time of segment " + e.getKey() + " on rung " + i);
                        assertEquals(t[1], e.getValue()[1], "duration of segment " + e.getKey() + " on rung " + i);
                        assertEquals(firstVideoFrame(base + "v0/", plain.get(0), e.getKey()),
                                firstVideoFrame(base + "v" + i + "/", plain.get(i), e.getKey()), "first frame of segment " + e.getKey());
                        compared++;
                    }
                    assertTrue(compared >= 1, "no segment to compare on rung " + i + ":\n" + plain.get(i));
                }

                // rendition reports: every other rung, as its own playlist stands
                for (int i = 0; i < 3; i++) {
                    String media = get(base + "v" + i + "/media.m3u8");
                    Matcher r = REPORT.matcher(media);
                    List<String> reported = new ArrayList<>();
                    while (r.find()) {
                        reported.add(r.group(1));
                        String other = URI.create(base + "v" + i + "/media.m3u8").resolve(r.group(1)).toString();
                        long msn = Long.parseLong(r.group(2));
                        int part = Integer.parseInt(r.group(3));
                        // the other playlist holds that part already: a blocking reload for it answers at once with it
                        long t0 = System.nanoTime();
                        String o = get(other + "?_HLS_msn=" + msn + "&_HLS_part=" + part);
                        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "reported part was not there yet");
                        assertTrue(o.contains("URI=\"part-" + msn + "." + part + ".m4s\""), r.group() + " not in\n" + o);
                        assertTrue(Math.abs(msn - lastMsn(media)) <= 1, "numbers aligned: " + r.group() + " vs\n" + media);
                    }
                    List<String> expected = new ArrayList<>();
                    for (int j = 0; j < 3; j++) {
                        if (j != i) {
                            expected.add("../v" + j + "/media.m3u8");
                        }
                    }
                    assertEquals(expected, reported, media);
                }

                // DASH: one video AdaptationSet, a Representation per rung, SegmentTimeline with exact starts
                String mpd = get(server.httpUrl() + "dash/live/cam/manifest.mpd");
                assertFalse(mpd.contains("duration=\""), mpd);
                assertEquals(3, count(mpd, "<Representation id=\"[^\"]+\" codecs=\"avc1"), mpd);
                assertEquals(1, count(mpd, "contentType=\"video\""), mpd);
                checkTimeline(server.httpUrl() + "dash/live/cam/", mpd);
                List<String> probed = ffprobeStreams(server.httpUrl() + "dash/live/cam/manifest.mpd");
                assertTrue(probed.containsAll(List.of("video,320,240", "video,240,180", "video,160,120")) && probed.stream().anyMatch(l -> l.startsWith("audio")),
                        "ffprobe of the MPD: " + probed);
                assertNull(clip.failure);
                playing.set(false);
                player.join(35_000);
            }
            // no request for the idle timeout (8 s): the lease is released and the ladder stops
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (!ladder.runningLadders().isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "ladder still running: " + ladder.runningLadders());
                Thread.sleep(200);
            }
        } finally {
            hub.close();
        }
    }

    @Test
    @DisplayName("rung BANDWIDTH falls with resolution for a source below the rungs' nominal bitrates (players rank variants by it)")
    void rungBitratesFallWithResolution() throws Exception {
        StreamHub hub = StreamHub.create();
        // 100 kbit/s of 320x240 video: the 240x180 and 160x120 rungs' nominal 150 kbit/s would exceed the source
        try (FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).heights(180, 120).build();
             HttpDeliveryServer server = HttpDeliveryServer.builder(hub)
                     .delivery(d -> d.renditionLadder(ladder).windowSegments(4)).build();
             HubClip clip = new HubClip(hub, "live/low", 15, 100_000)) {
            server.start();
            String base = server.httpUrl() + "hls/live/low/";
            HubClip.awaitPublished(hub, "live/low");
            get(base + "plain.m3u8"); // starts the ladder
            long deadline = System.nanoTime() + 60_000_000_000L;
            long firstMsn = -1;
            // the window has moved past every rung's first segment (a transcoded rung's starts mid-segment)
            while (true) {
                Map<Long, String[]> lowest = segments(get(base + "v2/plain-media.m3u8"));
                if (firstMsn < 0 && !lowest.isEmpty()) {
                    firstMsn = lowest.keySet().iterator().next();
                }
                if (firstMsn >= 0 && lowest.size() >= 4 && lowest.keySet().iterator().next() > firstMsn + 1) {
                    break;
                }
                assertTrue(System.nanoTime() < deadline, "the lowest rung has no window of 4 segments after its first");
                Thread.sleep(500);
            }
            String multivariant = get(base + "plain.m3u8");
            System.out.println("multivariant playlist of a 100 kbit/s source's ladder:\n" + multivariant);
            Matcher m = STREAM_INF.matcher(multivariant);
            long[] peak = new long[3];
            long[] average = new long[3];
            List<Integer> heights = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                assertTrue(m.find(), "variant " + i + " in\n" + multivariant);
                peak[i] = Long.parseLong(m.group(1));
                average[i] = Long.parseLong(m.group(2));
                heights.add(Integer.parseInt(m.group(5)));
            }
            assertEquals(List.of(240, 180, 120), heights, multivariant);
            for (int i = 1; i < 3; i++) {
                assertTrue(peak[i] < peak[i - 1], "BANDWIDTH of rung " + i + " not below rung " + (i - 1) + ":\n" + multivariant);
                assertTrue(average[i] < average[i - 1], "AVERAGE-BANDWIDTH of rung " + i + " not below rung " + (i - 1) + ":\n" + multivariant);
            }
            assertNull(clip.failure);
        } finally {
            hub.close();
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), url + ": " + r.body());
        return r.body();
    }

    private byte[] bytes(String url) throws Exception {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    /** msn → {program-date-time, EXTINF} of a plain playlist's segments, in order. */
    private static Map<Long, String[]> segments(String playlist) {
        Map<Long, String[]> out = new LinkedHashMap<>();
        Matcher m = SEGMENT.matcher(playlist);
        while (m.find()) {
            out.put(Long.parseLong(m.group(3)), new String[] {m.group(1), m.group(2)});
        }
        return out;
    }

    private static long lastMsn(String llPlaylist) {
        Matcher m = Pattern.compile("URI=\"part-(\\d+)\\.").matcher(llPlaylist);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    /** {peak, average} bit/s over the playlist's segments, from their sizes and EXTINF. */
    private long[] measure(String dir, String playlist) throws Exception {
        long peak = 0;
        long bytes = 0;
        double seconds = 0;
        for (Map.Entry<Long, String[]> e : segments(playlist).entrySet()) {
            int size = bytes(dir + "seg-" + e.getKey() + ".m4s").length;
            double d = Double.parseDouble(e.getValue()[1]);
            peak = Math.max(peak, (long) (size * 8 / d));
            bytes += size;
            seconds += d;
        }
        return new long[] {peak, (long) (bytes * 8 / seconds)};
    }

    /** "pts_time,flags" of the first video packet of segment {@code msn} (with its init segment), by ffprobe. */
    private String firstVideoFrame(String dir, String playlist, long msn) throws Exception {
        Matcher map = Pattern.compile("#EXT-X-MAP:URI=\"(init-\\d+\\.mp4)\"").matcher(playlist);
        assertTrue(map.find(), playlist);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(bytes(dir + map.group(1)));
        out.write(bytes(dir + "seg-" + msn + ".m4s"));
        Path f = tmp.resolve("seg-" + Math.abs(dir.hashCode()) + "-" + msn + ".mp4");
        Files.write(f, out.toByteArray());
        List<String> lines = run("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags",
                "-read_intervals", "%+#1", "-of", "csv=p=0", f.toString());
        assertFalse(lines.isEmpty(), "ffprobe read nothing from " + f);
        assertTrue(lines.get(0).contains("K"), "segment " + msn + " of " + dir + " starts with " + lines.get(0));
        return lines.get(0);
    }

    /** Each complete S of every SegmentTimeline: contiguous, and its t is the segment's own tfdt. */
    private void checkTimeline(String dir, String mpd) throws Exception {
        Matcher rep = Pattern.compile("<SegmentTemplate timescale=\"(\\d+)\" startNumber=\"(\\d+)\"[^>]*media=\"([^\"]+)\"[^>]*>\\s*"
                + "<SegmentTimeline>((?:\\s*<S t=\"\\d+\" d=\"\\d+\"/>)+)").matcher(mpd);
        int checked = 0;
        while (rep.find()) {
            long number = Long.parseLong(rep.group(2));
            Matcher s = Pattern.compile("<S t=\"(\\d+)\" d=\"(\\d+)\"/>").matcher(rep.group(4));
            List<long[]> list = new ArrayList<>();
            while (s.find()) {
                list.add(new long[] {Long.parseLong(s.group(1)), Long.parseLong(s.group(2))});
            }
            for (int i = 0; i + 1 < list.size(); i++) { // the last one is the segment in progress (predicted length)
                if (i + 2 < list.size()) {
                    assertEquals(list.get(i)[0] + list.get(i)[1], list.get(i + 1)[0], "timeline contiguous in " + rep.group());
                }
                byte[] seg = bytes(dir + rep.group(3).replace("$Number$", String.valueOf(number + i)));
                assertEquals(list.get(i)[0], tfdt(seg), rep.group(3) + " #" + (number + i));
                checked++;
            }
        }
        assertTrue(checked >= 8, "timelines checked: " + checked + "\n" + mpd);
    }

    /** The first {@code tfdt}'s baseMediaDecodeTime (ISO/IEC 14496-12 §8.8.12). */
    private static long tfdt(byte[] b) {
        for (int i = 4; i + 16 <= b.length; i++) {
            if (b[i] == 't' && b[i + 1] == 'f' && b[i + 2] == 'd' && b[i + 3] == 't') {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b, i + 4, 12);
                int version = bb.get() & 0xff;
                bb.position(bb.position() + 3);
                return version == 1 ? bb.getLong() : bb.getInt() & 0xffffffffL;
            }
        }
        throw new AssertionError("no tfdt");
    }

    private static int count(String s, String regex) {
        Matcher m = Pattern.compile(regex).matcher(s);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static List<String> ffprobeStreams(String url) throws Exception {
        return run("ffprobe", "-v", "error", "-show_entries", "stream=codec_type,width,height", "-of", "csv=p=0", url);
    }

    private static List<String> run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), String.join(" ", cmd));
        assertNotNull(out);
        return out.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }
}
