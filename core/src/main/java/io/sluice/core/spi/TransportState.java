package io.sluice.core.spi;

/** Lifecycle of a {@link Transport}, reported through {@link TransportFeedback#onStateChanged}. */
public enum TransportState {
    /** Opening or connecting for the first time. */
    CONNECTING,
    /** Ready: frames sent now go out. */
    CONNECTED,
    /** Lost its connection and is trying again; frames are buffered (bounded) or dropped. */
    RECONNECTING,
    /** Closed by the application. Terminal. */
    CLOSED,
    /** Gave up (error, retries exhausted). Terminal. */
    FAILED;

    public boolean isTerminal() {
        return this == CLOSED || this == FAILED;
    }
}
