package io.sluice.core;

/** A source could not be opened, read or decoded. The message names the input. */
public class MediaSourceException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final String input;

    public MediaSourceException(String input, String message) {
        this(input, message, null, null, 0);
    }

    public MediaSourceException(String input, String message, Throwable cause) {
        this(input, message, cause, null, 0);
    }

    /**
     * @param input          the path, URL or name of the source
     * @param nativeFunction failing native function, or null
     * @param errorCode      its return code
     */
    public MediaSourceException(String input, String message, Throwable cause, String nativeFunction, int errorCode) {
        super("input '" + input + "': " + message, cause, nativeFunction, errorCode);
        this.input = input;
    }

    /** The path, URL or name of the failing source. */
    public String input() {
        return input;
    }
}
