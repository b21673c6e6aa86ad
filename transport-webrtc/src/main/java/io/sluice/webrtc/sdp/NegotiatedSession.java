package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.util.List;

/**
 * The outcome of an offer/answer exchange: everything ICE, DTLS and RTP need to start.
 *
 * @param localDescription  the description this side sent (the answer for a server, the offer for a client)
 * @param remoteDescription the description the peer sent
 * @param remoteIce         the peer's ufrag/pwd (for the ICE agent)
 * @param remoteFingerprint the fingerprint the peer's DTLS certificate must match
 * @param localSetup        this side's DTLS role: {@link SetupRole#ACTIVE} = DTLS client,
 *                          {@link SetupRole#PASSIVE} = DTLS server
 * @param remoteIceLite     whether the peer is ICE-lite (then this side must be controlling)
 * @param remoteCandidates  the peer's candidates from the description
 * @param media             accepted m-sections in order (rejected ones left out)
 */
public record NegotiatedSession(SessionDescription localDescription, SessionDescription remoteDescription,
                                IceCredentials remoteIce, Fingerprint remoteFingerprint, SetupRole localSetup,
                                boolean remoteIceLite, List<IceCandidate> remoteCandidates,
                                List<NegotiatedMedia> media) {
    public NegotiatedSession {
        remoteCandidates = List.copyOf(remoteCandidates);
        media = List.copyOf(media);
    }

    /** Whether this side is the DTLS client ({@code a=setup:active}). */
    public boolean dtlsClient() {
        return localSetup == SetupRole.ACTIVE;
    }
}
