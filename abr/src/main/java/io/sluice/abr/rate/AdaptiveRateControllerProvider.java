package io.sluice.abr.rate;

import io.sluice.core.spi.RateController;
import io.sluice.core.spi.RateControllerProvider;

/**
 * Makes {@link AdaptiveRateController} the default rate controller of every live
 * {@link io.sluice.core.StreamPipeline} that has {@code sluice-abr} on its class path (registered in
 * {@code META-INF/services}).
 */
public final class AdaptiveRateControllerProvider implements RateControllerProvider {
    @Override
    public RateController create(Context context) {
        return new AdaptiveRateController(context);
    }
}
