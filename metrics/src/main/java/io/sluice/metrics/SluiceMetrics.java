package io.sluice.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.core.hub.StreamHub;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The meters of one embedded server in one {@link PrometheusMeterRegistry}: the hub's
 * ({@link HubMetrics}) and whatever binders are added ({@link PipelineMetrics},
 * {@link RtmpServerMetrics}, {@link WebRtcServerMetrics}, or the application's own).
 *
 * <pre>{@code
 * SluiceMetrics metrics = SluiceMetrics.builder(hub)
 *         .bind(new RtmpServerMetrics(rtmp))
 *         .bind(new WebRtcServerMetrics(webrtc))
 *         .bind(new PipelineMetrics("camera", pipeline))
 *         .build();
 * String exposition = metrics.scrape();   // Prometheus text format 0.0.4
 * }</pre>
 *
 * Thread-safe. {@link #close()} stops the hub listener; the registry stays readable.
 */
public final class SluiceMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final StreamHub streamHub;
    private final HubMetrics hub;
    private final List<MeterBinder> binders = new java.util.concurrent.CopyOnWriteArrayList<>();

    private SluiceMetrics(Builder b) {
        this.registry = b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.streamHub = b.hub;
        this.hub = new HubMetrics(b.hub);
        hub.bindTo(registry);
        b.binders.forEach(this::add);
    }

    /** A builder over {@code hub}, whose meters are always bound. */
    public static Builder builder(StreamHub hub) {
        return new Builder(Objects.requireNonNull(hub, "hub"));
    }

    /** The registry the meters live in (add the application's own meters here too). */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The hub whose streams these metrics describe. */
    public StreamHub hub() {
        return streamHub;
    }

    /**
     * Binds one more binder after {@link Builder#build()} (a server started after the HTTP handler
     * that serves these metrics was made): it is bound to the registry now and refreshed with the rest.
     *
     * @return this
     */
    public SluiceMetrics add(MeterBinder binder) {
        Objects.requireNonNull(binder, "binder").bindTo(registry);
        binders.add(binder);
        return this;
    }

    /** Brings the meters that follow live state (streams, tracks, sessions) up to date. */
    public synchronized void refresh() {
        hub.refresh();
        for (MeterBinder b : binders) {
            if (b instanceof RefreshableBinder r) {
                r.refresh();
            }
        }
    }

    /** {@link #refresh()}, then the exposition in the Prometheus text format 0.0.4. */
    public String scrape() {
        refresh();
        return registry.scrape();
    }

    /**
     * {@link #refresh()}, then the exposition in the format {@code acceptHeader} asks for (the text
     * format 0.0.4, or OpenMetrics 1.0 when accepted).
     */
    public String scrape(String acceptHeader) {
        refresh();
        return registry.scrape(acceptHeader);
    }

    @Override
    public void close() {
        hub.close();
    }

    /** Builder. */
    public static final class Builder {
        private final StreamHub hub;
        private final List<MeterBinder> binders = new ArrayList<>();
        private PrometheusMeterRegistry registry;

        private Builder(StreamHub hub) {
            this.hub = hub;
        }

        /** Adds a binder (refreshed before each scrape if it is a {@link RefreshableBinder}). */
        public Builder bind(MeterBinder binder) {
            binders.add(Objects.requireNonNull(binder, "binder"));
            return this;
        }

        /** The registry to use; default a new {@link PrometheusMeterRegistry} with {@link PrometheusConfig#DEFAULT}. */
        public Builder registry(PrometheusMeterRegistry registry) {
            this.registry = Objects.requireNonNull(registry, "registry");
            return this;
        }

        public SluiceMetrics build() {
            return new SluiceMetrics(this);
        }
    }
}
