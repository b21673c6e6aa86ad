package io.sluice.core.spi;

/**
 * Why a rate controller or estimator changed its figure: shown in pipeline stats and logs, so a user can tell a cut
 * caused by queueing delay from one caused by loss.
 */
public enum RateChangeReason {
    /** A raw measurement (a drain rate, a delivery rate) that no controller has judged yet. */
    MEASURED,
    /** The start rate, before any measurement. */
    INITIAL,
    /** The delay-based detector saw the bottleneck queue grow (GCC overuse, draft-ietf-rmcat-gcc-02 §5). */
    DELAY,
    /** Packet loss above the loss controller's threshold (draft-ietf-rmcat-gcc-02 §6). */
    LOSS,
    /** A TCP send buffer (RTMP) held more queued media than the controller allows. */
    QUEUE,
    /**
     * The sender used less than its target (application-limited region, ALR): the estimate was held near what the
     * path has acknowledged, so it cannot run away from the send rate.
     */
    APPLICATION_LIMITED,
    /** A probe cluster measured more capacity than the estimate. */
    PROBE,
    /** No congestion signal: the controller increased (AIMD multiplicative or additive increase). */
    INCREASE,
    /** The receiver's REMB (draft-alvestrand-rmcat-remb) capped the estimate. */
    REMB,
    /** The application changed the min/max/start constraints. */
    CONSTRAINTS
}
