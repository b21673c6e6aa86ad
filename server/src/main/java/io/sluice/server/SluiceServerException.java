package io.sluice.server;

import io.sluice.core.SluiceException;
import java.util.Objects;

/**
 * A {@link SluiceServer} could not start: a listener could not bind its address, or TLS material could
 * not be loaded. The message names the listener, the address and port and the cause, e.g.
 * {@code "cannot listen for RTMP on 127.0.0.1:1935: Address already in use"}.
 */
public class SluiceServerException extends SluiceException {
    private static final long serialVersionUID = 1L;

    /** The part of the server that failed. */
    public enum Listener {
        /** The RTMP/RTMPS TCP listener. */
        RTMP,
        /** The HTTP listener (WHIP/WHEP signalling, pages) or the WebRTC media UDP socket. */
        WEBRTC
    }

    private final Listener listener;

    /**
     * @param listener the part that failed
     * @param message  what failed, naming the address and port
     * @param cause    the underlying failure
     */
    public SluiceServerException(Listener listener, String message, Throwable cause) {
        super(message, cause);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The part of the server that failed. */
    public Listener listener() {
        return listener;
    }
}
