package io.sluice.webrtc.mux;

/**
 * The protocol of a datagram on a WebRTC 5-tuple, as told by {@link PacketDemux#classify}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7983#section-7">RFC 7983 §7</a>
 */
public enum PacketKind {
    /** First byte 0..3: STUN (RFC 8489). */
    STUN,
    /** First byte 16..19: ZRTP (RFC 6189); not used by WebRTC, dropped. */
    ZRTP,
    /** First byte 20..63: DTLS record (RFC 9147 / RFC 6347). */
    DTLS,
    /** First byte 64..79: TURN ChannelData (RFC 8656). */
    TURN_CHANNEL,
    /** First byte 128..191 and second byte outside 192..223: SRTP/RTP. */
    RTP,
    /** First byte 128..191 and second byte (M bit + payload type) in 192..223: SRTCP/RTCP (RFC 5761 §4). */
    RTCP,
    /** Empty, or a first byte in a range RFC 7983 leaves unassigned (4..15, 80..127, 192..255); drop. */
    UNKNOWN
}
