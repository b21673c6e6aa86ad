package io.sluice.codec.ffmpeg;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the shared test media (see shared/DATA.md). */
final class TestMedia {
    static final String BBB = "bbb_480p_30s_h264_aac51.mp4";
    static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";
    static final String FLOWER = "flower_960x540_5s_h264_aac.mp4";
    static final String FRIDAY = "friday_640x480_6s_h264_aac.mp4";
    static final String TOS = "tos_battle_800x332_30s_vp8_vorbis.webm";

    private TestMedia() {
    }

    static Path path(String name) {
        String dir = System.getProperty("sluice.shared.dir");
        if (dir == null) {
            throw new IllegalStateException("system property sluice.shared.dir is not set (the root pom sets it for surefire)");
        }
        Path p = Path.of(dir, "media", name);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing test media: " + p);
        }
        return p;
    }

    static String input(String name) {
        return path(name).toString();
    }
}
