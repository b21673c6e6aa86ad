package io.sluice.webrtc.sdp;

/**
 * The {@code o=} line: {@code <username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>}
 * (RFC 8866 §5.2). WebRTC writes {@code - <random 62-bit> 2 IN IP4 127.0.0.1}.
 *
 * @param username       {@code -} in WebRTC
 * @param sessionId      decimal digits, up to 20
 * @param sessionVersion decimal digits, up to 20
 * @param netType        {@code IN}
 * @param addrType       {@code IP4} or {@code IP6}
 * @param address        the unicast address (unused by WebRTC)
 */
public record SdpOrigin(String username, String sessionId, String sessionVersion, String netType, String addrType,
                        String address) {
    /**
     * Parses the {@code o=} value.
     *
     * @throws IllegalArgumentException if it does not have six fields or the ids are not numbers
     */
    public static SdpOrigin parse(String value) {
        String[] f = value.split(" ", -1);
        if (f.length != 6) {
            throw new IllegalArgumentException("o=: " + f.length + " fields (expected: 6)");
        }
        for (int i : new int[] {1, 2}) {
            if (f[i].isEmpty() || f[i].length() > 20 || !f[i].chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("o= " + (i == 1 ? "sess-id" : "sess-version") + ": '" + f[i]
                        + "' (expected: up to 20 digits)");
            }
        }
        for (String s : f) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("o=: empty field");
            }
        }
        return new SdpOrigin(f[0], f[1], f[2], f[3], f[4], f[5]);
    }

    @Override
    public String toString() {
        return username + " " + sessionId + " " + sessionVersion + " " + netType + " " + addrType + " " + address;
    }
}
