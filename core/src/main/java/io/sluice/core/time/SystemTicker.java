package io.sluice.core.time;

/** {@link System#nanoTime()}, anchored once to the wall clock. */
final class SystemTicker implements Ticker {
    static final SystemTicker INSTANCE = new SystemTicker();

    private final long anchorNanos = System.nanoTime();
    private final long anchorWallMicros = System.currentTimeMillis() * 1000L;

    private SystemTicker() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public long wallClockMicros() {
        return anchorWallMicros + (System.nanoTime() - anchorNanos) / 1000L;
    }

    @Override
    public String toString() {
        return "Ticker.system()";
    }
}
