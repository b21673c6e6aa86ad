package io.sluice.rtmp.client;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * A parsed publishing URL {@code rtmp[s]://host[:port]/app[/instance]/streamKey[?query]}: the
 * pieces an RTMP client sends in {@code connect} (app, tcUrl) and {@code publish} (stream name).
 * Pure and immutable.
 *
 * <h2>Splitting app and stream key</h2>
 * The path is split the way ffmpeg's {@code rtmpproto.c} does (and OBS, whose server field is
 * {@code rtmp://host/app[/instance]} with the key apart):
 * <ul>
 *   <li>{@code /app/key} → app {@code app}, stream name {@code key};</li>
 *   <li>{@code /app/instance/key} → app {@code app/instance}, stream name {@code key};</li>
 *   <li>{@code /app/instance/a/b} → app {@code app/instance}, stream name {@code a/b} (everything after
 *       the second segment);</li>
 *   <li>if a {@code :} comes before the third slash ({@code /app/mp4:dir/file}) the stream name starts
 *       after the first segment, as in ffmpeg.</li>
 * </ul>
 *
 * <h2>Query strings</h2>
 * Kept verbatim (not decoded) where they appear, for servers that authenticate in the URL: a query
 * after the stream key stays on the stream name sent in {@code publish} ({@code key?token=abc}, the
 * nginx-rtmp {@code on_publish} and most CDN style); a query inside the app part
 * ({@code rtmp://h/live?token=abc/key}, the Wowza style) stays on the app and on tcUrl, as ffmpeg does.
 *
 * <p>Default ports: 1935 for {@code rtmp}, 443 for {@code rtmps}. {@link #tcUrl()} always names
 * the port, as ffmpeg's does.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#7211connect">RTMP spec §7.2.1.1 (connect: app, tcUrl)</a>
 */
public final class RtmpUrl {
    /** Default port of {@code rtmp://}. */
    public static final int DEFAULT_PORT = 1935;
    /** Default port of {@code rtmps://}. */
    public static final int DEFAULT_TLS_PORT = 443;

    private final URI uri;
    private final boolean secure;
    private final String host;
    private final int port;
    private final String app;
    private final String streamName;

    private RtmpUrl(URI uri, boolean secure, String host, int port, String app, String streamName) {
        this.uri = uri;
        this.secure = secure;
        this.host = host;
        this.port = port;
        this.app = app;
        this.streamName = streamName;
    }

    /**
     * Parses a publishing URL.
     *
     * @param uri {@code rtmp://} or {@code rtmps://} URL with a host, an app and a stream key
     * @return the parsed URL
     * @throws IllegalArgumentException if the scheme is not rtmp/rtmps, the host is missing, the
     *                                  port is out of range, or the path lacks an app or a stream key
     */
    public static RtmpUrl parse(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean secure;
        if (scheme.equals("rtmp")) {
            secure = false;
        } else if (scheme.equals("rtmps")) {
            secure = true;
        } else {
            throw new IllegalArgumentException("scheme: " + uri.getScheme() + " (expected: rtmp or rtmps) in " + uri);
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host in " + uri + " (expected: rtmp[s]://host[:port]/app/streamKey)");
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = uri.getPort();
        if (port == -1) {
            port = secure ? DEFAULT_TLS_PORT : DEFAULT_PORT;
        } else if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535) in " + uri);
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path = path + '?' + uri.getRawQuery();
        }
        // ffmpeg rtmpproto.c rtmp_open(): app = first segment, or first two when a third exists.
        String next = path.startsWith("/") ? path.substring(1) : path;
        int p = next.indexOf('/');
        if (p < 0 || p == 0) {
            throw new IllegalArgumentException("no " + (p == 0 || next.isEmpty() ? "app" : "stream key") + " in " + uri
                    + " (expected: rtmp[s]://host[:port]/app[/instance]/streamKey)");
        }
        String app;
        String name;
        int colon = next.indexOf(':', p + 1);
        int slash = next.indexOf('/', p + 1);
        if (slash < 0 || (colon >= 0 && colon < slash)) {
            app = next.substring(0, p);
            name = next.substring(p + 1);
        } else {
            app = next.substring(0, slash);
            name = next.substring(slash + 1);
        }
        if (name.isEmpty() || name.startsWith("?")) {
            throw new IllegalArgumentException("no stream key in " + uri + " (expected: rtmp[s]://host[:port]/app[/instance]/streamKey)");
        }
        return new RtmpUrl(uri, secure, host, port, app, name);
    }

    /** The URL as given. */
    public URI uri() {
        return uri;
    }

    /** {@code true} for {@code rtmps://} (TLS). */
    public boolean isSecure() {
        return secure;
    }

    /** Host name or IP literal (without IPv6 brackets). */
    public String host() {
        return host;
    }

    /** TCP port, 1..65535 (1935 / 443 by default). */
    public int port() {
        return port;
    }

    /** The {@code app} property of {@code connect}: {@code app} or {@code app/instance}, with a query if the URL has one there. */
    public String app() {
        return app;
    }

    /** The stream name sent in {@code releaseStream}, {@code FCPublish} and {@code publish}: the stream key with its query string. */
    public String streamName() {
        return streamName;
    }

    /** The {@code tcUrl} property of {@code connect}: {@code scheme://host:port/app}. */
    public String tcUrl() {
        return serverUrl();
    }

    /**
     * The URL without the stream key, {@code scheme://host:port/app}, for messages and logs (so
     * stream keys do not end up in logs).
     */
    public String serverUrl() {
        String h = host.indexOf(':') >= 0 ? '[' + host + ']' : host;
        return (secure ? "rtmps" : "rtmp") + "://" + h + ':' + port + '/' + app;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RtmpUrl u && uri.equals(u.uri);
    }

    @Override
    public int hashCode() {
        return uri.hashCode();
    }

    /** The server URL and the stream name's length, not the key itself. */
    @Override
    public String toString() {
        return serverUrl() + " (stream key: " + streamName.length() + " chars)";
    }
}
