package io.sluice.core;

import java.net.URI;

/** A transport failed: the message names the destination URI and the step that failed. */
public class TransportException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final URI uri;

    public TransportException(URI uri, String message) {
        this(uri, message, null, null, 0);
    }

    public TransportException(URI uri, String message, Throwable cause) {
        this(uri, message, cause, null, 0);
    }

    public TransportException(URI uri, String message, Throwable cause, String nativeFunction, int errorCode) {
        super("transport '" + uri + "': " + message, cause, nativeFunction, errorCode);
        this.uri = uri;
    }

    /** Destination of the failing transport. */
    public URI uri() {
        return uri;
    }
}
