package io.sluice.core.time;

import java.util.Map;
import java.util.WeakHashMap;

/** Anchors a custom {@link Ticker}'s monotonic time to one wall-clock read, on first use. */
final class WallAnchor {
    private static final Map<Ticker, long[]> ANCHORS = new WeakHashMap<>();

    private WallAnchor() {
    }

    static long anchor(Ticker ticker) {
        long now = ticker.nanoTime();
        long[] a;
        synchronized (ANCHORS) {
            a = ANCHORS.computeIfAbsent(ticker, t -> new long[] {now, System.currentTimeMillis() * 1000L});
        }
        return a[1] + (now - a[0]) / 1000L;
    }
}
