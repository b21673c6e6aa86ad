package io.sluice.examples;

import io.sluice.core.StreamPipeline;
import java.time.Duration;

/** What every example does with its pipeline. */
final class ExampleRuns {
    private ExampleRuns() {
    }

    /**
     * Builds the pipeline (with {@code duration} if not null), starts it, and waits for the end of input; Ctrl-C
     * closes it. The caller closes it.
     *
     * @throws java.util.concurrent.CompletionException wrapping the pipeline's error
     */
    static StreamPipeline runToEnd(StreamPipeline.Builder b, Duration duration) {
        if (duration != null) {
            b.duration(duration);
        }
        StreamPipeline pipeline = b.build();
        Thread hook = new Thread(pipeline::close, "close-on-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            pipeline.start();
            pipeline.completion().join();
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running
            }
        }
        return pipeline;
    }
}
