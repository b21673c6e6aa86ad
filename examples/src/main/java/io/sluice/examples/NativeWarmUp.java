package io.sluice.examples;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Loads the FFmpeg natives (JavaCPP's {@code org.bytedeco.ffmpeg.global} classes: the shared libraries out of its
 * cache, their JNI glue, the class initialisation) on a background thread while picocli parses the command line on
 * the main thread. Both are start-up work a {@code sluice stream} run always does, one after the other otherwise:
 * on two cores they overlap (see {@code benchmarks/README.md}, "Whole process").
 *
 * <p>The command that needs FFmpeg calls {@link #await()} before it touches any FFmpeg class, so only one thread
 * initialises JavaCPP classes at a time (JavaCPP's loader takes a global lock while the JVM's class-initialisation
 * locks are per class: two threads initialising different FFmpeg classes could wait for each other).
 */
final class NativeWarmUp {
    /** In dependency order, as the stream command's first FFmpeg calls initialise them. */
    private static final List<String> CLASSES = List.of("org.bytedeco.ffmpeg.global.avutil",
            "org.bytedeco.ffmpeg.global.swresample", "org.bytedeco.ffmpeg.global.avcodec",
            "org.bytedeco.ffmpeg.global.avformat");

    private static volatile CompletableFuture<Void> loading;

    private NativeWarmUp() {
    }

    /** Starts loading on a daemon thread named {@code sluice-native-load}; at most once per process. */
    static synchronized void start() {
        if (loading != null) {
            return;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                ClassLoader cl = NativeWarmUp.class.getClassLoader();
                for (String name : CLASSES) {
                    Class.forName(name, true, cl);
                }
                f.complete(null);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "sluice-native-load");
        t.setDaemon(true);
        loading = f;
        t.start();
    }

    /**
     * Waits for {@link #start()}'s loading to end; returns at once if it was never started. A failure to load is
     * not thrown here: the caller's own first FFmpeg call meets it again and reports it as it would without the
     * warm-up (e.g. no natives for this platform).
     */
    static void await() {
        CompletableFuture<Void> f = loading;
        if (f == null) {
            return;
        }
        try {
            f.join();
        } catch (CompletionException e) {
            // reported by the caller's first FFmpeg call, see above
        }
    }
}
