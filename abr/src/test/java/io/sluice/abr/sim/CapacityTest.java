package io.sluice.abr.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CapacityTest {
    @Test
    void rateScheduleServesAcrossAStep() {
        Capacity c = Capacity.steps(List.of(new long[] {0, 1_000_000}, new long[] {10_000, 2_000_000}));
        assertEquals(8_000, c.serve(0, 1000)); // 8000 bits at 1 Mbit/s
        // 10000 bits from 8 ms: 2000 at 1 Mbit/s until 10 ms, the other 8000 at 2 Mbit/s in 4 ms
        assertEquals(14_000, c.serve(8_000, 1250));
        assertEquals(3_000 + 2 * 5_000, c.capacityBits(7_000, 15_000), 1e-9);
    }

    @Test
    void mahimahiOpportunityCarries1500BytesOfWholePackets(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("trace");
        Files.write(f, List.of("1", "1", "3", "10"));
        Capacity c = Capacity.mahimahiTrace(f);
        assertEquals(1_000, c.serve(0, 1000));
        assertEquals(1_000, c.serve(500, 400)); // fits the same opportunity
        assertEquals(1_000, c.serve(800, 1000)); // the second opportunity at 1 ms
        assertEquals(3_000, c.serve(1_000, 1000));
        assertEquals(4 * 1500 * 8, c.capacityBits(0, 10_001), 1e-9);
    }

    @Test
    void dropTailBottleneckDropsPastTheQueueLimitAndDeliversInOrder() {
        EventLoop loop = new EventLoop();
        Bottleneck b = new Bottleneck(loop, Capacity.constant(1_000_000), 100_000); // 12.5 kB
        List<Long> departures = new ArrayList<>();
        int[] dropped = {0};
        for (int i = 0; i < 20; i++) {
            b.enqueue(1000, new Bottleneck.Listener() {
                @Override
                public void delivered(long arriveUs, long departUs) {
                    departures.add(departUs);
                }

                @Override
                public void dropped(long arriveUs) {
                    dropped[0]++;
                }
            });
        }
        loop.runUntil(1_000_000);
        assertEquals(12, departures.size());
        assertEquals(8, dropped[0]);
        for (int i = 0; i < departures.size(); i++) {
            assertEquals((i + 1) * 8_000L, departures.get(i));
        }
        assertEquals(12 * 8000, b.deliveredBits());
    }
}
