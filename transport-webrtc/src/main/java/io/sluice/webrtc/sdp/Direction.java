package io.sluice.webrtc.sdp;

/**
 * Media direction attribute of an m-section (RFC 8866 §6.7), from the point of view of the side
 * that wrote it.
 */
public enum Direction {
    /** {@code a=sendrecv} (the default when none is given). */
    SENDRECV("sendrecv"),
    /** {@code a=sendonly}. */
    SENDONLY("sendonly"),
    /** {@code a=recvonly}. */
    RECVONLY("recvonly"),
    /** {@code a=inactive}. */
    INACTIVE("inactive");

    private final String sdpName;

    Direction(String sdpName) {
        this.sdpName = sdpName;
    }

    /** The attribute name. */
    public String sdpName() {
        return sdpName;
    }

    /** The direction an answerer mirrors: sendonly ↔ recvonly; sendrecv and inactive unchanged. */
    public Direction reverse() {
        return switch (this) {
            case SENDONLY -> RECVONLY;
            case RECVONLY -> SENDONLY;
            default -> this;
        };
    }

    /** Whether this side sends media. */
    public boolean sends() {
        return this == SENDRECV || this == SENDONLY;
    }

    /** Whether this side receives media. */
    public boolean receives() {
        return this == SENDRECV || this == RECVONLY;
    }

    /** The direction named {@code name}, or null. */
    public static Direction ofSdpName(String name) {
        for (Direction d : values()) {
            if (d.sdpName.equals(name)) {
                return d;
            }
        }
        return null;
    }
}
