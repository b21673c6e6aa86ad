package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Fetches one file of an npm package with {@code npm pack} (the npm registry; no CDN) for the browser tests. */
public final class NpmPackage {
    private NpmPackage() {
    }

    /**
     * @param spec  package and version, e.g. {@code dashjs@4.7.4}
     * @param file  path inside the package, e.g. {@code dist/dash.all.min.js}
     * @param dir   where to put it
     * @return the extracted file, {@code dir/<file name>}
     */
    public static Path fetch(String spec, String file, Path dir) throws Exception {
        Process p = new ProcessBuilder("npm", "pack", spec, "--silent", "--pack-destination", dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, "npm pack " + spec + ": " + out);
        Path tgz;
        try (var files = Files.list(dir)) {
            tgz = files.filter(f -> f.toString().endsWith(".tgz")).findFirst().orElseThrow();
        }
        int depth = file.split("/").length;
        Process x = new ProcessBuilder("tar", "xzf", tgz.toString(), "-C", dir.toString(), "--strip-components=" + depth,
                "package/" + file).redirectErrorStream(true).start();
        assertTrue(x.waitFor(60, TimeUnit.SECONDS) && x.exitValue() == 0, new String(x.getInputStream().readAllBytes()));
        Files.delete(tgz);
        return dir.resolve(Path.of(file).getFileName());
    }
}
