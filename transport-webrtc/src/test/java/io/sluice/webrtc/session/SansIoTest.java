package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The engine package stays sans-IO: no clock read, thread, executor or socket in its sources. */
@DisplayName("io.sluice.webrtc.session reads no clock, starts no thread, touches no socket")
class SansIoTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "System\\.(nanoTime|currentTimeMillis)|Instant\\.now|Clock\\.system|InstantSource\\.system|\\.nanoTime\\(\\)"
                    + "|new Thread|Executor|import java\\.net\\.|import java\\.nio\\.channels|import io\\.netty\\.channel");

    @Test
    void noClockThreadOrSocket() throws IOException {
        Path dir = Path.of("src/main/java/io/sluice/webrtc/session");
        assertTrue(Files.isDirectory(dir), "run from the module directory: " + dir.toAbsolutePath());
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    String code = lines.get(i).replaceAll("^\\s*\\*.*|//.*", "");
                    if (FORBIDDEN.matcher(code).find()) {
                        found.add(f.getFileName() + ":" + (i + 1) + ": " + lines.get(i).trim());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
