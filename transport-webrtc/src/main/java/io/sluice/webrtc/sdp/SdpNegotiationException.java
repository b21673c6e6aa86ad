package io.sluice.webrtc.sdp;

import io.sluice.core.MediaProtocolException;

/**
 * A well-formed offer or answer that Sluice cannot accept: no common video codec, no BUNDLE, no
 * rtcp-mux, missing ICE credentials or fingerprint. The message is a reason fit to return to the
 * client in a 4xx (WHIP/WHEP use 400 or 406/422 at the server's choice), e.g.
 * {@code "m-section mid=0 (video): no common codec (offered: VP8/90000; supported: H264 packetization-mode=1)"}.
 */
public class SdpNegotiationException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    /** @param reason what could not be negotiated */
    public SdpNegotiationException(String reason) {
        super(reason);
    }
}
