package io.sluice.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sluice.core.netty.http.HttpServerPipeline;
import io.sluice.http.hls.PlaylistRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Routes {@code /hls/...} requests (after {@code HttpServerCodec} + {@code HttpObjectAggregator}) to
 * {@link HttpDelivery}; other requests go on down the pipeline untouched, so this handler can be mounted
 * in another server. Shared by every channel.
 */
@ChannelHandler.Sharable
final class HttpDeliveryHandler extends ChannelInboundHandlerAdapter {
    private static final Pattern INIT = Pattern.compile("init-(\\d{1,9})\\.mp4");
    private static final Pattern SEGMENT = Pattern.compile("seg-(\\d{1,15})\\.m4s");
    private static final Pattern PART = Pattern.compile("part-(\\d{1,15})\\.(\\d{1,6})\\.m4s");
    private static final String HLS_JS = "META-INF/resources/webjars/hls.js/1.4.12/dist/hls.min.js";

    private final HttpDelivery delivery;
    private volatile byte[] hlsJs;

    HttpDeliveryHandler(HttpDelivery delivery) {
        this.delivery = delivery;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder qs = new QueryStringDecoder(req.uri());
        String path = qs.path();
        if (!HttpDelivery.handles(path)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            handle(ctx, req, qs, false);
        } finally {
            req.release();
        }
    }

    /**
     * @param waited whether this request already waited for its stream's ladder to start (it is then served
     *               with whatever group there is, or alone)
     */
    private void handle(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder qs, boolean waited) {
        HttpDeliveryConfig config = delivery.config();
        boolean head = req.method().equals(HttpMethod.HEAD);
        Exchange ex = new Exchange(ctx, HttpUtil.isKeepAlive(req), head, config.corsAllowOrigin(), req.headers().get(HttpHeaderNames.RANGE));
        if (req.method().equals(HttpMethod.OPTIONS)) {
            preflight(ctx, req);
            return;
        }
        if (!req.method().equals(HttpMethod.GET) && !head) {
            ex.error(405, req.method() + " not allowed (expected: GET, HEAD, OPTIONS)");
            return;
        }
        // a ladder lease is taken off the event loop; the request goes on when it is (with the request retained)
        Consumer<CompletableFuture<Void>> later = waited ? null : f -> {
            req.retain();
            f.whenComplete((v, e) -> {
                try {
                    ctx.executor().execute(() -> {
                        try {
                            handle(ctx, req, qs, true);
                        } finally {
                            req.release();
                        }
                    });
                } catch (RejectedExecutionException closing) {
                    req.release();
                }
            });
        };
        if (qs.path().startsWith("/dash/")) {
            handleDash(ctx, req, qs, ex, later);
            return;
        }
        String rest = qs.path().substring("/hls/".length());
        if (rest.equals("hls.min.js")) {
            ex.bytes(HttpResponseStatus.OK, "text/javascript; charset=utf-8", "public, max-age=86400", hlsJs());
            return;
        }
        Target t = resolve(ex, qs.path(), rest, HlsPlayerPage::html, ctx.executor(), later);
        if (t == null) {
            return;
        }
        String file = t.file();
        LiveStream stream = t.stream();
        long now = config.ticker().nanoTime();
        Map<String, String> query = new HashMap<>();
        for (Map.Entry<String, List<String>> e : qs.parameters().entrySet()) {
            query.put(e.getKey(), e.getValue().get(0));
        }
        Matcher m;
        switch (file) {
            case "index.m3u8" -> stream.request(LiveStream.Kind.MULTIVARIANT_LL, ex, PlaylistRequest.plain(now), -1, -1, ctx.executor());
            case "plain.m3u8" -> stream.request(LiveStream.Kind.MULTIVARIANT_PLAIN, ex, PlaylistRequest.plain(now), -1, -1, ctx.executor());
            case "media.m3u8" -> stream.request(LiveStream.Kind.MEDIA_LL, ex, PlaylistRequest.parse(query, now), -1, -1,
                    t.reportPrefix(), ctx.executor());
            case "plain-media.m3u8" -> stream.request(LiveStream.Kind.MEDIA_PLAIN, ex, PlaylistRequest.plain(now), -1, -1, ctx.executor());
            default -> {
                if ((m = INIT.matcher(file)).matches()) {
                    ByteBuf init = stream.initBody(Integer.parseInt(m.group(1)));
                    if (init == null) {
                        ex.error(404, "no init segment " + file);
                    } else {
                        ex.media(init);
                    }
                } else if ((m = SEGMENT.matcher(file)).matches()) {
                    ByteBuf segment = stream.segmentBody(Long.parseLong(m.group(1)));
                    if (segment == null) {
                        ex.error(404, "no segment " + file);
                    } else {
                        ex.media(segment);
                    }
                } else if ((m = PART.matcher(file)).matches()) {
                    stream.request(LiveStream.Kind.PART, ex, PlaylistRequest.plain(now), Long.parseLong(m.group(1)),
                            Integer.parseInt(m.group(2)), ctx.executor());
                } else {
                    ex.error(404, "no such resource: " + file);
                }
            }
        }
    }

    /** A peer that resets or a malformed request closes that connection only; nothing to report further. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private static final Pattern DASH_INIT = Pattern.compile("init-(\\d{1,9})-(\\d{1,3})\\.mp4");
    private static final Pattern DASH_SEGMENT = Pattern.compile("seg-(\\d{1,9})-(\\d{1,3})-(\\d{1,15})\\.m4s");

    /** {@code <source>/v<i>}: the directory of rung {@code i} of a source stream's ladder. */
    private static final Pattern RUNG_DIR = Pattern.compile("(.+)/v(\\d{1,2})");

    /**
     * A file of a live stream.
     *
     * @param reportPrefix with a ladder, the rungs' directory prefix seen from this file's directory (for the
     *                     rendition reports of a media playlist)
     */
    private record Target(String file, LiveStream stream, String reportPrefix) {
    }

    /**
     * Splits {@code rest} ({@code <stream>/<file>}) and finds the live stream; answers the player page and the
     * 404s itself (then returns {@code null}). When the stream's ladder has to start first, hands the start's
     * future to {@code later} and returns {@code null}: the request is handled again once it has started.
     *
     * @param later {@code null} if the request has waited already
     */
    private Target resolve(Exchange ex, String path, String rest, java.util.function.Function<String, String> playerPage,
                           io.netty.util.concurrent.EventExecutor executor, Consumer<CompletableFuture<Void>> later) {
        int slash = rest.lastIndexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            ex.error(404, "no such resource: " + path);
            return null;
        }
        String name = rest.substring(0, slash);
        String file = rest.substring(slash + 1);
        if (file.equals("player.html")) {
            ex.text(HttpResponseStatus.OK, "text/html; charset=utf-8", "no-cache", playerPage.apply(name));
            return null;
        }
        if (delivery.hasLadder()) {
            // with a ladder: <stream>/... is the multivariant playlist, MPD and the top rung; <stream>/v<i>/... rung i
            Matcher m = RUNG_DIR.matcher(name);
            if (later != null) {
                CompletableFuture<Void> f = m.matches() ? delivery.groupStarting(m.group(1), executor) : null;
                if (f == null && (!m.matches() || delivery.group(m.group(1)) == null)) {
                    f = delivery.groupStarting(name, executor);
                }
                if (f != null) {
                    later.accept(f);
                    return null;
                }
            }
            LadderGroup g = m.matches() ? delivery.group(m.group(1)) : null;
            if (g != null) {
                LiveStream rung = g.rung(Integer.parseInt(m.group(2)));
                if (rung == null) {
                    ex.error(404, "stream '" + m.group(1) + "' has " + g.size() + " renditions (v0..v" + (g.size() - 1) + ")");
                    return null;
                }
                return new Target(file, rung, "../v");
            }
            g = delivery.group(name);
            if (g != null) {
                return new Target(file, g.rung(0), "v");
            }
        }
        LiveStream stream = delivery.stream(name);
        if (stream == null) {
            ex.error(404, "stream '" + name + "' is not published");
            return null;
        }
        return new Target(file, stream, "v");
    }

    private void handleDash(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder qs, Exchange ex,
                            Consumer<CompletableFuture<Void>> later) {
        String rest = qs.path().substring("/dash/".length());
        HttpDeliveryConfig config = delivery.config();
        if (rest.equals("time")) {
            ex.text(HttpResponseStatus.OK, "text/plain; charset=utf-8", Exchange.NO_STORE,
                    io.sluice.http.dash.DashManifest.isoTime(config.ticker().wallClockMicros() / 1000));
            return;
        }
        if (rest.equals("dash.all.min.js")) {
            byte[] js = delivery.dashPlayerScript();
            if (js == null) {
                ex.error(404, "no dash.js configured (HttpDelivery.Builder#dashPlayerScript)");
            } else {
                ex.bytes(HttpResponseStatus.OK, "text/javascript; charset=utf-8", "public, max-age=86400", js);
            }
            return;
        }
        Target t = resolve(ex, qs.path(), rest, DashPlayerPage::html, ctx.executor(), later);
        if (t == null) {
            return;
        }
        String file = t.file();
        LiveStream stream = t.stream();
        Matcher m;
        if (file.equals("manifest.mpd")) {
            String host = req.headers().get(HttpHeaderNames.HOST, "127.0.0.1");
            String scheme = HttpServerPipeline.isSecure(ctx.channel()) ? "https://" : "http://";
            stream.mpd(ex, config.ticker().nanoTime(), scheme + host + "/dash/time", ctx.executor());
        } else if ((m = DASH_INIT.matcher(file)).matches()) {
            ByteBuf init = stream.trackInit(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            if (init == null) {
                ex.error(404, "no init segment " + file);
            } else {
                ex.media(init);
            }
        } else if ((m = DASH_SEGMENT.matcher(file)).matches()) {
            stream.dashSegment(ex, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)), ctx.executor());
        } else {
            ex.error(404, "no such resource: " + file);
        }
    }

    private void preflight(ChannelHandlerContext ctx, FullHttpRequest req) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
        r.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, delivery.config().corsAllowOrigin())
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD, OPTIONS")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, "Range, Content-Type")
                .set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, 86400)
                .set(HttpHeaderNames.CONTENT_LENGTH, 0);
        HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(req));
        ctx.writeAndFlush(r);
    }

    private byte[] hlsJs() {
        byte[] b = hlsJs;
        if (b == null) {
            try (InputStream in = HttpDeliveryHandler.class.getClassLoader().getResourceAsStream(HLS_JS)) {
                b = in == null ? "console.error('hls.js is not on the class path');".getBytes(StandardCharsets.UTF_8) : in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            hlsJs = b;
        }
        return b;
    }
}
