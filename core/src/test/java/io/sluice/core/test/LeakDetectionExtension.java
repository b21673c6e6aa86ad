package io.sluice.core.test;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty's leak detector (level PARANOID, see the root pom) reports a
 * {@code ByteBuf} that was garbage-collected without being released. Registered for every test
 * through JUnit's extension auto-detection (META-INF/services in this test-jar).
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterEachCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new IllegalStateException("tests must run with -Dio.netty.leakDetection.level=paranoid (got "
                    + ResourceLeakDetector.getLevel() + ")");
        }
        ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(1);
        probe.release();
        LeakRecordingDetector.drain();
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        List<String> leaks = collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n\n", leaks));
        }
    }

    /** Runs the GC and lets the detector poll its reference queue (it does so on every new tracked buffer). */
    static List<String> collect() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(10);
            for (int j = 0; j < 8; j++) {
                ByteBufAllocator.DEFAULT.buffer(1).release();
                Unpooled.directBuffer(1).release();
            }
        }
        return LeakRecordingDetector.drain();
    }
}
