package io.sluice.webrtc.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The server's HTML pages: plain HTML and inline JavaScript, no build step and nothing loaded from
 * other origins. {@link #watch} plays a stream with WHEP and charts {@code getStats()} once a
 * second; it exposes {@code window.sluice.stats} and {@code window.sluice.firstFrameMs} for tests.
 * {@link #publish} sends the camera and microphone with WHIP. Thread-safe.
 */
public final class WebRtcPages {
    private static final String WATCH = load("watch.html");
    private static final String PUBLISH = load("publish.html");
    private static final String WATCH_E2EE = load("watch-e2ee.html");

    private WebRtcPages() {
    }

    /** The index: live streams, each with a link to watch it over WebRTC. */
    public static String index(List<String> liveStreams) {
        return index(liveStreams, Map.of());
    }

    /**
     * The index: live streams, each with a link to watch it over WebRTC and one per other player.
     *
     * @param otherPlayers label (e.g. {@code "HLS"}) to path template with {@code {stream}} for the stream name
     *                     (e.g. {@code "/hls/{stream}/player.html"}), in display order
     */
    public static String index(List<String> liveStreams, Map<String, String> otherPlayers) {
        StringBuilder items = new StringBuilder();
        for (String s : liveStreams) {
            String e = escape(s);
            items.append("<li><a href=\"/watch/").append(e).append("\">").append(e).append("</a>")
                    .append(playerLinks(s, otherPlayers, " · WebRTC")).append("</li>\n");
        }
        if (liveStreams.isEmpty()) {
            items.append("<li>no live streams</li>\n");
        }
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sluice</title>"
                + "<meta http-equiv=\"refresh\" content=\"5\">"
                + "<style>body{font:14px/1.4 system-ui,sans-serif;margin:16px;background:#111;color:#ddd}"
                + "a{color:#8cf}</style></head>\n<body><h1>Sluice</h1><h2>Live streams</h2>\n<ul>\n" + items
                + "</ul>\n<p>Publish your camera: <code>/publish/&lt;stream&gt;</code></p></body></html>\n";
    }

    /** The WHEP player for {@code stream} (the page reads the name from its URL). */
    public static String watch(String stream) {
        return WATCH;
    }

    /** The WHEP player for {@code stream}, with links to the same stream in {@code otherPlayers} (see {@link #index(List, Map)}). */
    public static String watch(String stream, Map<String, String> otherPlayers) {
        return otherPlayers.isEmpty() ? WATCH : WATCH.replace("<!--players-->", playerLinks(stream, otherPlayers, ""));
    }

    /** {@code  · <a href="/hls/s/player.html">HLS</a>...}, preceded by {@code lead} if there is any. */
    private static String playerLinks(String stream, Map<String, String> otherPlayers, String lead) {
        if (otherPlayers.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(lead);
        otherPlayers.forEach((label, template) -> b.append(" · <a href=\"")
                .append(escape(template.replace("{stream}", stream))).append("\">").append(escape(label)).append("</a>"));
        return b.toString();
    }

    /**
     * The WHEP player that decrypts SFrame (RFC 9605) in the browser with an encoded transform
     * (RTCRtpScriptTransform, else createEncodedStreams) and WebCrypto; the key comes from the URL fragment
     * ({@code #kid=<KID>&key=<hex base_key>&suite=<suite>}), which is never sent to the server. It
     * expects what {@code io.sluice.crypto.Sframe.encryptor} produces (NAL-preserving H.264, whole-frame
     * audio) and exposes {@code window.sluice.e2ee} ({@code decrypted}, {@code failed}, {@code lastError},
     * per kind) next to {@code window.sluice.stats}.
     */
    public static String watchE2ee(String stream) {
        return WATCH_E2EE;
    }

    /** The WHIP camera publisher for {@code stream} (the page reads the name from its URL). */
    public static String publish(String stream) {
        return PUBLISH;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String load(String name) {
        try (InputStream in = WebRtcPages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
