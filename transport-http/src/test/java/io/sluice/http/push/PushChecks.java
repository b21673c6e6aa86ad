package io.sluice.http.push;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sluice.core.hub.StreamHub;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the push tests share: waiting, fetching, running ffmpeg/ffprobe, reading a media playlist. */
final class PushChecks {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    private PushChecks() {
    }

    record Proc(int code, String out, String err) {
    }

    static Proc run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "still running: " + String.join(" ", cmd));
        return new Proc(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code check} every 100 ms until it is true; fails with {@code what} (and its last value) after {@code seconds}. */
    static void await(int seconds, Callable<Boolean> check, Callable<String> what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!check.call()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + seconds + " s: " + what.call());
            }
            Thread.sleep(100);
        }
    }

    static void awaitPublished(StreamHub hub, String stream) throws Exception {
        await(20, () -> hub.tracks(stream).isPresent(), () -> stream + " never published");
    }

    private static final Pattern SEG = Pattern.compile("(?m)^seg-(\\d+)\\.m4s$");

    /** The media sequence numbers a media playlist names, in order. */
    static List<Long> segments(String mediaPlaylist) {
        Matcher m = SEG.matcher(mediaPlaylist);
        java.util.ArrayList<Long> list = new java.util.ArrayList<>();
        while (m.find()) {
            list.add(Long.parseLong(m.group(1)));
        }
        return list;
    }
}
