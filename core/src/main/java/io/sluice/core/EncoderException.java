package io.sluice.core;

/**
 * An encoder could not be created, configured or fed. Native failures carry the function and its
 * return code ({@link #nativeFunction()}, {@link #errorCode()}).
 */
public class EncoderException extends SluiceException {
    private static final long serialVersionUID = 1L;

    public EncoderException(String message) {
        super(message);
    }

    public EncoderException(String message, Throwable cause) {
        super(message, cause);
    }

    public EncoderException(String nativeFunction, int errorCode, String message) {
        super(message, null, nativeFunction, errorCode);
    }
}
