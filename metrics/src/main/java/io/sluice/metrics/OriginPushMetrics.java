package io.sluice.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sluice.http.push.HubOriginPush;
import io.sluice.http.push.OriginPushStats;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Meters of a {@link HubOriginPush}, summed over its streams and labelled {@code origin} (where it pushes, without
 * user info):
 * {@code sluice_push_writes_total{result="ok|failed|dropped"}} (PUTs and DELETEs the origin took, gave up on
 * after retries, or never tried because the queue was over its bound), {@code sluice_push_retries_total},
 * {@code sluice_push_bytes_total} (bytes the origin took) and {@code sluice_push_queued_bytes} (gauge).
 */
public final class OriginPushMetrics implements MeterBinder {
    private final HubOriginPush push;

    public OriginPushMetrics(HubOriginPush push) {
        this.push = Objects.requireNonNull(push, "push");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags origin = Tags.of("origin", push.location().replaceFirst("^([a-z+]+://)[^/@]*@", "$1")); // no user info
        for (String result : new String[] {"ok", "failed", "dropped"}) {
            ToLongFunction<OriginPushStats> f = switch (result) {
                case "ok" -> OriginPushStats::writesSucceeded;
                case "failed" -> OriginPushStats::writesFailed;
                default -> OriginPushStats::writesDropped;
            };
            FunctionCounter.builder("sluice.push.writes", push, p -> sum(p, f)).tags(origin).tag("result", result)
                    .description("writes to the origin by result").register(registry);
        }
        FunctionCounter.builder("sluice.push.retries", push, p -> sum(p, OriginPushStats::retries)).tags(origin)
                .description("writes tried again after a retryable failure").register(registry);
        FunctionCounter.builder("sluice.push.bytes", push, p -> sum(p, OriginPushStats::bytesWritten)).tags(origin)
                .description("body bytes the origin took").register(registry);
        Gauge.builder("sluice.push.queued.bytes", push, p -> sum(p, OriginPushStats::queuedBytes)).tags(origin)
                .description("body bytes waiting for the origin").register(registry);
    }

    private static double sum(HubOriginPush p, ToLongFunction<OriginPushStats> f) {
        return p.stats().values().stream().mapToLong(f).sum();
    }
}
