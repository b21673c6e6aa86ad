package io.sluice.abr.rate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RungSelector: down at once below the rung's bitrate, up one rung after a probe shows room and a padding trial holds it, backoff")
class RungSelectorTest {
    /** 720p, 480p, 360p, 240p of a 1280x720 ladder at 0.1 bit per pixel and frame. */
    static final long[] RUNGS = {2_764_800, 1_228_800, 691_200, 307_200};
    static final long S = 1_000_000;

    @Test
    void startsOnTheHighestRungThatFitsWithHeadroom() {
        assertEquals(0, RungSelector.fitting(RUNGS, 3_500_000));
        assertEquals(1, RungSelector.fitting(RUNGS, 3_400_000)); // 2.76 M > 0.8 × 3.4 M
        assertEquals(3, RungSelector.fitting(RUNGS, 100_000)); // none fits: the lowest
    }

    @Test
    void goesDownAtOnceToWhatFits() {
        RungSelector r = new RungSelector(RUNGS, 0, 0);
        assertEquals(0, r.onEstimate(S, 2_900_000));
        assertEquals(2, r.onEstimate(2 * S, 900_000)); // 360p (691 k) is the highest under 0.9 M
        assertEquals(1, r.switches());
        assertEquals(0, r.poll(2 * S + RungSelector.HOLD_AFTER_DOWN_US - 1), "no probe while held after a down-switch");
    }

    /** Up one rung through a padding trial: {@code estimate} until the trial is over, then once more. */
    static long up(RungSelector r, long t, long estimate) {
        int from = r.current();
        assertEquals(from, r.onEstimate(t, estimate), "a trial first");
        assertEquals(RUNGS[from - 1], r.paddingBps(t), "padding at the next rung's bitrate");
        long end = t + RungSelector.trialUs(RUNGS[from - 1]);
        assertEquals(from, r.onEstimate(end - 1, estimate), "not before the trial is over");
        assertEquals(from - 1, r.onEstimate(end, estimate));
        assertEquals(0, r.paddingBps(end));
        return end;
    }

    @Test
    void goesDownToTheRungTheEstimateCarriesNotWithUpHeadroom() {
        RungSelector r = new RungSelector(RUNGS, 1, 0);
        long t = up(r, S, 3_500_000); // a probe showed room: chosen, not yet played
        assertEquals(1, r.onEstimate(t + 500_000, 1_300_000)); // capped again: 480p (1.23 M) stays, not 360p
    }

    @Test
    void aPaddingTrialTheEstimateDoesNotHoldFailsAndBacksOff() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        assertEquals(2, r.onEstimate(S, 1_700_000)); // a probe through a shaper's bucket: room for 480p
        assertEquals(1, r.trialRung());
        assertEquals(RUNGS[1], r.paddingBps(S));
        assertEquals(0, r.poll(S + RungSelector.MIN_PROBE_INTERVAL_US), "no probe during a trial");
        assertEquals(2, r.onEstimate(S + 400_000, 1_100_000)); // the padding overused the path: under 480p
        assertEquals(-1, r.trialRung());
        assertEquals(0, r.paddingBps(S + 400_000));
        assertEquals(1, r.failedTrials());
        assertEquals(0, r.switches());
        assertEquals(Math.min(RungSelector.MAX_PROBE_INTERVAL_US, 2 * RungSelector.MIN_PROBE_INTERVAL_US),
                r.probeIntervalUs());
        assertEquals(2, r.onEstimate(S + 500_000, 1_700_000), "no new trial before the next probe is due");
        assertEquals(-1, r.trialRung());
    }

    @Test
    void aTrialWithoutEstimatesStopsPadding() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        r.onEstimate(S, 1_700_000);
        long end = S + RungSelector.trialUs(RUNGS[1]) + RungSelector.TRIAL_TIMEOUT_US;
        assertEquals(RUNGS[1], r.paddingBps(end - 1));
        assertEquals(0, r.paddingBps(end));
        assertEquals(2, r.onEstimate(end, 1_700_000));
        assertEquals(1, r.failedTrials());
    }

    @Test
    void holdUpStopsATrialAndDefersProbesAndTrialsButNotDownSwitches() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        r.onEstimate(S, 1_700_000);
        assertEquals(1, r.trialRung());
        r.holdUp(5 * S);
        assertEquals(-1, r.trialRung());
        assertEquals(0, r.paddingBps(S));
        assertEquals(0, r.failedTrials());
        assertEquals(2, r.onEstimate(2 * S, 1_700_000), "no trial while held");
        assertEquals(-1, r.trialRung());
        assertEquals(0, r.poll(4 * S), "no probe while held");
        assertEquals(3, r.onEstimate(3 * S, 300_000), "down is not held");
        RungSelector r2 = new RungSelector(RUNGS, 2, 0);
        r2.holdUp(5 * S);
        r2.onEstimate(5 * S, 1_700_000);
        assertEquals(1, r2.trialRung(), "a trial once the hold is over");
    }

    @Test
    void trialsLastLongerForLowRungs() {
        assertEquals(RungSelector.MIN_TRIAL_US, RungSelector.trialUs(2_500_000));
        assertEquals(1_085_000, RungSelector.trialUs(552_960), 1_000);
        assertEquals(RungSelector.MAX_TRIAL_US, RungSelector.trialUs(150_000));
    }

    @Test
    void aShallowDipGoesDownOnlyIfItLasts() {
        RungSelector r = new RungSelector(RUNGS, 0, 0);
        assertEquals(0, r.onEstimate(S, 2_500_000)); // under 2.76 M, over 0.8 × it: a keyframe's cut, perhaps
        assertEquals(0, r.onEstimate(2 * S, 2_900_000)); // recovered
        assertEquals(0, r.onEstimate(3 * S, 2_500_000));
        assertEquals(0, r.onEstimate(3 * S + RungSelector.DOWN_AFTER_US - 1, 2_600_000));
        assertEquals(1, r.onEstimate(3 * S + RungSelector.DOWN_AFTER_US, 2_600_000));
    }

    @Test
    void probesForTheNextRungAndGoesUpWhenTheEstimateShowsRoom() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        assertEquals(2, r.onEstimate(S, 830_000)); // capped at 1.2 × what 360p sends: no room for 480p
        assertEquals(0, r.poll(2 * S));
        long probe = r.poll(RungSelector.MIN_PROBE_INTERVAL_US);
        assertEquals((long) (RungSelector.PROBE_SCALE * RUNGS[1] / RungSelector.UP_HEADROOM), probe);
        up(r, RungSelector.MIN_PROBE_INTERVAL_US + 300_000, 1_700_000); // the probe's result, then the trial
        assertEquals(1, r.current());
        assertEquals(1, r.switches());
        assertEquals(RungSelector.MIN_PROBE_INTERVAL_US, r.probeIntervalUs());
    }

    @Test
    void aProbeThatRaisedTheEstimateIsFollowedSoonWithoutBackoff() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        r.onEstimate(S, 830_000);
        long t = RungSelector.MIN_PROBE_INTERVAL_US;
        assertTrue(r.poll(t) > 0);
        r.onEstimate(t + 200_000, 1_100_000); // up 33 %, still short of the 1,536 kbit/s 480p needs
        assertEquals(2, r.current());
        assertEquals(-1, r.trialRung());
        assertEquals(0, r.poll(t + 200_000 + RungSelector.PROGRESS_PROBE_INTERVAL_US - 1));
        t += 200_000 + RungSelector.PROGRESS_PROBE_INTERVAL_US;
        assertTrue(r.poll(t) > 0, "probed again after " + RungSelector.PROGRESS_PROBE_INTERVAL_US + " us");
        assertEquals(RungSelector.MIN_PROBE_INTERVAL_US, r.probeIntervalUs(), "not doubled");
        r.onEstimate(t + 200_000, 1_150_000); // +5 %: no progress
        assertEquals(0, r.poll(t + RungSelector.MIN_PROBE_INTERVAL_US - 1));
        assertTrue(r.poll(t + RungSelector.MIN_PROBE_INTERVAL_US) > 0);
        assertEquals(Math.min(RungSelector.MAX_PROBE_INTERVAL_US, 2 * RungSelector.MIN_PROBE_INTERVAL_US),
                r.probeIntervalUs(), "a probe without progress doubles");
    }

    @Test
    void failedProbesBackOffUpToTheMaximum() {
        RungSelector r = new RungSelector(RUNGS, 1, 0);
        long t = 0;
        long interval = RungSelector.MIN_PROBE_INTERVAL_US;
        int probes = 0;
        for (int i = 0; i < 400; i++) {
            t += 250_000;
            r.onEstimate(t, 1_500_000); // never room for 720p
            if (r.poll(t) > 0) {
                probes++;
            }
        }
        assertEquals(1, r.current());
        assertEquals(RungSelector.MAX_PROBE_INTERVAL_US, r.probeIntervalUs());
        long expected = 100_000_000 / RungSelector.MAX_PROBE_INTERVAL_US; // after the first few, one per maximum
        assertTrue(probes >= expected - 1 && probes <= expected + 3, "probes in 100 s with backoff to "
                + RungSelector.MAX_PROBE_INTERVAL_US / 1000 + " ms: " + probes);
    }

    @Test
    void flappingDownSwitchesHoldProbesBack() {
        RungSelector r = new RungSelector(RUNGS, 0, 0);
        r.onEstimate(S, 2_000_000);
        long t = up(r, S + 100_000, 3_600_000); // up again (the estimate alone shows room)
        r.onEstimate(t + 100_000, 2_000_000); // down again within the hold
        assertEquals(1, r.current());
        assertEquals(Math.min(RungSelector.MAX_PROBE_INTERVAL_US, 2 * RungSelector.MIN_PROBE_INTERVAL_US),
                r.probeIntervalUs());
        assertEquals(0, r.poll(t + 100_000 + RungSelector.HOLD_AFTER_DOWN_US - 1), "no probe within the hold");
        assertTrue(r.poll(t + 100_000 + RungSelector.HOLD_AFTER_DOWN_US) > 0);
    }

    @Test
    void aTrialThatHeldEndsAtAPollAfterTheGraceWithoutAFurtherEstimate() {
        long trial = RungSelector.trialUs(RUNGS[1]);
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        r.onEstimate(S, 1_700_000); // room for 480p: a trial
        assertEquals(1, r.trialRung());
        r.onEstimate(S + trial * 3 / 4, 1_700_000); // the path carries the padding in the trial's second half
        assertEquals(0, r.poll(S + trial + RungSelector.TRIAL_GRACE_US - 1));
        assertEquals(2, r.current(), "not before the grace");
        assertEquals(0, r.poll(S + trial + RungSelector.TRIAL_GRACE_US));
        assertEquals(1, r.current(), "up at the poll: the estimate had held");
        assertEquals(-1, r.trialRung());
        assertEquals(0, r.paddingBps(S + trial + RungSelector.TRIAL_GRACE_US));
        assertEquals(1, r.switches());

        RungSelector early = new RungSelector(RUNGS, 2, 0);
        early.onEstimate(S, 1_700_000); // its only estimate: the one that started the trial
        early.poll(S + trial + RungSelector.TRIAL_GRACE_US);
        assertEquals(2, early.current(), "no estimate in the second half: waits for one");
        assertEquals(1, early.trialRung());
        assertEquals(1, early.onEstimate(S + trial + RungSelector.TRIAL_GRACE_US + 1, 1_700_000));
    }

    @Test
    void aManualChoiceWinsUntilCleared() {
        RungSelector r = new RungSelector(RUNGS, 0, 0);
        assertEquals(3, r.force(3));
        assertEquals(3, r.onEstimate(S, 10_000_000));
        assertEquals(0, r.poll(60 * S));
        r.force(-1);
        up(r, 2 * S, 10_000_000); // automatic again: one rung up per trial
        assertEquals(2, r.current());
    }

    @Test
    void stayingOnARungAfterAFailedSwitchWaitsLongerBeforeProbing() {
        RungSelector r = new RungSelector(RUNGS, 2, 0);
        long t = up(r, S, 2_000_000); // 480p fits
        assertEquals(1, r.current());
        r.stayOn(2 * S, 2); // its keyframe never came
        assertTrue(t < 2 * S);
        assertEquals(2, r.current());
        assertEquals(1, r.switches());
        assertEquals(0, r.poll(2 * S + RungSelector.MIN_PROBE_INTERVAL_US));
        assertTrue(r.poll(2 * S + 2 * RungSelector.MIN_PROBE_INTERVAL_US) > 0);
    }

    @Test
    void rejectsBadLadders() {
        assertThrows(IllegalArgumentException.class, () -> new RungSelector(new long[0], 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RungSelector(new long[] {1_000, 2_000}, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new RungSelector(RUNGS, 4, 0));
        assertThrows(IllegalArgumentException.class, () -> new RungSelector(RUNGS, 0, 0).force(7));
    }
}
