package io.sluice.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.http.server.HubClip;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HLS and DASH on the server's one HTTP port, beside WHIP/WHEP and the pages: a real clip published into the
 * hub is fetched over HTTP at the documented addresses and decoded by FFmpeg; a play token guards the
 * playlists; {@code httpDelivery(false)} takes the routes away.
 */
class HttpDeliveryOnSharedPortTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    static HttpResponse<String> get(String url, String bearer) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until {@code stream} is published and the plain media playlist lists {@code segments} segments. */
    static String awaitSegments(SluiceServer server, String stream, int segments, String bearer) throws Exception {
        long deadline = System.nanoTime() + 40_000_000_000L;
        while (server.hub().tracks(stream).isEmpty()) {
            assertTrue(System.nanoTime() < deadline, "never published");
            Thread.sleep(20);
        }
        while (true) {
            HttpResponse<String> r = get(server.httpUrl() + "hls/" + stream + "/plain-media.m3u8", bearer);
            if (r.statusCode() == 200 && r.body().lines().filter(l -> l.startsWith("seg-")).count() >= segments) {
                return r.body();
            }
            assertTrue(System.nanoTime() < deadline, "no " + segments + " segments: " + r.statusCode() + " " + r.body());
            Thread.sleep(500);
        }
    }

    @Test
    void hlsAndDashServeARealClipOnTheSharedPortAndFfmpegDecodesIt() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 3)) {
            assertEquals(server.httpUrl() + "hls/live/cam/index.m3u8", server.hlsUrl("live/cam"));
            String media = awaitSegments(server, "live/cam", 3, null);
            assertTrue(media.contains("#EXT-X-MAP:URI=\"init-"), media);

            HttpResponse<String> multivariant = get(server.hlsUrl("live/cam"), null);
            assertEquals(200, multivariant.statusCode());
            assertTrue(multivariant.body().startsWith("#EXTM3U") && multivariant.body().contains("#EXT-X-STREAM-INF"),
                    multivariant.body());
            HttpResponse<String> mpd = get(server.dashUrl("live/cam"), null);
            assertEquals(200, mpd.statusCode());
            assertTrue(mpd.body().contains("<MPD") && mpd.body().contains("type=\"dynamic\""), mpd.body());
            HttpResponse<String> player = get(server.httpUrl() + "hls/live/cam/player.html", null);
            assertTrue(player.statusCode() == 200 && player.body().contains("hls.min.js"), player.body());

            // FFmpeg (a real HLS client) plays the plain HLS variant through the multivariant playlist
            Path log = tmp.resolve("ffmpeg.log");
            int rc = SluiceServerTest.ffmpeg(log, "-i", server.httpUrl() + "hls/live/cam/plain.m3u8",
                    "-map", "0:v:0", "-frames:v", "60", "-f", "null", "-");
            String out = Files.readString(log);
            assertEquals(0, rc, out);
            Matcher frames = Pattern.compile("frame=\\s*(\\d+)").matcher(out);
            long last = 0;
            while (frames.find()) {
                last = Long.parseLong(frames.group(1));
            }
            assertEquals(60, last, out);
            assertTrue(out.contains("Video: h264") && out.contains("320x240"), out);

            // the pages link the HLS player beside WebRTC; WHEP still answers on the same port
            String watch = get(server.watchUrl("live/cam"), null).body();
            assertTrue(watch.contains("/hls/live/cam/player.html"), watch);
            String index = get(server.httpUrl(), null).body();
            assertTrue(index.contains("/hls/live/cam/player.html") && !index.contains("/dash/live/cam/player.html"), index);
            assertEquals(400, SluiceServerTest.statusOf(server.httpUrl() + "whep/live/cam", null));
            assertNull(clip.failure);
        }
    }

    @Test
    void aPlayTokenGuardsThePlaylistsTheMpdAndEveryMediaFile() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0)
                .authorizer(TokenAuthorizer.builder().playToken("view").build()).build().start();
             HubClip clip = new HubClip(server.hub(), "live/cam", 2)) {
            String media = awaitSegments(server, "live/cam", 1, "view");
            String base = server.httpUrl();
            HttpResponse<String> refused = get(server.hlsUrl("live/cam"), null);
            assertEquals(401, refused.statusCode(), refused.body());
            assertEquals("Bearer", refused.headers().firstValue("WWW-Authenticate").orElse(""));
            assertEquals(401, get(base + "hls/live/cam/media.m3u8", null).statusCode());
            assertEquals(401, get(base + "hls/live/cam/plain-media.m3u8", "wrong").statusCode());
            assertEquals(401, get(server.dashUrl("live/cam"), null).statusCode());
            assertEquals(200, get(server.hlsUrl("live/cam") + "?token=view", null).statusCode());
            assertEquals(200, get(base + "hls/live/cam/plain-media.m3u8", "view").statusCode());
            assertEquals(200, get(server.dashUrl("live/cam") + "?token=view", null).statusCode());
            assertEquals(200, get(base + "hls/live/cam/player.html", null).statusCode(), "the page itself is public");

            // the media files the playlists name need the token as well: header or ?token=
            Matcher init = Pattern.compile("init-\\d+\\.mp4").matcher(media);
            Matcher seg = Pattern.compile("seg-\\d+\\.m4s").matcher(media);
            assertTrue(init.find() && seg.find(), media);
            String ll = get(base + "hls/live/cam/media.m3u8", "view").body();
            Matcher part = Pattern.compile("part-\\d+\\.\\d+\\.m4s").matcher(ll);
            assertTrue(part.find(), ll);
            for (String file : List.of(init.group(), seg.group(), part.group())) {
                String url = base + "hls/live/cam/" + file;
                HttpResponse<String> r = get(url, null);
                assertEquals(401, r.statusCode(), file + ": " + r.body());
                assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""), file);
                assertEquals(401, get(url, "wrong").statusCode(), file);
                assertEquals(200, get(url, "view").statusCode(), file);
                assertEquals(200, get(url + "?token=view", null).statusCode(), file);
            }
            String mpd = get(server.dashUrl("live/cam"), "view").body();
            // initialization="init-<header>-<track>.mp4" (the ladder's MPD names each rung's files)
            Matcher dashInit = Pattern.compile("initialization=\"init-(\\d+)-(\\d+)\\.mp4\"").matcher(mpd);
            assertTrue(dashInit.find(), mpd);
            String dashInitUrl = base + "dash/live/cam/init-" + dashInit.group(1) + "-" + dashInit.group(2) + ".mp4";
            assertEquals(401, get(dashInitUrl, null).statusCode());
            assertEquals(200, get(dashInitUrl + "?token=view", null).statusCode());
            assertEquals(401, get(base + "dash/live/cam/seg-" + dashInit.group(1) + "-" + dashInit.group(2) + "-1.m4s", null).statusCode());
            assertEquals(200, get(base + "dash/time", null).statusCode(), "the DASH clock is public");
            assertEquals(200, get(base + "hls/hls.min.js", null).statusCode(), "the player script is public");
        }
    }

    @Test
    void httpDeliveryOffLeavesTheRoutesToWebRtc() throws Exception {
        try (SluiceServer server = SluiceServer.builder().rtmpPort(0).httpPort(0).httpDelivery(false).build().start()) {
            assertEquals(404, get(server.httpUrl() + "hls/live/cam/index.m3u8", null).statusCode());
            assertTrue(!get(server.httpUrl() + "watch/live/cam", null).body().contains("/hls/"));
        }
    }
}
