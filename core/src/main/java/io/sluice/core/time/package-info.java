/**
 * Injected time: {@link io.sluice.core.time.Ticker} (monotonic ns plus an anchored wall clock) and
 * {@link io.sluice.core.time.ManualTicker} for simulated time in tests. No other Sluice code reads
 * {@link System#nanoTime()} or the wall clock where it can take a {@code Ticker}.
 */
package io.sluice.core.time;
