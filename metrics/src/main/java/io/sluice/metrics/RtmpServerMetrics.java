package io.sluice.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sluice.rtmp.server.RtmpServer;
import java.util.Objects;

/**
 * Meters of an {@link RtmpServer}: {@code sluice_rtmp_connections} (gauge: open TCP connections) and
 * {@code sluice_rtmp_dropped_frames_total} (counter: frames dropped for slow players). Publishers and
 * players by stream are the hub's ({@link HubMetrics}, {@code protocol="rtmp"}).
 */
public final class RtmpServerMetrics implements MeterBinder {
    private final RtmpServer server;

    public RtmpServerMetrics(RtmpServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("sluice.rtmp.connections", server, RtmpServer::connectionCount)
                .description("open RTMP connections").register(registry);
        FunctionCounter.builder("sluice.rtmp.dropped.frames", server, RtmpServer::droppedFrames)
                .description("frames dropped for RTMP players that fell behind").register(registry);
    }
}
