package io.sluice.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafPart;
import io.sluice.http.cmaf.CmafSegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The response bodies of one stream's immutable media (LL-HLS parts, whole segments, init segments), each held
 * once off-heap from the moment it completes until it leaves the window, and served as a retained duplicate:
 * no copy and no concatenation per request. A part is the direct buffer the segmenter wrote it into
 * ({@link CmafPart}), whose reference this object takes over; a segment is a {@link CompositeByteBuf} of its parts'
 * buffers (so a segment and its parts share their memory and a byte range of either is a slice of the same
 * bytes); an init segment is copied on its first request.
 *
 * <p>Before, each part was also copied here from a heap array the segmenter made, and both (plus per-track heap
 * copies for DASH) stayed until the segment left the window: about 3.3 times the bytes served, now 1.0.
 *
 * <p>ByteBuf ownership: this object owns one reference to every buffer it holds (each part's, taken over in
 * {@link #onPart}) and releases it in {@link #retainFrom} (the segment left the window) or {@link #close}; every
 * buffer it returns is a new reference the caller owns and must release (handing it to a Netty write does).
 * Holders never write to the buffers, and nothing returned may be written to. Not thread-safe: the stream confines
 * it to its lock.
 */
final class MediaBodies implements AutoCloseable {
    /** Per media sequence number: its parts so far, then (when complete) the whole segment. */
    private final TreeMap<Long, Bodies> bySequence = new TreeMap<>();
    /** Init segments by header id, copied on first request. */
    private final Map<Integer, ByteBuf> inits = new HashMap<>();
    /** DASH single-track init segments by header id (high 32 bits) and ISO track id, built on first request. */
    private final Map<Long, ByteBuf> trackInits = new HashMap<>();
    private boolean closed;

    private static final class Bodies {
        /** Parts owned (one reference each), in the order they came. */
        final List<CmafPart> parts = new ArrayList<>();
        CompositeByteBuf whole;

        void release() {
            for (CmafPart p : parts) {
                p.release();
            }
            parts.clear();
            if (whole != null) {
                whole.release();
                whole = null;
            }
        }
    }

    /**
     * Holds a part that just closed until its segment leaves the window.
     *
     * @param part ownership of its reference (the one {@link io.sluice.http.cmaf.CmafSegmenter#poll()} handed out)
     *             passes to this object, which releases it at once if closed
     */
    void onPart(CmafPart part) {
        if (closed) {
            part.release();
            return;
        }
        bySequence.computeIfAbsent(part.sequence(), k -> new Bodies()).parts.add(part);
    }

    /**
     * Makes the whole-segment body of {@code segment} from its parts' buffers (no copy).
     *
     * @param segment borrowed; every part of it came through {@link #onPart} and is still held
     */
    void onSegment(CmafSegment segment) {
        if (closed) {
            return;
        }
        Bodies b = bySequence.computeIfAbsent(segment.sequence(), k -> new Bodies());
        if (b.whole != null) {
            return;
        }
        List<CmafPart> parts = segment.parts();
        CompositeByteBuf whole = Unpooled.compositeBuffer(Math.max(2, parts.size()));
        for (CmafPart p : parts) {
            whole.addComponent(true, p.bytes().retainedDuplicate());
        }
        b.whole = whole;
    }

    /**
     * Releases every segment (and its parts) older than {@code firstSequence}, and the init segments no held
     * segment uses but {@code currentHeaderId}.
     *
     * @param firstSequence   media sequence number of the oldest segment still in the window
     * @param currentHeaderId id of the header of the newest content, or -1
     * @param headerInUse     whether a segment still in the window uses a header id
     */
    void retainFrom(long firstSequence, int currentHeaderId, java.util.function.IntPredicate headerInUse) {
        for (Iterator<Map.Entry<Long, Bodies>> it = bySequence.headMap(firstSequence, false).entrySet().iterator(); it.hasNext(); ) {
            it.next().getValue().release();
            it.remove();
        }
        for (Iterator<Map.Entry<Integer, ByteBuf>> it = inits.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Integer, ByteBuf> e = it.next();
            if (e.getKey() != currentHeaderId && !headerInUse.test(e.getKey())) {
                e.getValue().release();
                it.remove();
            }
        }
        for (Iterator<Map.Entry<Long, ByteBuf>> it = trackInits.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, ByteBuf> e = it.next();
            int headerId = (int) (e.getKey() >>> 32);
            if (headerId != currentHeaderId && !headerInUse.test(headerId)) {
                e.getValue().release();
                it.remove();
            }
        }
    }

    /**
     * Part {@code index} of segment {@code msn}.
     *
     * @return a new reference the caller must release, or {@code null} if the part is not held
     */
    ByteBuf part(long msn, int index) {
        Bodies b = bySequence.get(msn);
        if (b != null) {
            for (CmafPart p : b.parts) {
                if (p.index() == index) {
                    return p.bytes().retainedDuplicate();
                }
            }
        }
        return null;
    }

    /**
     * DASH chunk of track {@code isoTrackId} of part {@code index} of segment {@code msn}.
     *
     * @return a new reference the caller must release, or {@code null} if the part is not held or has no such track
     */
    ByteBuf trackChunk(long msn, int index, int isoTrackId) {
        Bodies b = bySequence.get(msn);
        if (b != null) {
            for (CmafPart p : b.parts) {
                if (p.index() == index) {
                    CmafPart.TrackChunk c = p.trackChunks().get(isoTrackId);
                    return c == null ? null : c.retainedBytes();
                }
            }
        }
        return null;
    }

    /**
     * The whole segment {@code msn}.
     *
     * @return a new reference the caller must release, or {@code null} if the segment is not complete or not held
     */
    ByteBuf segment(long msn) {
        Bodies b = bySequence.get(msn);
        return b == null || b.whole == null ? null : b.whole.retainedDuplicate();
    }

    /**
     * The init segment of {@code header}, copied off-heap on first use.
     *
     * @return a new reference the caller must release
     */
    ByteBuf init(CmafHeader header) {
        if (closed) {
            return Unpooled.wrappedBuffer(header.bytes());
        }
        return inits.computeIfAbsent(header.id(), k -> direct(header.bytes())).retainedDuplicate();
    }

    /**
     * The DASH init segment of track {@code isoTrackId} alone of {@code header}, built and copied off-heap on first use.
     *
     * @return a new reference the caller must release
     * @throws IllegalArgumentException if the header has no such track
     */
    ByteBuf trackInit(CmafHeader header, int isoTrackId) {
        if (closed) {
            return Unpooled.wrappedBuffer(header.trackInit(isoTrackId));
        }
        long key = (long) header.id() << 32 | (isoTrackId & 0xFFFF_FFFFL);
        ByteBuf held = trackInits.get(key);
        if (held == null) {
            held = direct(header.trackInit(isoTrackId));
            trackInits.put(key, held);
        }
        return held.retainedDuplicate();
    }

    /** Segments held, complete or not. For tests. */
    int heldSequences() {
        return bySequence.size();
    }

    /** Releases everything held; later parts and segments are not held. Idempotent. */
    @Override
    public void close() {
        closed = true;
        for (Bodies b : bySequence.values()) {
            b.release();
        }
        bySequence.clear();
        for (ByteBuf b : inits.values()) {
            b.release();
        }
        inits.clear();
        for (ByteBuf b : trackInits.values()) {
            b.release();
        }
        trackInits.clear();
    }

    /** An unpooled direct copy of {@code bytes}; the caller owns it. */
    private static ByteBuf direct(byte[] bytes) {
        return Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
    }
}
