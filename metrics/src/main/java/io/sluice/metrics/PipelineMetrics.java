package io.sluice.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.sluice.core.PipelineStats;
import io.sluice.core.StreamPipeline;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Meters of one {@link StreamPipeline}, read from {@link StreamPipeline#stats()} at each refresh, all
 * tagged {@code pipeline=<name>}:
 * <ul>
 *   <li>per track ({@code track=<id>}, {@code media=video|audio}, {@code codec}):
 *       {@code sluice_pipeline_frames_in_total}, {@code sluice_pipeline_frames_out_total},
 *       {@code sluice_pipeline_frames_dropped_total} (counters);
 *       {@code sluice_pipeline_encode_latency_p50_seconds}, {@code sluice_pipeline_encode_latency_p99_seconds}
 *       (gauges, over the recent window; 0 until known), {@code sluice_pipeline_encoded_rate_bytes_per_second}
 *       (gauge, the encoded output rate: bit rate / 8, as Prometheus counts bytes),
 *       {@code sluice_pipeline_queue_depth} (gauge, frames)</li>
 *   <li>per transport ({@code transport=<uri scheme>}, {@code uri}): {@code sluice_pipeline_transport_bytes_total},
 *       {@code sluice_pipeline_transport_frames_total}, {@code sluice_pipeline_transport_frames_dropped_total},
 *       {@code sluice_pipeline_transport_queue_drops_total} (counters),
 *       {@code sluice_pipeline_transport_rtt_seconds} (gauge; -1 if unknown)</li>
 * </ul>
 */
public final class PipelineMetrics implements RefreshableBinder {
    private static final int FRAMES_IN = 0;
    private static final int FRAMES_OUT = 1;
    private static final int DROPPED = 2;
    private static final int P50_US = 3;
    private static final int P99_US = 4;
    private static final int BITRATE = 5;
    private static final int QUEUE = 6;
    private static final int T_BYTES = 0;
    private static final int T_FRAMES = 1;
    private static final int T_DROPPED = 2;
    private static final int T_QUEUE_DROPS = 3;
    private static final int T_RTT_US = 4;

    private final String name;
    private final Supplier<PipelineStats> stats;
    private volatile MeterRegistry registry;
    private final DynamicMeters<List<String>, long[]> tracks = new DynamicMeters<>();
    private final DynamicMeters<String, long[]> transports = new DynamicMeters<>();

    /**
     * @param name     the {@code pipeline} tag value (e.g. "camera"); 1..64 characters
     * @param pipeline the pipeline to read
     * @throws IllegalArgumentException if {@code name} is empty or longer than 64 characters
     */
    public PipelineMetrics(String name, StreamPipeline pipeline) {
        this(name, Objects.requireNonNull(pipeline, "pipeline")::stats);
    }

    /** For stats from elsewhere (tests, a pipeline behind another API). */
    PipelineMetrics(String name, Supplier<PipelineStats> stats) {
        if (name == null || name.isEmpty() || name.length() > 64) {
            throw new IllegalArgumentException("name: '" + name + "' (expected: 1..64 characters)");
        }
        this.name = name;
        this.stats = stats;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (this.registry != null) {
            throw new IllegalStateException("PipelineMetrics '" + name + "' is already bound to a registry");
        }
        this.registry = registry;
        refresh();
    }

    @Override
    public synchronized void refresh() {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        PipelineStats s = stats.get();
        Map<List<String>, PipelineStats.Track> byTrack = new HashMap<>();
        for (PipelineStats.Track t : s.tracks()) {
            byTrack.put(List.of(String.valueOf(t.track().trackId()), t.track().isVideo() ? "video" : "audio",
                    t.track().codec().name().toLowerCase(java.util.Locale.ROOT)), t);
        }
        Map<List<String>, long[]> th = tracks.sync(r, byTrack.keySet(), k -> new long[7], this::registerTrack);
        byTrack.forEach((k, t) -> {
            long[] h = th.get(k);
            h[FRAMES_IN] = t.framesIn();
            h[FRAMES_OUT] = t.framesOut();
            h[DROPPED] = t.framesDropped();
            h[P50_US] = t.encodeLatencyP50Us();
            h[P99_US] = t.encodeLatencyP99Us();
            h[BITRATE] = t.bitrateBps();
            h[QUEUE] = t.queueDepth();
        });
        Map<String, PipelineStats.Transport> byUri = new HashMap<>();
        for (PipelineStats.Transport t : s.transports()) {
            byUri.put(t.uri().toString(), t);
        }
        Map<String, long[]> xh = transports.sync(r, byUri.keySet(), k -> new long[5], this::registerTransport);
        byUri.forEach((k, t) -> {
            long[] h = xh.get(k);
            h[T_BYTES] = t.stats().bytesSent();
            h[T_FRAMES] = t.stats().framesSent();
            h[T_DROPPED] = t.stats().framesDropped();
            h[T_QUEUE_DROPS] = t.queueDrops();
            h[T_RTT_US] = t.stats().rttUs();
        });
    }

    private List<Meter> registerTrack(List<String> k, long[] h) {
        MeterRegistry r = registry;
        Tags tags = Tags.of("pipeline", name, "track", k.get(0), "media", k.get(1), "codec", k.get(2));
        return List.of(
                FunctionCounter.builder("sluice.pipeline.frames.in", h, a -> a[FRAMES_IN]).tags(tags)
                        .description("frames the source delivered to the track").register(r),
                FunctionCounter.builder("sluice.pipeline.frames.out", h, a -> a[FRAMES_OUT]).tags(tags)
                        .description("encoded frames handed to the transports").register(r),
                FunctionCounter.builder("sluice.pipeline.frames.dropped", h, a -> a[DROPPED]).tags(tags)
                        .description("frames dropped before encoding or sending").register(r),
                Gauge.builder("sluice.pipeline.encode.latency.p50", h, a -> a[P50_US] / 1e6).tags(tags)
                        .baseUnit("seconds").description("encode latency over the recent window").register(r),
                Gauge.builder("sluice.pipeline.encode.latency.p99", h, a -> a[P99_US] / 1e6).tags(tags)
                        .baseUnit("seconds").description("encode latency over the recent window").register(r),
                Gauge.builder("sluice.pipeline.encoded.rate", h, a -> a[BITRATE] / 8.0).tags(tags).baseUnit("bytes.per.second")
                        .description("encoded output rate (bit rate / 8)").register(r),
                Gauge.builder("sluice.pipeline.queue.depth", h, a -> a[QUEUE]).tags(tags)
                        .description("frames waiting for the encoder").register(r));
    }

    private List<Meter> registerTransport(String uri, long[] h) {
        MeterRegistry r = registry;
        String scheme = java.net.URI.create(uri).getScheme();
        Tags tags = Tags.of("pipeline", name, "transport", scheme == null ? "unknown" : scheme, "uri", redact(uri));
        return List.of(
                FunctionCounter.builder("sluice.pipeline.transport.bytes", h, a -> a[T_BYTES]).tags(tags).baseUnit("bytes")
                        .description("bytes the transport sent").register(r),
                FunctionCounter.builder("sluice.pipeline.transport.frames", h, a -> a[T_FRAMES]).tags(tags)
                        .description("frames the transport sent").register(r),
                FunctionCounter.builder("sluice.pipeline.transport.frames.dropped", h, a -> a[T_DROPPED]).tags(tags)
                        .description("frames the transport dropped").register(r),
                FunctionCounter.builder("sluice.pipeline.transport.queue.drops", h, a -> a[T_QUEUE_DROPS]).tags(tags)
                        .description("frames dropped from the pipeline's queue to the transport").register(r),
                Gauge.builder("sluice.pipeline.transport.rtt", h, a -> a[T_RTT_US] < 0 ? -1 : a[T_RTT_US] / 1e6).tags(tags)
                        .baseUnit("seconds").description("round-trip time, -1 if unknown").register(r));
    }

    /** The URI without user info and query (stream keys, tokens). */
    static String redact(String uri) {
        java.net.URI u = java.net.URI.create(uri);
        if (u.isOpaque()) {
            return u.getScheme() + ":" + u.getSchemeSpecificPart().replaceAll("\\?.*", "");
        }
        return u.getScheme() + "://" + (u.getHost() == null ? "" : u.getHost()) + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getPath() == null ? "" : u.getPath());
    }
}
