package io.sluice.webrtc.sdp;

import java.util.regex.Pattern;

/**
 * {@code a=extmap:<id>[/<direction>] <uri> [<attributes>]} (RFC 8285 §8).
 *
 * @param id         1..14 (one-byte header) or 1..255 (two-byte header)
 * @param direction  the optional direction, or null
 * @param uri        the extension URI
 * @param attributes extension attributes, or null
 */
public record ExtMap(int id, Direction direction, String uri, String attributes) {
    /** {@code urn:ietf:params:rtp-hdrext:sdes:mid} (RFC 8843 §14). */
    public static final String MID = "urn:ietf:params:rtp-hdrext:sdes:mid";
    /**
     * {@code urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id} (RFC 8852 §3.1): the rid of the RTP stream a packet
     * belongs to (simulcast, RFC 8853), an ASCII rid-id.
     */
    public static final String RTP_STREAM_ID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    /**
     * {@code urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id} (RFC 8852 §3.2): in a redundancy (RTX) packet,
     * the rid of the stream it repairs.
     */
    public static final String REPAIRED_RTP_STREAM_ID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    /** Absolute send time, used by goog-remb. */
    public static final String ABS_SEND_TIME = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    /** Transport-wide sequence number for transport-cc. */
    public static final String TRANSPORT_WIDE_CC =
            "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

    /**
     * Playout delay, {@code http://www.webrtc.org/experiments/rtp-hdrext/playout-delay} (WebRTC's experimental
     * extension, honoured by Chromium and Firefox): 3 octets, a 12-bit minimum and a 12-bit maximum delay, each in
     * 10 ms units, that the receiver's jitter buffer keeps between a frame's arrival and its rendering.
     */
    public static final String PLAYOUT_DELAY = "http://www.webrtc.org/experiments/rtp-hdrext/playout-delay";

    /**
     * Video Frame Marking, {@code urn:ietf:params:rtp-hdrext:framemarking} (RFC 9626): start/end of frame,
     * independent and discardable bits readable without the payload; negotiated with SFrame video.
     */
    public static final String FRAME_MARKING = "urn:ietf:params:rtp-hdrext:framemarking";

    private static final Pattern URI = Pattern.compile("[\\x21-\\x7e]{1,512}");

    /**
     * @throws IllegalArgumentException if the id or URI is invalid
     */
    public ExtMap {
        if (id < 1 || id > 255 || id == 15) {
            throw new IllegalArgumentException("extmap id: " + id + " (expected: 1..14 or 16..255)");
        }
        if (uri == null || !URI.matcher(uri).matches()) {
            throw new IllegalArgumentException("extmap uri: '" + uri + "' (expected: a URI)");
        }
    }

    /**
     * Parses the attribute value.
     *
     * @throws IllegalArgumentException if malformed
     */
    public static ExtMap parse(String value) {
        String[] f = value.trim().split(" +", 3);
        if (f.length < 2) {
            throw new IllegalArgumentException("extmap: '" + value + "' (expected: <id>[/<direction>] <uri>)");
        }
        String idPart = f[0];
        Direction dir = null;
        int slash = idPart.indexOf('/');
        if (slash >= 0) {
            dir = Direction.ofSdpName(idPart.substring(slash + 1));
            if (dir == null) {
                throw new IllegalArgumentException("extmap direction: '" + idPart.substring(slash + 1)
                        + "' (expected: sendrecv, sendonly, recvonly or inactive)");
            }
            idPart = idPart.substring(0, slash);
        }
        int id = SdpParser.parseInt("extmap id", idPart, 1, 255);
        return new ExtMap(id, dir, f[1], f.length == 3 ? f[2] : null);
    }

    /** The attribute value. */
    @Override
    public String toString() {
        return id + (direction != null ? "/" + direction.sdpName() : "") + " " + uri
                + (attributes != null ? " " + attributes : "");
    }
}
