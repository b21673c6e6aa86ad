package io.sluice.webrtc.server;

import io.sluice.core.SluiceException;

/** The WebRTC server could not start (a socket could not be bound). */
public class WebRtcServerException extends SluiceException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the address */
    public WebRtcServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
