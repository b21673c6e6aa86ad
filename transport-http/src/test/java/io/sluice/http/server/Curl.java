package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real {@code curl} (Debian's, with nghttp2) as an HTTP/1.1 and HTTP/2 client for tests: one request per
 * call, the negotiated protocol read from {@code %{http_version}}.
 */
public final class Curl {
    /** What curl got. */
    public record Response(String httpVersion, int status, String headers, byte[] body) {
        /** The body as UTF-8. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** A response header's value (case-insensitive name), or {@code null}. */
        public String header(String name) {
            for (String line : headers.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    private Curl() {
    }

    /**
     * Runs {@code curl -sS <args> <url>} and returns what it got.
     *
     * @param args options such as {@code --http2-prior-knowledge}, {@code --http2}, {@code -k}, {@code -X POST}
     * @throws AssertionError if curl fails or takes longer than 30 s
     */
    public static Response get(String url, String... args) throws IOException, InterruptedException {
        Path body = Files.createTempFile("curl-body", ".bin");
        Path headers = Files.createTempFile("curl-headers", ".txt");
        try {
            List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "30", "-o", body.toString(),
                    "-D", headers.toString(), "-w", "%{http_version} %{http_code}"));
            cmd.addAll(List.of(args));
            cmd.add(url);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertTrue(p.waitFor(40, TimeUnit.SECONDS), "curl did not end");
            assertEquals(0, p.exitValue(), "curl " + String.join(" ", cmd) + ": " + out);
            String[] w = out.split(" ");
            return new Response(w[0], Integer.parseInt(w[1]), Files.readString(headers, StandardCharsets.ISO_8859_1),
                    Files.readAllBytes(body));
        } finally {
            Files.deleteIfExists(body);
            Files.deleteIfExists(headers);
        }
    }

    /** Whether {@code curl} is installed with HTTP/2 (nghttp2). */
    public static boolean hasHttp2() {
        try {
            Process p = new ProcessBuilder("curl", "-V").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 && v.contains("HTTP2");
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
