package io.sluice.webrtc.rtp;

import io.sluice.core.MediaProtocolException;

/** Malformed RTP data where a result value would not do (for example a malformed AVCC frame handed to a packetizer). */
public class RtpProtocolException extends MediaProtocolException {
    private static final long serialVersionUID = 1L;

    public RtpProtocolException(String message) {
        super(message);
    }
}
