package io.sluice.core.test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {
    @Test
    void detectsAnUnreleasedBuffer() throws InterruptedException {
        leakOne();
        List<String> leaks = LeakDetectionExtension.collect();
        assertFalse(leaks.isEmpty(), "the detector must see a buffer that was never released");
        assertTrue(leaks.get(0).contains("LEAK"), leaks.get(0));
    }

    private static void leakOne() {
        ByteBufAllocator.DEFAULT.directBuffer(64).writeInt(1); // never released, on purpose
    }
}
