package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SluiceCliTest {
    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = SluiceCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String clip(String name) {
        return Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "media", name).toString();
    }

    @Test
    void streamsAClipToAFileAndExitsZero() throws Exception {
        Path out = dir.resolve("rabbit.mkv");
        Result r = run("stream", "--input", clip("bbb_rabbit_320x240_8s_h264_aac.mp4"), "--to", out.toString(),
                "--video-bitrate", "800k", "--gop", "1s", "--duration", "3s");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(out) > 10_000, "output written");
        assertTrue(r.err().contains("frame=") && r.err().contains("fps=") && r.err().contains("dropped=0"), r.err());
        assertTrue(r.err().contains(" -> file:" + out.toUri().getPath() + ": H264 320x240 "), r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.contains("TrackInfo{") || l.contains(" INFO ")), "no records, no log: " + r.err());
    }

    @Test
    void copyModeAndPatternInputWork() throws Exception {
        Path out = dir.resolve("copy.mp4");
        assertEquals(0, run("stream", "--input", clip("friday_640x480_6s_h264_aac.mp4"), "--to", out.toString(), "--copy", "--quiet").code());
        assertTrue(Files.size(out) > 100_000);
        Path pattern = dir.resolve("pattern.flv");
        assertEquals(0, run("stream", "--input", "pattern:320x240@15", "--to", pattern.toString(), "--duration", "1s", "--quiet").code());
        assertTrue(Files.size(pattern) > 1_000);
    }

    @Test
    void aMissingInputIsOneClearMessageAndExitCode1() {
        String missing = dir.resolve("nope.mp4").toString();
        Result r = run("stream", "--input", missing, "--to", dir.resolve("x.mp4").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("sluice: error: input '" + missing + "': avformat_open_input() returned"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    @Test
    void anInvalidBitrateIsAUsageError() {
        Result r = run("stream", "--input", "pattern", "--to", dir.resolve("x.mp4").toString(), "--video-bitrate", "fast");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Invalid value for option '--video-bitrate': 'fast' is not a bitrate"), r.err());
    }

    @Test
    void badAdaptiveBitrateOptionsAreUsageErrors() {
        Result r = run("stream", "--input", "pattern", "--to", dir.resolve("x.mp4").toString(), "--abr", "sometimes");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Invalid value for option '--abr': 'sometimes' (expected: on or off)"), r.err());
        r = run("stream", "--input", "pattern", "--to", dir.resolve("x.mp4").toString(), "--min-bitrate", "3M", "--max-bitrate", "1M");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Invalid adaptive bitrate bounds: minBitrateBps 3000000 > maxBitrateBps 1000000"), r.err());
        r = run("stream", "--input", "pattern", "--to", dir.resolve("x.mp4").toString(), "--abr", "off", "--max-bitrate", "1M");
        assertEquals(2, r.code());
    }

    @Test
    void theProgressLineShowsTheAdaptiveTargetForALiveRtmpStream() throws Exception {
        try (io.sluice.rtmp.server.RtmpServer server = io.sluice.rtmp.server.RtmpServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start()) {
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/abr";
            Result r = run("stream", "--input", "pattern:320x240@15", "--to", url, "--realtime", "--duration", "2s", "--max-bitrate", "400k");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("target=400kb/s") && r.err().contains("size=320x240"), r.err());
            r = run("stream", "--input", "pattern:320x240@15", "--to", url, "--realtime", "--duration", "1s", "--abr", "off");
            assertEquals(0, r.code(), r.err());
            assertTrue(!r.err().contains("target="), r.err());
        }
    }

    @Test
    void anUnknownSchemeNamesTheScheme() {
        Result r = run("stream", "--input", "pattern", "--to", "foo://host/x");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("no transport for scheme 'foo'"), r.err());
    }

    /** The one line every failure prints: asserted to be the whole of standard error. */
    static String oneErrorLine(Result r) {
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), "one line, got:\n" + r.err());
        assertTrue(lines.get(0).startsWith("sluice: error: "), r.err());
        return lines.get(0);
    }

    @Test
    void aRefusedConnectionIsOneLineNamingTheDestinationAndTheCause() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        String url = "rtmp://127.0.0.1:" + closed + "/live/x";
        Result r = run("stream", "--input", "pattern:320x240@15", "--to", url, "--duration", "1s");
        assertEquals(1, r.code());
        String line = oneErrorLine(r);
        assertTrue(line.contains("'" + url + "'") && line.contains("Connection refused"), line);
    }

    @Test
    void aMissingOutputDirectoryIsOneLine() {
        Path out = dir.resolve("no-such-dir/out.mp4");
        Result r = run("stream", "--input", "pattern:320x240@15", "--to", out.toString(), "--duration", "1s");
        assertEquals(1, r.code());
        String line = oneErrorLine(r);
        assertTrue(line.contains(out.toString()) && line.contains("avio_open() returned -2 (No such file or directory)"), line);
    }

    @Test
    void copyingVp8IntoMp4IsOneLineNamingContainerAndCodec() {
        Result r = run("stream", "--input", clip("tos_battle_800x332_30s_vp8_vorbis.webm"), "--to",
                dir.resolve("vp8.mp4").toString(), "--copy");
        assertEquals(1, r.code());
        String line = oneErrorLine(r);
        assertTrue(line.contains("the mp4 container cannot carry VP8 (track #0); re-encode it"), line);
    }

    @Test
    void anHttpPortInUseIsOneLineNamingAddressPortAndTheOptionToChange() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result r = run("serve", "--port", "0", "--http-port", Integer.toString(port), "--duration", "1s");
            assertEquals(1, r.code());
            assertEquals("sluice: error: cannot listen for HTTP on 127.0.0.1:" + port
                    + ": Address already in use; pick another port with --http-port", oneErrorLine(r));
            Result verbose = run("serve", "--port", "0", "--http-port", Integer.toString(port), "--duration", "1s", "-v");
            assertEquals(1, verbose.code());
            assertTrue(verbose.err().contains("\tat io.sluice.server.SluiceServer.start"), "--verbose adds the stack trace");
        }
    }

    @Test
    void aBadOptionValueIsOneLineWithoutTheUsage() {
        Result r = run("serve", "--port", "http");
        assertEquals(2, r.code());
        assertEquals("sluice: error: Invalid value for option '--port': 'http' is not an int (see 'sluice serve --help')",
                oneErrorLine(r));
        Result tokens = run("serve", "--port", "0", "--http-port", "0", "--token-file", dir.resolve("missing.txt").toString());
        assertEquals(2, tokens.code());
        assertTrue(oneErrorLine(tokens).contains("--token-file': " + dir.resolve("missing.txt") + " does not exist"), tokens.err());
    }

    @Test
    void pushOptionsParseOrFailInOneLine() {
        Result scheme = run("serve", "--port", "0", "--http-port", "0", "--push-url", "ftp://origin/live/");
        assertEquals(2, scheme.code());
        assertTrue(oneErrorLine(scheme).contains("--push-url' or '--push-header': base: 'ftp://origin/live/' (expected: an http://"),
                scheme.err());
        Result header = run("serve", "--port", "0", "--http-port", "0", "--push-url", "http://127.0.0.1:1/live", "--push-header", "nocolon");
        assertEquals(2, header.code());
        assertTrue(oneErrorLine(header).contains("header 'nocolon' (expected: <name>: <value>)"), header.err());
        Result ok = run("serve", "--port", "0", "--http-port", "0", "--duration", "1s", "--push-dir", dir.resolve("www").toString(),
                "--push-url", "http://127.0.0.1:1/live", "--push-header", "Authorization: Bearer s3cret");
        assertEquals(0, ok.code(), ok.err());
        assertTrue(ok.out().contains("pushed (HLS, DASH) to:    http://127.0.0.1:1/live/<stream>/index.m3u8"), ok.out());
        assertTrue(ok.out().contains("pushed (HLS, DASH) to:    " + dir.resolve("www") + "/<stream>/index.m3u8"), ok.out());
    }

    @Test
    void iceCandidatesParseOrFailInOneLine() {
        Result bad = run("serve", "--port", "0", "--http-port", "0", "--ice-candidate", "203.0.113.7");
        assertEquals(2, bad.code());
        assertEquals("sluice: error: Invalid value for option '--ice-candidate': '203.0.113.7' (expected <host>:<port>)"
                + " (see 'sluice serve --help')", oneErrorLine(bad));
        Result port = run("serve", "--port", "0", "--http-port", "0", "--ice-candidate", "203.0.113.7:99999");
        assertEquals(2, port.code());
        assertTrue(oneErrorLine(port).contains("ICE candidate port: 99999"), port.err());
        Result ok = run("serve", "--port", "0", "--http-port", "0", "--ice-candidate", "203.0.113.7:40000",
                "--ice-candidate", "[::1]:40001", "--duration", "1s");
        assertEquals(0, ok.code(), ok.err());
    }

    @Test
    void serveWithASelfSignedCertificatePrintsItsFingerprintAndTokenPlaceholders() {
        Result r = run("serve", "--port", "0", "--http-port", "0", "--tls-self-signed", "--publish-token", "s3cret",
                "--duration", "1s");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*TLS certificate SHA-256:  ([0-9A-F]{2}:){31}[0-9A-F]{2} .*"), r.out());
        assertTrue(r.out().contains("-f flv \"rtmps://127.0.0.1:") && r.out().contains("/live/<name>?token=<publish token>\""), r.out());
        assertTrue(r.out().contains("https://127.0.0.1:"), r.out());
        assertTrue(r.out().matches("(?s).*ffplay https://127\\.0\\.0\\.1:\\d+/hls/live/<name>/index\\.m3u8 .*")
                && r.out().matches("(?s).*DASH: +https://127\\.0\\.0\\.1:\\d+/dash/live/<name>/manifest\\.mpd\n.*"), r.out());
        assertTrue(r.err().lines().noneMatch(l -> l.contains("WARN")), "loopback: no warning\n" + r.err());
    }

    @Test
    void unitsParse() {
        assertEquals(2_500_000, Units.parseBitrate("2500k"));
        assertEquals(2_500_000, Units.parseBitrate("2.5M"));
        assertEquals(800_000, Units.parseBitrate("800000"));
        assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(120), Units.parseDuration("2m"));
        assertEquals(Duration.ofSeconds(10), Units.parseDuration("10"));
        assertEquals("00:01:02.345", Units.clock(62_345_000));
    }
}
