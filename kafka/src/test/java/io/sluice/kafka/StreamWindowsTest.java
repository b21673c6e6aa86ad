package io.sluice.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.events.SessionInfo;
import io.sluice.core.hub.StreamSnapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamWindowsTest {
    static final long S = 1_000_000_000L;
    static final SessionInfo RTMP = new SessionInfo("rtmp", "192.0.2.1:1");

    static StreamSnapshot stream(String name, long publisherId, long bytes, int viewers) {
        List<StreamSnapshot.Session> v = new ArrayList<>();
        for (int i = 0; i < viewers; i++) {
            v.add(new StreamSnapshot.Session(100 + i, RTMP, 0, 0, 0));
        }
        return new StreamSnapshot(name, List.of(), publisherId == 0 ? Optional.empty()
                : Optional.of(new StreamSnapshot.Session(publisherId, RTMP, 0, 0, bytes)), v);
    }

    @Test
    void bitrateAndViewersCoverOnlyTheLast10Seconds() {
        StreamWindows w = new StreamWindows(10 * S, 100);
        // 1 Mbit/s for 10 s, then 2 Mbit/s: 125000 then 250000 bytes per second
        long bytes = 0;
        for (int t = 0; t <= 20; t++) {
            w.sample(t * S, List.of(stream("a", 1, bytes, t <= 10 ? 1 : 3)));
            bytes += t < 10 ? 125_000 : 250_000;
        }
        StreamWindow a = w.aggregates(20 * S).get(0);
        assertEquals(10 * S, a.spanNanos(), "samples at 10..20 s");
        assertEquals(2_000_000, a.ingestBitrateBps());
        assertEquals(3, a.viewersNow());
        assertEquals(3, a.viewersMax());
        assertEquals((1 + 10 * 3) / 11.0, a.viewersAvg(), 1e-9);
        assertTrue(a.live());
        assertEquals(-1, a.p95LatencyUs(), "no latency reported: unknown");
    }

    @Test
    void aNewPublisherRestartsItsCounterWithoutANegativeRate() {
        StreamWindows w = new StreamWindows(10 * S, 100);
        w.sample(0, List.of(stream("a", 1, 1_000_000, 0)));
        w.sample(1 * S, List.of(stream("a", 1, 1_125_000, 0)));
        w.sample(2 * S, List.of(stream("a", 2, 125_000, 0))); // replaced: the new one sent 125000 since it began
        assertEquals(1_000_000, w.aggregates(2 * S).get(0).ingestBitrateBps());
        w.sample(3 * S, List.of(stream("a", 0, 0, 2)));
        StreamWindow a = w.aggregates(3 * S).get(0);
        assertFalse(a.live());
        assertEquals(2, a.viewersNow());
    }

    @Test
    void p95LatencyAndFreezesAgeOutAndIdleStreamsAreForgotten() {
        StreamWindows w = new StreamWindows(10 * S, 1000);
        for (int i = 1; i <= 100; i++) {
            w.latency("a", 0, i * 1000L); // 1..100 ms at t=0
        }
        w.freeze("a", 0);
        w.freeze("a", 5 * S);
        w.sample(5 * S, List.of(stream("a", 1, 0, 1)));
        StreamWindow a = w.aggregates(9 * S).get(0);
        assertEquals(95_000, a.p95LatencyUs(), "nearest rank of 1..100 ms");
        assertEquals(100, a.latencySamples());
        assertEquals(2, a.freezes());
        a = w.aggregates(11 * S).get(0);
        assertEquals(-1, a.p95LatencyUs(), "the latencies from t=0 left the window");
        assertEquals(1, a.freezes());
        assertTrue(w.aggregates(16 * S).isEmpty(), "nothing in the window: the stream is forgotten");
        assertThrows(IllegalArgumentException.class, () -> w.latency("a", 0, -1));
        assertThrows(IllegalArgumentException.class, () -> new StreamWindows(0, 1));
    }
}
