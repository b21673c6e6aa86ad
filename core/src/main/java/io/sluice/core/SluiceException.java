package io.sluice.core;

import java.util.Optional;

/**
 * Base of Sluice's exceptions. Unchecked: a pipeline failure is reported to the
 * {@link PipelineListener} and thrown from the call that started the failing work.
 *
 * <p>Messages name what failed: the input (path or URL), and for a native failure the FFmpeg
 * function and its return code, e.g. {@code "input '/tmp/missing.mp4': avformat_open_input() returned -2
 * (No such file or directory)"}.
 */
public class SluiceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String nativeFunction;
    private final int errorCode;

    public SluiceException(String message) {
        this(message, null, null, 0);
    }

    public SluiceException(String message, Throwable cause) {
        this(message, cause, null, 0);
    }

    /**
     * @param nativeFunction the native function that failed, e.g. {@code "avcodec_open2"}; may be null
     * @param errorCode      its return code (FFmpeg: negative {@code AVERROR})
     */
    public SluiceException(String message, Throwable cause, String nativeFunction, int errorCode) {
        super(message, cause);
        this.nativeFunction = nativeFunction;
        this.errorCode = errorCode;
    }

    /** The native function whose failure caused this, if any. */
    public Optional<String> nativeFunction() {
        return Optional.ofNullable(nativeFunction);
    }

    /** The native return code; 0 when {@link #nativeFunction()} is empty. */
    public int errorCode() {
        return errorCode;
    }
}
