package io.sluice.crypto;

import io.sluice.core.SluiceException;
import java.util.Map;

/**
 * An {@link SframeDecryptor} dropped every frame for longer than its bound
 * ({@link SframeDecryptor.Builder#failAfter(int, java.time.Duration)}): the key is wrong, the KID unknown, or the
 * stream is not SFrame. Thrown from {@link SframeDecryptor#apply}, so a {@link io.sluice.core.StreamPipeline} fails
 * with it ({@link io.sluice.core.PipelineListener#onError}, {@code completion()} completes exceptionally) instead of
 * writing an empty recording.
 *
 * <p>The message names the reason and the KID, e.g. {@code "SFrame decryption failed: no frame decrypted in 250
 * frames (4.2 s): AUTH_FAILED 250 for KID 1 (wrong key for this KID?)"}.
 */
public final class SframeDecryptionException extends SluiceException {
    private static final long serialVersionUID = 1L;

    private final SframeDropReason reason;
    private final long kid;
    private final transient Map<SframeDropReason, Long> drops;

    SframeDecryptionException(String message, SframeDropReason reason, long kid, Map<SframeDropReason, Long> drops) {
        super(message);
        this.reason = reason;
        this.kid = kid;
        this.drops = Map.copyOf(drops);
    }

    /** The most frequent reason among the frames dropped in a row. */
    public SframeDropReason reason() {
        return reason;
    }

    /** The KID of the last dropped frame's SFrame header, or -1 if none could be read. */
    public long kid() {
        return kid;
    }

    /** Frames dropped in a row, per reason. */
    public Map<SframeDropReason, Long> drops() {
        return drops;
    }
}
