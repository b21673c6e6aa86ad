package io.sluice.webrtc.rtcp;

import io.sluice.core.MediaProtocolException;

/** A malformed RTCP compound packet (bad version, length, counts or FCI). */
public class RtcpProtocolException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    public RtcpProtocolException(String message) {
        super(message);
    }
}
