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
 * <li><b>Up</b> one rung when {@code rungBps[next] ≤ }{@value #UP_HEADROOM}{@code × estimate} and a
 *     <b>padding trial</b> confirms it: the caller pads the viewer's path up to the next rung's bitrate
 *     ({@link #paddingBps}; media counts towards it) for {@link #trialUs} (about 1 s for a 600 kbit/s rung), and the
 *     selector goes up at the first estimate after that (or at the first {@link #poll} {@link #TRIAL_GRACE_US} after it,
 *     when an estimate of the trial's second half carried the rung). An estimate under the next rung's bitrate during the trial
 *     (the path did not carry it: overuse, loss) ends it as a
 *     failed probe (the wait before the next doubles). A viewer on a lower rung sends less than its estimate
 *     (application-limited), and a send-side controller does not raise its estimate far beyond what it sends
 *     (GCC's ALR cap: 1.2 × the acknowledged rate), so the estimate alone rarely shows room for a rung that is
 *     1.5–2 × the current one. Hence <b>probing</b>: at most every {@link #probeIntervalUs()} ({@link #MIN_PROBE_INTERVAL_US}; doubled
 *     after each probe that did not lead up, up to {@link #MAX_PROBE_INTERVAL_US}, now the same, since a wait that
 *     grows delays the way up once capacity returns; {@link #HOLD_AFTER_DOWN_US} after a down-switch; only
 *     {@link #PROGRESS_PROBE_INTERVAL_US} after an up-switch and after a probe that raised the estimate by
 *     {@link #PROGRESS_RATIO} without showing room yet), {@link #poll} answers a
 *     probe rate of {@value #PROBE_SCALE} × what the next rung needs; the caller hands it to the controller (a
 *     probe cluster of padding or RTX, which costs the viewer nothing it cannot carry), and the estimate it
 *     measures decides whether a trial starts. Why the trial: a token-bucket shaper (tbf, an ISP's or a cellular
 *     policer) lets a probe cluster smaller than its bucket through at the cluster's own rate. With clusters of
 *     15 ms a probe at 2 × a 400 kbit/s path measured ~800 kbit/s, the viewer went up to a 553 kbit/s rung,
 *     overflowed the queue and fell two rungs: 17-22 switches a minute in simulation and behind the ten-viewer
 *     bench's tbf. The probe asked for here lasts 150 ms ({@code ProbeController.REQUESTED_PROBE_DURATION_US}),
 *     more than a bucket of a few kB hides, but not an ISP's of hundreds. Padding at the next rung's bitrate for
 *     about a second drains such a bucket too, and the controller's overuse detection answers before the viewer's
 *     picture depends on it. (libwebrtc probes at a
 *     simulcast sender's new total allocation, {@code ProbeController::OnMaxTotalAllocatedBitrate}; Jitsi's
 *     bridge pads up to its ideal layer before choosing it.)</li>
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
    /** The wait before the first probe and after each probe (doubled after one that did not lead up, up to the maximum), µs. */
    public static final long MIN_PROBE_INTERVAL_US = 3_000_000;
    /**
     * The longest wait between probes (and padding trials), µs; as {@link #MIN_PROBE_INTERVAL_US}, so a wait does not
     * grow. It cannot: when a path's capacity comes back the viewer waits out the rest of it, then a probe, a padding
     * trial ({@link #trialUs}, ~1.1 s for a 553 kbit/s rung) and the rung's keyframe, and "up within 5 s" needs
     * that wait under ~3 s. With 30 s, Chromium viewers behind tbf took 7.8-11.8 s or more than 20 s to go up after
     * 0.35 → 1 Mbit/s; with 10 s, 7-17 s; with 5 s, 3.5-8.3 s ({@code WhepLadderViewersBench}, session 17). In
     * simulation ({@code UpDelaySweep}: the rise at 40 rise times 125 ms apart, keyframes asked for as
     * {@code WhepSession} does, and the trial's {@link #TRIAL_GRACE_US}) 5 s went up within 5 s in 28 of 40 (the longest 7.7 s), 3 s in 39 of 40 (5.1 s). The
     * price is the failed trials on a path that rightly does not carry the next rung: 14-16 a minute instead of 8-10
     * at 300-500 kbit/s behind a 5,000-octet bucket, no more loss (0.04 % at 300 kbit/s, was 0.09 %), the 95th
     * percentile queue 20 ms longer at 350-400 kbit/s (157 and 95 ms). Since the probe asked for lasts 150 ms
     * instead of 15 (session 20) most of those trials do not start: 0-1 a minute at 300-450 kbit/s, the queue's 95th
     * percentile 139/95/53/33 ms at 300/350/400/450 kbit/s (was 213/157/95/163), up within 5 s in 40 of 40 (median 3.2
     * s); at 500 kbit/s 8 trials (6 failed) and 138 ms instead of 35, where a 795 kbit/s probe puts only ~5.5 kB
     * more than the path carries into the 5,000-octet bucket.
     */
    public static final long MAX_PROBE_INTERVAL_US = 3_000_000;
    /**
     * A probe after which the estimate rose to at least this × what it was when the probe was asked for made
     * progress: the next probe follows {@link #PROGRESS_PROBE_INTERVAL_US} later, and the wait is not doubled.
     */
    public static final double PROGRESS_RATIO = 1.2;
    /**
     * The wait after a probe that made progress, or after a padding trial that took the viewer up, µs. After a trial
     * that held, the path may carry the rung above as well (capacity came back): with {@link #MIN_PROBE_INTERVAL_US}
     * there, a viewer that had to climb two rungs (180p → 360p after 0.2 → 1 Mbit/s) went up a median 7.7 s after
     * the rise, never within 5 s, in simulation ({@code UpDelaySweep -Dlow=200000}); with this, 5.8 s, 14 of 40 within
     * 5 s, the failed trials on constant paths unchanged (a trial follows only an up-switch). A probe on a path just freed measures less than its rate (at
     * 795 kbit/s on a 1 Mbit/s tbf path Chromium's feedback gave 556 kbit/s, from 362), and with the doubled wait the
     * next one came 5 s later: a viewer went up 8.3 s after the 0.35 → 1 Mbit/s step ({@code WhepLadderViewersBench}).
     */
    public static final long PROGRESS_PROBE_INTERVAL_US = 1_000_000;
    /** Below this share of the current rung's bitrate the estimate takes the viewer down at once. */
    public static final double DOWN_AT_ONCE = 0.8;
    /** An estimate under the current rung's bitrate (but not under {@link #DOWN_AT_ONCE} of it) takes the viewer down after this long, µs. */
    public static final long DOWN_AFTER_US = 1_500_000;
    /** No probe for this long after a down-switch, µs. */
    public static final long HOLD_AFTER_DOWN_US = 5_000_000;
    /**
     * A padding trial lasts as long as this many bits take at the rung's bitrate ({@link #trialUs}), within
     * {@link #MIN_TRIAL_US} and {@link #MAX_TRIAL_US}: 600 kbit, 62 full-size packets, so that GCC's trendline
     * (20 packets) sees the queue grow if the path does not carry the rung, and a shaper's bucket (tbf's 5,000
     * octets here; 1.1 s at 553 kbit/s on a 400 kbit/s path) is drained.
     */
    public static final long TRIAL_BITS = 600_000;
    /** The shortest padding trial, µs. */
    public static final long MIN_TRIAL_US = 300_000;
    /** The longest padding trial, µs. */
    public static final long MAX_TRIAL_US = 2_000_000;
    /**
     * A padding trial whose last estimate came in its second half and carried the rung succeeds this long after its
     * end at the next {@link #poll}, without waiting for a further estimate, µs. A controller whose estimate is flat
     * reports it about once a second (GCC's ALR-limited increase), and the trial's end waited for it: up to 1 s more
     * before the switch. An overuse the trial's padding caused shows in the feedback within one feedback interval and
     * RTT of its end, hence the grace (simulation, {@code UpDelaySweep}: median 4.5 → 3.9 s up after a rise, the
     * failed trials on constant paths unchanged).
     */
    public static final long TRIAL_GRACE_US = 250_000;
    /** A trial that has had no estimate this long after its end fails (and padding stops), µs. */
    public static final long TRIAL_TIMEOUT_US = 2_000_000;

    private final long[] rungBps;
    private int current;
    private int forced = -1;
    private long probeIntervalUs = MIN_PROBE_INTERVAL_US;
    private long nextProbeUs;
    private long lastDownUs = Long.MIN_VALUE;
    /** Since when the estimate has been under the current rung's bitrate, µs; MIN_VALUE while it is not. */
    private long underSinceUs = Long.MIN_VALUE;
    private boolean probing;
    /** The estimate when the pending probe was asked for, bit/s. */
    private long estimateAtProbeBps;
    private long lastEstimateBps;
    private long lastEstimateUs = Long.MIN_VALUE;
    private long switches;
    /** The rung on trial (padding at its bitrate), -1 when none. */
    private int trialRung = -1;
    private long trialStartUs;
    /** After a failed trial, no new one before the next probe is due, µs. */
    private long noTrialBeforeUs = Long.MIN_VALUE;
    private long trials;
    private long failedTrials;

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
        lastEstimateBps = estimateBps;
        lastEstimateUs = nowUs;
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
            if (trialRung >= 0) {
                trialRung = -1;
                failedTrials++;
            }
            moveTo(to);
        } else if (current > 0 && trialRung < 0
                && (noTrialBeforeUs == Long.MIN_VALUE || nowUs - noTrialBeforeUs >= 0)
                && rungBps[current - 1] <= UP_HEADROOM * estimateBps) {
            trialRung = current - 1; // room shown: now the path must carry it
            trialStartUs = nowUs;
            trials++;
            probing = false;
        } else if (probing && estimateAtProbeBps > 0 && estimateBps >= PROGRESS_RATIO * estimateAtProbeBps) {
            probing = false; // progress: probe again soon, without doubling the wait
            if (before(nowUs + PROGRESS_PROBE_INTERVAL_US, nextProbeUs)) {
                nextProbeUs = nowUs + PROGRESS_PROBE_INTERVAL_US;
            }
        } else if (trialRung >= 0) {
            long trialUs = trialUs(rungBps[trialRung]);
            if (estimateBps < rungBps[trialRung] || nowUs - trialStartUs >= trialUs + TRIAL_TIMEOUT_US) {
                failTrial(nowUs);
            } else if (nowUs - trialStartUs >= trialUs) {
                succeedTrial(nowUs);
            }
        }
        return current;
    }

    /**
     * Periodic check (the caller calls it with each video frame): whether to probe for the next rung up now; also
     * ends a padding trial that held ({@link #TRIAL_GRACE_US}), after which {@link #current()} is one rung higher.
     *
     * @param nowUs now, µs
     * @return the probe rate to ask the controller for, bit/s, or 0 for none
     */
    public long poll(long nowUs) {
        if (forced < 0 && trialRung >= 0) {
            long trialUs = trialUs(rungBps[trialRung]);
            if (nowUs - trialStartUs >= trialUs + TRIAL_GRACE_US && lastEstimateUs - trialStartUs >= trialUs / 2) {
                succeedTrial(nowUs);
            }
            return 0;
        }
        if (forced >= 0 || current == 0 || nowUs - nextProbeUs < 0) {
            return 0;
        }
        if (probing) { // the last probe did not take us up: wait longer before the next
            probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
        }
        probing = true;
        estimateAtProbeBps = lastEstimateBps;
        nextProbeUs = nowUs + probeIntervalUs;
        return (long) (PROBE_SCALE * rungBps[current - 1] / UP_HEADROOM);
    }

    /**
     * No probe and no padding trial before {@code untilUs} (a trial running now ends, not counted as failed): the
     * caller's path is busy with something it must not disturb, such as a viewer's join (the GOP cache draining at
     * little over the rung's rate; a trial's padding on top of it filled a 300 kbit/s path's queue for 4 s).
     * Going down is not held.
     *
     * @param untilUs until when, µs
     */
    public void holdUp(long untilUs) {
        trialRung = -1;
        if (before(nextProbeUs, untilUs)) {
            nextProbeUs = untilUs;
        }
        if (noTrialBeforeUs == Long.MIN_VALUE || before(noTrialBeforeUs, untilUs)) {
            noTrialBeforeUs = untilUs;
        }
    }

    /** Whether time {@code a} is before time {@code b}, µs (wrap-safe). */
    private static boolean before(long a, long b) {
        return a - b < 0;
    }

    /** A padding trial that held: up one rung; the next probe after {@link #PROGRESS_PROBE_INTERVAL_US}. */
    private void succeedTrial(long nowUs) {
        trialRung = -1;
        nextProbeUs = nowUs + PROGRESS_PROBE_INTERVAL_US;
        probeIntervalUs = MIN_PROBE_INTERVAL_US;
        moveTo(current - 1);
    }

    /** A trial that did not show room: as a probe that did not lead up, the wait before the next doubles. */
    private void failTrial(long nowUs) {
        trialRung = -1;
        failedTrials++;
        probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
        nextProbeUs = nowUs + probeIntervalUs;
        noTrialBeforeUs = nextProbeUs;
    }

    /**
     * The padding rate the caller should fill the viewer's path up to now (media counts towards it), bit/s: while
     * a padding trial runs, the bitrate of the rung on trial; else 0. A trial that gets
     * no estimate ends at the first one after {@link #trialUs} + {@link #TRIAL_TIMEOUT_US}; the caller should
     * also stop padding then, hence the time argument.
     *
     * @param nowUs now, µs
     * @return the padding rate, bit/s, or 0 for none
     */
    public long paddingBps(long nowUs) {
        if (trialRung < 0 || forced >= 0 || nowUs - trialStartUs >= trialUs(rungBps[trialRung]) + TRIAL_TIMEOUT_US) {
            return 0;
        }
        return rungBps[trialRung];
    }

    /**
     * How long a padding trial for a rung lasts: {@link #TRIAL_BITS} at its bitrate, within {@link #MIN_TRIAL_US}
     * and {@link #MAX_TRIAL_US}.
     *
     * @param rungBps the rung's bitrate, bit/s
     * @return µs
     */
    public static long trialUs(long rungBps) {
        return Math.max(MIN_TRIAL_US, Math.min(MAX_TRIAL_US, TRIAL_BITS * 1_000_000 / rungBps));
    }

    /** The rung on trial (index), or -1 when no padding trial runs. */
    public int trialRung() {
        return trialRung;
    }

    /** Padding trials started. */
    public long trials() {
        return trials;
    }

    /** Padding trials that ended without going up (the estimate fell short, a down-switch, or the timeout). */
    public long failedTrials() {
        return failedTrials;
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
        trialRung = -1;
        if (rung >= 0) {
            moveTo(rung);
        }
        return current;
    }

    /**
     * The caller could not switch to the chosen rung (its keyframe did not come) and stays on {@code rung}: the
     * selector takes that as the current rung, without counting a switch, and waits twice
     * {@link #MIN_PROBE_INTERVAL_US} (at least) before probing again.
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
        trialRung = -1;
        probeIntervalUs = Math.min(MAX_PROBE_INTERVAL_US, probeIntervalUs * 2);
        nextProbeUs = nowUs + Math.max(probeIntervalUs, 2 * MIN_PROBE_INTERVAL_US); // the rung's source, not the path
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
