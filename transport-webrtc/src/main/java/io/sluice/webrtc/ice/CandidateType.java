package io.sluice.webrtc.ice;

/**
 * ICE candidate types with their recommended type preferences (RFC 8445 §5.1.2.2).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-5.1.2.2">RFC 8445 §5.1.2.2</a>
 */
public enum CandidateType {
    /** A local interface address; type preference 126. */
    HOST("host", 126),
    /** The address a STUN server saw (NAT mapping); type preference 100. */
    SERVER_REFLEXIVE("srflx", 100),
    /** Learned from a connectivity check; type preference 110. */
    PEER_REFLEXIVE("prflx", 110),
    /** A TURN relay address; type preference 0. */
    RELAYED("relay", 0);

    private final String sdpName;
    private final int typePreference;

    CandidateType(String sdpName, int typePreference) {
        this.sdpName = sdpName;
        this.typePreference = typePreference;
    }

    /** The cand-type token of SDP ({@code host}, {@code srflx}, {@code prflx}, {@code relay}). */
    public String sdpName() {
        return sdpName;
    }

    /** The recommended type preference, 0..126. */
    public int typePreference() {
        return typePreference;
    }

    /**
     * @throws IllegalArgumentException for an unknown token
     */
    public static CandidateType ofSdpName(String name) {
        for (CandidateType t : values()) {
            if (t.sdpName.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("candidate type: " + name + " (expected: host, srflx, prflx or relay)");
    }
}
