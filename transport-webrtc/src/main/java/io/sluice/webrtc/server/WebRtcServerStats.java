package io.sluice.webrtc.server;

import java.util.List;

/**
 * A snapshot of the server: live sessions and the datagrams dropped before they reached one.
 *
 * @param sessions              every live session
 * @param droppedUnknownStun    STUN messages matching no session's ufrag, or malformed
 * @param droppedUnknownAddress DTLS, RTP and RTCP datagrams from addresses no session has bound
 * @param droppedOther          datagrams of no RFC 7983 kind Sluice handles (ZRTP, TURN channel, garbage)
 * @param srtpDropped           SRTP/SRTCP packets dropped by sessions (bad tag, replay, malformed), all sessions so far
 * @param sessionsCreated       sessions created since start
 * @param sessionsRejected      offers refused (bad SDP, no common codec, limits, authorization)
 */
public record WebRtcServerStats(List<WebRtcSessionStats> sessions, long droppedUnknownStun,
                                long droppedUnknownAddress, long droppedOther, long srtpDropped,
                                long sessionsCreated, long sessionsRejected) {
    /** Copies the list. */
    public WebRtcServerStats {
        sessions = List.copyOf(sessions);
    }
}
