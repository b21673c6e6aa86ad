package io.sluice.crypto.sframe;

import java.util.Arrays;
import java.util.Optional;

/**
 * Derived per-KID {@link SframeAead}s of one sender or receiver: a small array searched linearly (no
 * boxing on the hot path), invalidated and zeroed when the {@link KeyProvider#version()} moves, and
 * bounded (the oldest entry is evicted and zeroed). Package-private; not thread-safe.
 */
final class KeyCache {
    private final SframeCipherSuite suite;
    private final KeyProvider provider;
    private final long[] kids;
    private final Entry[] entries;
    private int size;
    private int next;
    private long version;

    KeyCache(SframeCipherSuite suite, KeyProvider provider, int capacity) {
        this.suite = suite;
        this.provider = provider;
        this.kids = new long[capacity];
        this.entries = new Entry[capacity];
        this.version = provider.version();
    }

    /** One cached KID: its AEAD and, for receivers, its replay window (created on demand). */
    static final class Entry {
        final SframeAead aead;
        ReplayWindow replay;

        Entry(SframeAead aead) {
            this.aead = aead;
        }
    }

    /** The entry for {@code kid}, deriving its keys on first use; {@code null} if the provider has no key. */
    Entry get(long kid) {
        long v = provider.version();
        if (v != version) {
            clear();
            version = v;
        }
        for (int i = 0; i < size; i++) {
            if (kids[i] == kid) {
                return entries[i];
            }
        }
        Optional<byte[]> base = provider.baseKey(kid);
        if (base.isEmpty()) {
            return null;
        }
        byte[] baseKey = base.get();
        SframeKeyMaterial km = SframeKeyMaterial.derive(suite, kid, baseKey);
        Arrays.fill(baseKey, (byte) 0);
        SframeAead aead;
        try {
            aead = SframeAead.create(km);
        } finally {
            km.destroy();
        }
        int slot;
        if (size < kids.length) {
            slot = size++;
        } else {
            slot = next;
            next = (next + 1) % kids.length;
            entries[slot].aead.destroy();
        }
        kids[slot] = kid;
        Entry e = new Entry(aead);
        entries[slot] = e;
        return e;
    }

    /** Zeroes and forgets every derived key. */
    void clear() {
        for (int i = 0; i < size; i++) {
            entries[i].aead.destroy();
            entries[i] = null;
        }
        size = 0;
        next = 0;
    }
}
