package io.sluice.kafka;

import io.sluice.core.hub.StreamSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-stream sliding-window aggregation, sans-IO: it is fed hub snapshots, latencies and freezes with
 * their times ({@code nowNanos}, any monotonic clock, the same for every call) and returns
 * {@link StreamWindow}s; it reads no clock and starts no thread. Not thread-safe: confine to one
 * thread.
 *
 * <p>Bounds: per stream, samples older than the window are evicted at each call; latencies are
 * kept up to {@code maxLatencySamples} per stream (the oldest go first); a stream with no sample
 * left in the window is forgotten.
 */
public final class StreamWindows {
    private record Sample(long atNanos, long publisherId, long ingestBytes, int viewers) {
    }

    private record Timed(long atNanos, long value) {
    }

    private static final class PerStream {
        final ArrayDeque<Sample> samples = new ArrayDeque<>();
        final ArrayDeque<Timed> latencies = new ArrayDeque<>();
        final ArrayDeque<Long> freezes = new ArrayDeque<>();
    }

    private final long windowNanos;
    private final int maxLatencySamples;
    private final Map<String, PerStream> streams = new TreeMap<>();

    /**
     * @param windowNanos       the window, ns, &gt; 0 (the exporter uses 10 s)
     * @param maxLatencySamples latencies kept per stream, 1..100000
     * @throws IllegalArgumentException if out of range
     */
    public StreamWindows(long windowNanos, int maxLatencySamples) {
        if (windowNanos <= 0) {
            throw new IllegalArgumentException("windowNanos: " + windowNanos + " (expected: > 0)");
        }
        if (maxLatencySamples < 1 || maxLatencySamples > 100_000) {
            throw new IllegalArgumentException("maxLatencySamples: " + maxLatencySamples + " (expected: 1..100000)");
        }
        this.windowNanos = windowNanos;
        this.maxLatencySamples = maxLatencySamples;
    }

    /** Records every stream of a hub snapshot taken at {@code nowNanos}. */
    public void sample(long nowNanos, List<StreamSnapshot> snapshot) {
        for (StreamSnapshot s : snapshot) {
            PerStream p = streams.computeIfAbsent(s.name(), n -> new PerStream());
            long pubId = s.publisher().map(StreamSnapshot.Session::id).orElse(0L);
            long bytes = s.publisher().map(StreamSnapshot.Session::bytes).orElse(0L);
            p.samples.addLast(new Sample(nowNanos, pubId, bytes, s.viewers().size()));
        }
    }

    /** Records a latency of {@code stream} measured at {@code nowNanos} (e.g. glass-to-glass from a player), µs ≥ 0. */
    public void latency(String stream, long nowNanos, long latencyUs) {
        if (latencyUs < 0) {
            throw new IllegalArgumentException("latencyUs: " + latencyUs + " (expected: >= 0)");
        }
        PerStream p = streams.computeIfAbsent(stream, n -> new PerStream());
        p.latencies.addLast(new Timed(nowNanos, latencyUs));
        while (p.latencies.size() > maxLatencySamples) {
            p.latencies.pollFirst();
        }
    }

    /** Records a freeze a viewer of {@code stream} reported at {@code nowNanos}. */
    public void freeze(String stream, long nowNanos) {
        PerStream p = streams.computeIfAbsent(stream, n -> new PerStream());
        p.freezes.addLast(nowNanos);
        while (p.freezes.size() > maxLatencySamples) {
            p.freezes.pollFirst();
        }
    }

    /**
     * Evicts what is older than the window and returns the aggregate of every stream that still has
     * a snapshot sample in it, sorted by name.
     */
    public List<StreamWindow> aggregates(long nowNanos) {
        long from = nowNanos - windowNanos;
        List<StreamWindow> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, PerStream>> it = streams.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, PerStream> e = it.next();
            PerStream p = e.getValue();
            while (!p.samples.isEmpty() && p.samples.peekFirst().atNanos() < from) {
                p.samples.pollFirst();
            }
            while (!p.latencies.isEmpty() && p.latencies.peekFirst().atNanos() < from) {
                p.latencies.pollFirst();
            }
            while (!p.freezes.isEmpty() && p.freezes.peekFirst() < from) {
                p.freezes.pollFirst();
            }
            if (p.samples.isEmpty()) {
                if (p.latencies.isEmpty() && p.freezes.isEmpty()) {
                    it.remove();
                }
                continue;
            }
            out.add(aggregate(e.getKey(), p));
        }
        return out;
    }

    private StreamWindow aggregate(String stream, PerStream p) {
        Sample first = p.samples.peekFirst();
        Sample last = p.samples.peekLast();
        long bytes = 0;
        int max = 0;
        long sum = 0;
        Sample prev = null;
        for (Sample s : p.samples) {
            if (prev != null && s.publisherId() == prev.publisherId() && s.publisherId() != 0) {
                bytes += Math.max(0, s.ingestBytes() - prev.ingestBytes());
            } else if (prev != null && s.publisherId() != 0) {
                bytes += s.ingestBytes(); // a new publisher since the previous sample: all it sent is in the span
            }
            max = Math.max(max, s.viewers());
            sum += s.viewers();
            prev = s;
        }
        long span = last.atNanos() - first.atNanos();
        long bitrate = span <= 0 ? 0 : (long) (bytes * 8 * 1e9 / span);
        long p95 = -1;
        if (!p.latencies.isEmpty()) {
            long[] v = p.latencies.stream().mapToLong(Timed::value).toArray();
            Arrays.sort(v);
            p95 = v[(int) Math.ceil(0.95 * v.length) - 1]; // nearest-rank percentile
        }
        return new StreamWindow(stream, windowNanos, span, last.publisherId() != 0, bitrate, last.viewers(), max,
                (double) sum / p.samples.size(), p.freezes.size(), p95, p.latencies.size());
    }
}
