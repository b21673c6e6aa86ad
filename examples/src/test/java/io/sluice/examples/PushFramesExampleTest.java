package io.sluice.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PushFramesExampleTest {
    @TempDir
    Path dir;

    @Test
    void everyPushedFrameIsEncodedWhenTheSourceIsNotLive() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Path out = dir.resolve("push.mp4");
        PushFramesExample.main(new String[] {out.toString()});
        Process p = new ProcessBuilder("/usr/bin/ffprobe", "-v", "error", "-count_frames", "-select_streams", "v",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", out.toString()).redirectErrorStream(true).start();
        String frames = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor() == 0 && frames.equals("150"), "ffprobe: " + frames);
    }
}
