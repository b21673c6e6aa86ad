package io.sluice.abr.rate;

import java.util.Arrays;

/**
 * Chooses, for one viewer, which rung of a stream's ladder (or which simulcast layer) to play, from the viewer's
 * bandwidth estimate: the highest rung that fits, with headroom on the way up, a probe of the path before each step
 * up, and hysteresis against flapping. The caller switches at the chosen rung's next keyframe. Sans-IO: time and
 * the estimate are arguments; not thread-safe.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Down</b> when the estimate falls under {@value #DOWN_AT_ONCE} × the current rung's bitrate, at once, or
 *     stays under the bitrate itself for {@link #DOWN_AFTER_US}: to the highest rung with
 *     {@code rungBps ≤ estimate} (the lowest if none), the highest the estimate lets it keep by this rule. (With
 *     the headroom of the way up it went one rung too far: a viewer whose up-switch had been chosen but not yet
 *     played, when the ALR cap brought the estimate back to 1.2 × what its rung sends, fell two rungs.) A congestion controller that
 *     measures an overuse sets its target under what was acknowledged (GCC: 0.85 ×), so a real drop in capacity
 *     moves the viewer within one controller update, while a cut after one keyframe's queue (GCC recovers from it
 *     within a second or two) does not. Down-switches within
 *     {@link #HOLD_AFTER_DOWN_US} of each other double the wait before the next probe (see below).</li>
 * <li><b>Up</b> one rung when {@code rungBps[next] ≤ }{@value #UP_HEADROOM}{@code × estimate}. A viewer on a lower
 *     rung sends less than its estimate (application-limited), and a send-side controller does not raise its
 *     estimate far beyond what it sends (GCC's ALR cap: 1.2 × the acknowledged rate), so the estimate alone rarely
 *     shows room for a rung that is 1.5–2 × the current one. Hence <b>probing</b>: at most every
 *     {@link #probeIntervalUs()} (first {@link #MIN_PROBE_INTERVAL_US} after a switch or a probe, doubled after each
 *     probe that did not lead up, up to {@link #MAX_PROBE_INTERVAL_US}; {@link #HOLD_AFTER_DOWN_US} after a
 *     down-switch), {@link #poll} answers a probe rate of {@value #PROBE_SCALE} × what the next rung needs
 *     ({@code rungBps[next] / UP_HEADROOM}); the caller hands it to the controller (padding or RTX in a probe
 *     cluster, which costs the viewer nothing it cannot carry), and the estimate it measures decides.
 *     (libwebrtc probes at a simulcast sender's new total allocation, {@code ProbeController::OnMaxTotalAllocatedBitrate};
 *     Jitsi's bridge pads up to its ideal layer before choosing it.)</li>
 * <li>A <b>manual</b> choice ({@link #force}) overrides the estimate until cleared.</li>
 * </ul>
 *
 * <p>Rungs are indexed highest first (index 0 is the top, as in {@code RenditionLadder.Lease#rungs()}); bitrates in
 * bit/s, times in µs on any monotonic clock.
 */
public final class RungSelector {
    /** A rung is chosen going up when its bitrate is at most this share of the estimate. */
    public static final double UP_HEADROOM = 0.8;
    /** A probe asks for this × the next rung's need ({@code rungBps / UP_HEADROOM}): a probe measures a little under its rate. */
    public static final double PROBE_SCALE = 1.15;
    /** The first wait between probes (after a switch up or a successful probe), µs. */
    public static final long MIN_PROBE_INTERVAL_US = 3_000_000;
    /** The longest wait between probes, µs. */
    public static final long MAX_PROBE_INTERVAL_US = 30_000_000;
    /** Below this share of the current rung's bitrate the estimate takes the viewer down at once. */
    public static final double DOWN_AT_ONCE = 0.8;
    /** An estimate under the current rung's bitrate (but not under {@link #DOWN_AT_ONCE} of it) takes the viewer down after this long, µs. */
    public static final long DOWN_AFTER_US = 1_500_000;
    /** No probe for this long after a down-switch, µs. */
    public static final long HOLD_AFTER_DOWN_US = 5_000_000;

    private final long[] rungBps;
    private int current;
    private int forced = -1;
    private long probeIntervalUs = MIN_PROBE_INTERVAL_US;
    private long nextProbeUs;
    private long lastDownUs = Long.MIN_VALUE;
    /** Since when the estimate has been under the current rung's bitrate, µs; MIN_VALUE while it is not. */
    private long underSinceUs = Long.MIN_VALUE;
    private boolean probing;
    private long switches;

    /**
     * @param rungBps  each rung's bitrate, bit/s, highest rung first (strictly decreasing, &gt; 0)
     * @param initial  the rung to start on
     * @param nowUs    now, µs
     * @throws IllegalArgumentException if the bitrates are empty, not &gt; 0 or not decreasing, or {@code initial}
     *                                  is out of range
     */
    public RungSelector(long[] rungBps, int initial, long nowUs) {
        if (rungBps.length == 0) {
            throw new IllegalArgumentException("rungBps: empty");
        }
        for (int i = 0; i < rungBps.length; i++) {
            if (rungBps[i] <= 0 || (i > 0 && rungBps[i] >= rungBps[i - 1])) {
                throw new IllegalArgumentException("rungBps: " + Arrays.toString(rungBps)
                        + " (expected: > 0, highest first, strictly decreasing)");
            }
        }
        if (initial < 0 || initial >= rungBps.length) {
            throw new IllegalArgumentException("initial: " + initial + " (expected: 0.." + (rungBps.length - 1) + ")");
        }
        this.rungBps = rungBps.clone();
        this.current = initial;
        this.nextProbeUs = nowUs + MIN_PROBE_INTERVAL_US;
    }

    /**
     * The highest rung that fits an estimate with headroom ({@code rungBps ≤ UP_HEADROOM × estimate}), the lowest
     * if none does: where a viewer starts.
     *
     * @param rungBps    bitrates, highest first
     * @param estimateBps the estimate, bit/s
     * @return the rung index
     */
    public static int fitting(long[] rungBps, long estimateBps) {
        for (int i = 0; i < rungBps.length; i++) {
            if (rungBps[i] <= UP_HEADROOM * estimateBps) {
                return i;
            }
        }
        return rungBps.length - 1;
    }

    /** The highest rung whose bitrate is at most the estimate, the lowest if none. */
    private int carried(long estimateBps) {
        for (int i = 0; i < rungBps.length; i++) {
            if (rungBps[i] <= estimateBps) {
                return i;
            }
        }
        return rungBps.length - 1;
    }

    /**
     * A new estimate from the viewer's controller.
     *
     * @param nowUs       now, µs
     * @param estimateBps the controller's target, bit/s
     * @return the rung to play now (switch at its next keyframe if it differs from the one playing)
     */
    public int onEstimate(long nowUs, long estimateBps) {
        if (forced >= 0) {
            return forced;
        }
        if (estimateBps >= rungBps[current]) {
            underSinceUs = Long.MIN_VALUE;
        } else if (underSinceUs == Long.MIN_VALUE) {
            underSinceUs = nowUs;
        }
        boolean down = estimateBps < DOWN_AT_ONCE * rungBps[current]
                || (underSinceUs != Long.MIN_VALUE && nowUs - underSinceUs >= DOWN_AFTER_US);
        if (down && current < rungBps.length - 1) {
            underSinceUs = Long.MIN_VALUE;
            int to = Math.max(current + 1, carried(estimateBps));
            if (lastDownUs != Long.MIN_VALUE && nowUs - lastDownUs < HOLD_AFTER_DOWN_US) {
                probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
            }
            lastDownUs = nowUs;
            nextProbeUs = Math.max(nextProbeUs, nowUs + Math.max(HOLD_AFTER_DOWN_US, probeIntervalUs));
            probing = false;
            moveTo(to);
        } else if (current > 0 && rungBps[current - 1] <= UP_HEADROOM * estimateBps) {
            probing = false;
            nextProbeUs = nowUs + MIN_PROBE_INTERVAL_US;
            probeIntervalUs = MIN_PROBE_INTERVAL_US;
            moveTo(current - 1);
        }
        return current;
    }

    /**
     * Periodic check: whether to probe for the next rung up now.
     *
     * @param nowUs now, µs
     * @return the probe rate to ask the controller for, bit/s, or 0 for none
     */
    public long poll(long nowUs) {
        if (forced >= 0 || current == 0 || nowUs - nextProbeUs < 0) {
            return 0;
        }
        if (probing) { // the last probe did not take us up: wait longer before the next
            probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
        }
        probing = true;
        nextProbeUs = nowUs + probeIntervalUs;
        return (long) (PROBE_SCALE * rungBps[current - 1] / UP_HEADROOM);
    }

    /**
     * A manual choice (a viewer's quality menu), or automatic again.
     *
     * @param rung the rung index, or -1 for automatic
     * @return the rung to play now
     * @throws IllegalArgumentException if out of range
     */
    public int force(int rung) {
        if (rung < -1 || rung >= rungBps.length) {
            throw new IllegalArgumentException("rung: " + rung + " (expected: -1..." + (rungBps.length - 1) + ")");
        }
        forced = rung;
        if (rung >= 0) {
            moveTo(rung);
        }
        return current;
    }

    /**
     * The caller could not switch to the chosen rung (its keyframe did not come) and stays on {@code rung}: the
     * selector takes that as the current rung, without counting a switch, and waits {@link #probeIntervalUs()}
     * (doubled) before probing again.
     *
     * @param nowUs now, µs
     * @param rung  the rung still playing
     * @throws IllegalArgumentException if out of range
     */
    public void stayOn(long nowUs, int rung) {
        if (rung < 0 || rung >= rungBps.length) {
            throw new IllegalArgumentException("rung: " + rung + " (expected: 0.." + (rungBps.length - 1) + ")");
        }
        current = rung;
        probing = false;
        probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
        nextProbeUs = nowUs + probeIntervalUs;
    }

    private void moveTo(int rung) {
        if (rung != current) {
            current = rung;
            switches++;
        }
    }

    /** The rung chosen now (index, 0 = top). */
    public int current() {
        return current;
    }

    /** The manual choice, or -1 when automatic. */
    public int forced() {
        return forced;
    }

    /** How many times the choice changed. */
    public long switches() {
        return switches;
    }

    /** The current wait between probes, µs. */
    public long probeIntervalUs() {
        return probeIntervalUs;
    }

}
