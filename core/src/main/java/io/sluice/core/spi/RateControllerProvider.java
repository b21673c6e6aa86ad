package io.sluice.core.spi;

import io.sluice.core.AdaptiveBitrate;
import io.sluice.core.time.Ticker;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Creates the default {@link RateController} of a pipeline. Found with {@link java.util.ServiceLoader}
 * ({@code sluice-abr} provides one), so that core needs no dependency on the ABR module and adaptation is on
 * by default whenever that module is on the class path. A pipeline given its own controller through
 * {@link io.sluice.core.StreamPipeline.Builder#rateController} does not use a provider.
 */
public interface RateControllerProvider {
    /**
     * @param context settings, time and where to report decisions
     * @return a new controller for one pipeline
     */
    RateController create(Context context);

    /**
     * What a pipeline gives its rate controller.
     *
     * @param config      the user's bounds and policy (enabled)
     * @param reservedBps bit/s the transports carry besides video (the audio encoder's target; 0 without audio
     *                    encoding), which the controller subtracts from an estimate before setting the video target
     * @param ticker      the pipeline's clock
     * @param decisions   receives each decision that changed the target or size; thread-safe, returns at once
     * @param networkPath whether a transport of the pipeline {@linkplain Transport#measuresNetworkPath() measures a
     *                    network path}: the controller may then start below the encoder's maximum
     */
    record Context(AdaptiveBitrate config, long reservedBps, Ticker ticker, Consumer<RateDecision> decisions,
                   boolean networkPath) {
        public Context {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(ticker, "ticker");
            Objects.requireNonNull(decisions, "decisions");
            if (reservedBps < 0) {
                throw new IllegalArgumentException("reservedBps: " + reservedBps + " (expected: >= 0)");
            }
        }

        /** A context without a measured network path (the controller starts at the maximum unless told otherwise). */
        public Context(AdaptiveBitrate config, long reservedBps, Ticker ticker, Consumer<RateDecision> decisions) {
            this(config, reservedBps, ticker, decisions, false);
        }
    }
}
