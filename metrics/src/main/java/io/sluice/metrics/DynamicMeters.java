package io.sluice.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Meters keyed by something live (a stream, a track): {@link #sync} registers the meters of new keys
 * and removes those of keys that are gone. Not thread-safe; the owning binder serialises.
 *
 * @param <K> the key
 * @param <H> what the meters read (a holder updated on each sync)
 */
final class DynamicMeters<K, H> {
    private record Entry<H>(H holder, List<Meter> meters) {
    }

    private final Map<K, Entry<H>> entries = new HashMap<>();

    /**
     * @param live     the keys alive now
     * @param create   makes the holder of a new key
     * @param register registers a new key's meters on {@code registry}, reading its holder
     * @return the holders of the live keys
     */
    Map<K, H> sync(MeterRegistry registry, Set<K> live, Function<K, H> create,
                   java.util.function.BiFunction<K, H, List<Meter>> register) {
        for (K gone : new HashSet<>(entries.keySet())) {
            if (!live.contains(gone)) {
                entries.remove(gone).meters().forEach(registry::remove);
            }
        }
        Map<K, H> out = new HashMap<>();
        for (K k : live) {
            Entry<H> e = entries.get(k);
            if (e == null) {
                H h = create.apply(k);
                e = new Entry<>(h, register.apply(k, h));
                entries.put(k, e);
            }
            out.put(k, e.holder());
        }
        return out;
    }

    /** Removes every meter. */
    void clear(MeterRegistry registry) {
        entries.values().forEach(e -> e.meters().forEach(registry::remove));
        entries.clear();
    }
}
