package io.sluice.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.StreamPipeline;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** The end-to-end tests' check of a subscriber without the right key. */
final class GaveUpAssertions {
    private GaveUpAssertions() {
    }

    /**
     * Every frame the subscriber saw was dropped for {@code reason}, none decrypted, and its pipeline failed with an
     * {@link SframeDecryptionException} naming the reason and the KID once the default bound (250 frames in a row)
     * was reached, before the end of a stream of {@code published} frames.
     */
    static void assertGaveUp(StreamPipeline pipeline, SframeTransformStats s, long published, SframeDropReason reason, long kid) {
        assertEquals(0, s.framesOut(), "no frame decrypted without the key");
        assertEquals(s.framesIn(), s.drops(reason), "all dropped as " + reason + ": " + s.dropsByReason());
        assertTrue(s.framesIn() >= 250 && s.framesIn() < published,
                "gave up after the 250-frame bound, before the end: " + s.framesIn() + " of " + published);
        Throwable cause = assertThrows(ExecutionException.class, () -> pipeline.completion().get(5, TimeUnit.SECONDS),
                "the pipeline fails instead of ending normally").getCause();
        SframeDecryptionException e = assertInstanceOf(SframeDecryptionException.class, cause, String.valueOf(cause));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(kid, e.kid(), e.getMessage());
        assertTrue(e.getMessage().contains(reason.name()) && e.getMessage().contains("KID " + kid), e.getMessage());
    }
}
