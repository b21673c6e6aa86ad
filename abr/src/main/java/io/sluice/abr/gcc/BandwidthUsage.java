package io.sluice.abr.gcc;

/** The overuse detector's hypothesis about the bottleneck queue (draft-ietf-rmcat-gcc-02 §5.4). */
public enum BandwidthUsage {
    /** The queueing delay is steady: the send rate fits the path. */
    NORMAL,
    /** The queueing delay grows: the send rate is above the path's capacity. */
    OVERUSING,
    /** The queueing delay shrinks: a queue built earlier is draining. */
    UNDERUSING
}
