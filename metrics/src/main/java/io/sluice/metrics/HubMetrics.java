package io.sluice.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.sluice.core.events.StreamEvent;
import io.sluice.core.events.StreamEventListener;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSnapshot;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Meters of a {@link StreamHub}; names as Prometheus shows them:
 * <ul>
 *   <li>{@code sluice_hub_streams} (gauge): streams the hub knows (live, or with viewers waiting);
 *       {@code sluice_hub_streams_live}: streams with a publisher</li>
 *   <li>{@code sluice_hub_publishers{protocol}}, {@code sluice_hub_viewers{protocol}} (gauges): sessions
 *       now, by {@link io.sluice.core.events.SessionInfo#protocol() protocol}</li>
 *   <li>{@code sluice_stream_viewers{stream}} (gauge)</li>
 *   <li>{@code sluice_stream_ingest_bytes_total{stream,protocol}}, {@code sluice_stream_ingest_frames_total{stream,protocol}}
 *       (counters): payload bytes and frames the live publisher sent (reset when a new publisher
 *       takes the stream, as Prometheus counters may)</li>
 *   <li>{@code sluice_stream_delivered_bytes_total{stream}} (counter): payload bytes delivered to the
 *       stream's viewers since the stream appeared, departed viewers included (their last bytes come
 *       from their {@link StreamEvent.PlayStopped})</li>
 *   <li>{@code sluice_hub_events_total{event,protocol}} (counter): {@link StreamEvent}s by kind
 *       ({@code published}, {@code unpublished}, {@code play_started}, {@code play_stopped},
 *       {@code auth_refused}, {@code ingest_error}, {@code viewer_freeze})</li>
 *   <li>{@code sluice_viewer_freezes_total{protocol}} (counter): video freezes viewers' players reported
 *       ({@link StreamEvent.ViewerFreeze}; the WHEP watch page reports Chromium's {@code freezeCount})</li>
 * </ul>
 * Stream names become label values; the hub bounds their number ({@code maxStreams}).
 */
public final class HubMetrics implements RefreshableBinder, AutoCloseable {
    private final StreamHub hub;
    private final StreamEventListener listener = this::onEvent;
    private volatile MeterRegistry registry;
    private volatile List<StreamSnapshot> last = List.of();
    private MultiGauge publishers;
    private MultiGauge viewers;
    private MultiGauge streamViewers;
    private final DynamicMeters<List<String>, long[]> ingest = new DynamicMeters<>();
    private final DynamicMeters<String, AtomicLong> delivered = new DynamicMeters<>();
    /** Bytes of each viewer counted into {@link #delivered} so far, by session id. Under this lock. */
    private Map<Long, Long> viewerBytes = new java.util.HashMap<>();
    /**
     * Viewers that left since the last refresh. The listener only enqueues: it may run under a stream
     * lock, and {@link #refresh()} takes stream locks while holding this object's lock.
     */
    private final java.util.concurrent.BlockingQueue<StreamEvent.PlayStopped> stopped = new java.util.concurrent.ArrayBlockingQueue<>(10_000);

    public HubMetrics(StreamHub hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (this.registry != null) {
            throw new IllegalStateException("HubMetrics is already bound to a registry");
        }
        this.registry = registry;
        Gauge.builder("sluice.hub.streams", this, m -> m.last.size())
                .description("streams the hub knows (live, or with viewers waiting)").register(registry);
        Gauge.builder("sluice.hub.streams.live", this, m -> m.last.stream().filter(s -> s.publisher().isPresent()).count())
                .description("streams with a live publisher").register(registry);
        publishers = MultiGauge.builder("sluice.hub.publishers").description("live publishers by protocol").register(registry);
        viewers = MultiGauge.builder("sluice.hub.viewers").description("viewers by protocol").register(registry);
        streamViewers = MultiGauge.builder("sluice.stream.viewers").description("viewers of a stream").register(registry);
        hub.addEventListener(listener);
        refresh();
    }

    private void onEvent(StreamEvent e) {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        if (e instanceof StreamEvent.PlayStopped ps) {
            stopped.offer(ps); // full (nobody refreshes): the departed viewer's last bytes go uncounted
        } else if (e instanceof StreamEvent.ViewerFreeze f) {
            Counter.builder("sluice.viewer.freezes").description("video freezes viewers' players reported")
                    .tags("protocol", e.session().protocol()).register(r).increment(f.freezes());
        }
        Counter.builder("sluice.hub.events").description("stream events by kind and protocol")
                .tags("event", e.kind(), "protocol", e.session().protocol()).register(r).increment();
    }

    @Override
    public synchronized void refresh() {
        MeterRegistry r = registry;
        if (r == null) {
            return;
        }
        List<StreamSnapshot> snap = hub.snapshot();
        last = snap;
        Map<String, Integer> pubByProto = new TreeMap<>();
        Map<String, Integer> viewByProto = new TreeMap<>();
        List<MultiGauge.Row<?>> perStream = new ArrayList<>();
        Set<List<String>> liveIngest = new HashSet<>();
        Set<String> names = new HashSet<>();
        for (StreamSnapshot s : snap) {
            names.add(s.name());
            s.publisher().ifPresent(p -> {
                pubByProto.merge(p.session().protocol(), 1, Integer::sum);
                liveIngest.add(List.of(s.name(), p.session().protocol()));
            });
            for (StreamSnapshot.Session v : s.viewers()) {
                viewByProto.merge(v.session().protocol(), 1, Integer::sum);
            }
            perStream.add(MultiGauge.Row.of(Tags.of("stream", s.name()), s.viewers().size()));
        }
        publishers.register(rows(pubByProto), true);
        viewers.register(rows(viewByProto), true);
        streamViewers.register(perStream, true);
        Map<List<String>, long[]> in = ingest.sync(r, liveIngest, k -> new long[2], (k, h) -> List.<Meter>of(
                FunctionCounter.builder("sluice.stream.ingest.bytes", h, a -> a[0]).baseUnit("bytes")
                        .description("payload bytes the live publisher sent").tags("stream", k.get(0), "protocol", k.get(1)).register(r),
                FunctionCounter.builder("sluice.stream.ingest.frames", h, a -> a[1])
                        .description("frames the live publisher sent").tags("stream", k.get(0), "protocol", k.get(1)).register(r)));
        Map<String, AtomicLong> out = delivered.sync(r, names, k -> new AtomicLong(), (k, h) -> List.<Meter>of(
                FunctionCounter.builder("sluice.stream.delivered.bytes", h, AtomicLong::get).baseUnit("bytes")
                        .description("payload bytes delivered to the viewers connected now").tags("stream", k).register(r)));
        Map<Long, Long> seen = new java.util.HashMap<>();
        for (StreamSnapshot s : snap) {
            s.publisher().ifPresent(p -> {
                long[] h = in.get(List.of(s.name(), p.session().protocol()));
                h[0] = p.bytes();
                h[1] = p.frames();
            });
            AtomicLong total = out.get(s.name());
            for (StreamSnapshot.Session v : s.viewers()) {
                total.addAndGet(Math.max(0, v.bytes() - viewerBytes.getOrDefault(v.id(), 0L)));
                seen.put(v.id(), v.bytes());
            }
        }
        StreamEvent.PlayStopped ps;
        while ((ps = stopped.poll()) != null) { // what departed viewers got beyond what was counted
            Long inSnapshot = seen.remove(ps.sessionId());
            long counted = inSnapshot != null ? inSnapshot : viewerBytes.getOrDefault(ps.sessionId(), 0L);
            AtomicLong total = out.get(ps.stream());
            if (total != null) {
                total.addAndGet(Math.max(0, ps.bytes() - counted));
            }
        }
        viewerBytes = seen;
    }

    private static List<MultiGauge.Row<?>> rows(Map<String, Integer> byProtocol) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byProtocol.forEach((proto, n) -> rows.add(MultiGauge.Row.of(Tags.of("protocol", proto), n)));
        return rows;
    }

    /** Stops listening to the hub's events (the meters stay registered). */
    @Override
    public void close() {
        hub.removeEventListener(listener);
    }
}
