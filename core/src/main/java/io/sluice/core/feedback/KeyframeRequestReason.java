package io.sluice.core.feedback;

/**
 * Why a receiver asks its publisher or encoder for a keyframe (an H.264 IDR access unit, or the
 * codec's random access point). Publishers may treat reasons alike; the reason is for logs, stats and
 * policies that weigh, e.g., a viewer's loss against a new viewer.
 */
public enum KeyframeRequestReason {
    /** No reason given (callers of the older reason-less APIs). */
    UNSPECIFIED,
    /** A viewer lost pictures: RTCP Picture Loss Indication (PLI), RFC 4585 §6.3.1. */
    PICTURE_LOSS,
    /** A viewer needs a full refresh now: RTCP Full Intra Request (FIR), RFC 5104 §4.3.1. */
    FULL_INTRA_REQUEST,
    /** A viewer joined a live stream and no cached keyframe can start it (or the cached one is too far behind live). */
    NEW_SUBSCRIBER,
    /** A bounded queue in front of a viewer, recorder or transport dropped frames up to the next keyframe. */
    FRAMES_DROPPED,
    /** A decoder or transcoder downstream lost sync (a decode error) and waits for a keyframe. */
    DECODER_ERROR
}
