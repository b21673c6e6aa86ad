package io.sluice.http.server;

import io.netty.util.concurrent.EventExecutor;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.http.cmaf.SegmentAlignment;
import io.sluice.http.dash.DashManifest;
import io.sluice.http.hls.HlsMultivariantPlaylist;
import io.sluice.http.hls.RenditionReport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of one source stream's rendition ladder: a {@link LiveStream} per rung (highest first), whose
 * segmenters share one {@link SegmentAlignment}, served as the variants of one multivariant playlist
 * ({@code v<i>/media.m3u8}) and as the Representations of the MPD's video AdaptationSet. It holds the ladder's
 * lease from the first HTTP request for the stream until no request has come for the idle timeout
 * ({@link HttpDeliveryConfig#ladderIdleTimeout()}: HTTP has no session to end). When a rung's publisher leaves or
 * the source is published again the ladder has ended: the group still serves its window until the stream is
 * live again, when the next request starts a new group.
 *
 * <p>Thread-safe: each rung's state is under its {@link LiveStream}'s lock; what one rung needs of the others
 * (their rendition reports, measured bitrates, DASH timelines) it reads from their published snapshots.
 */
final class LadderGroup {
    private static final Logger log = LoggerFactory.getLogger(LadderGroup.class);

    private final HttpDelivery delivery;
    private final String source;
    private final RenditionLadder.Lease lease;
    private final SegmentAlignment alignment = new SegmentAlignment(1);
    private final List<LiveStream> rungs = new ArrayList<>();
    private volatile long lastRequestNanos;
    private volatile boolean ended;
    private boolean closed;

    private LadderGroup(HttpDelivery delivery, String source, RenditionLadder.Lease lease) {
        this.delivery = delivery;
        this.source = source;
        this.lease = lease;
    }

    /**
     * Takes a lease on {@code source}'s ladder and subscribes a segmenter to each rung (the highest first).
     *
     * @throws RuntimeException what {@link RenditionLadder#acquire} throws; nothing is left held then
     */
    static LadderGroup open(HttpDelivery delivery, StreamHub hub, RenditionLadder ladder, String source, EventExecutor executor) {
        RenditionLadder.Lease lease = ladder.acquire(source);
        LadderGroup g = new LadderGroup(delivery, source, lease);
        try {
            List<RenditionLadder.Rung> list = lease.rungs();
            for (int i = 0; i < list.size(); i++) {
                g.rungs.add(new LiveStream(delivery, list.get(i).streamName(), g, i));
            }
            for (LiveStream s : g.rungs) {
                s.subscribe(hub);
            }
        } catch (RuntimeException e) {
            g.close();
            throw e;
        }
        g.touch();
        g.scheduleIdleCheck(executor, delivery.config().ladderIdleTimeout().toNanos());
        log.info("stream '{}': HTTP delivery of {} ladder rungs", source, g.rungs.size());
        return g;
    }

    String source() {
        return source;
    }

    SegmentAlignment alignment() {
        return alignment;
    }

    int size() {
        return rungs.size();
    }

    /** Rung {@code i} (0 = highest), or {@code null}. */
    LiveStream rung(int i) {
        return i >= 0 && i < rungs.size() ? rungs.get(i) : null;
    }

    /** A request for this stream arrived: the idle timeout counts from now. */
    void touch() {
        lastRequestNanos = delivery.config().ticker().nanoTime();
    }

    /** A rung's publisher left or the source was published again: the ladder is over for this group. */
    void end() {
        ended = true;
    }

    boolean isEnded() {
        return ended;
    }

    private void scheduleIdleCheck(EventExecutor executor, long delayNanos) {
        executor.schedule(() -> {
            long idle = delivery.config().ticker().nanoTime() - lastRequestNanos;
            long limit = delivery.config().ladderIdleTimeout().toNanos();
            if (idle >= limit) {
                log.info("stream '{}': HTTP delivery of the ladder ends (no request for {} s)", source,
                        TimeUnit.NANOSECONDS.toSeconds(idle));
                delivery.removed(this);
                close();
            } else {
                scheduleIdleCheck(executor, limit - idle);
            }
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Ends every rung's subscription (blocked requests get 404) and releases the lease. Idempotent. */
    void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (LiveStream s : rungs) {
            s.close();
        }
        lease.close();
    }

    /**
     * The multivariant playlist over the rungs that have a complete segment, highest first; {@code null} while
     * the top rung has none, or while another has none and {@code waitForAll}.
     *
     * @param lowLatency LL-HLS media playlists ({@code media.m3u8}) or plain ones ({@code plain-media.m3u8})
     */
    String multivariant(boolean lowLatency, boolean waitForAll) {
        List<HlsMultivariantPlaylist.Variant> variants = new ArrayList<>();
        for (int i = 0; i < rungs.size(); i++) {
            LiveStream.Snapshot s = rungs.get(i).snapshot();
            if (s == null || s.averageBps() == 0) {
                if (i == 0 || waitForAll) {
                    return null;
                }
                continue;
            }
            variants.add(new HlsMultivariantPlaylist.Variant(s.header(), s.peakBps(), s.averageBps(),
                    "v" + i + "/" + (lowLatency ? "media.m3u8" : "plain-media.m3u8")));
        }
        return HlsMultivariantPlaylist.render(variants);
    }

    /**
     * The {@code EXT-X-RENDITION-REPORT} tags of every rung but {@code self} that has a part.
     *
     * @param prefix the rungs' directory prefix as seen from the playlist carrying them ({@code "../v"} from a
     *               rung's own directory)
     */
    String renditionReports(int self, String prefix) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rungs.size(); i++) {
            LiveStream.Snapshot s = i == self ? null : rungs.get(i).snapshot();
            RenditionReport r = s == null ? null : s.report();
            if (r != null) {
                sb.append(r.withUri(prefix + i + "/media.m3u8").tag());
            }
        }
        return sb.toString();
    }

    /** The DASH renditions of the rungs that have begun, highest first; empty while the top rung has none. */
    List<DashManifest.Rendition> dashRenditions() {
        List<DashManifest.Rendition> out = new ArrayList<>();
        for (LiveStream rung : rungs) {
            LiveStream.Snapshot s = rung.snapshot();
            if (s == null || s.dash() == null) {
                if (out.isEmpty()) {
                    return out;
                }
                continue;
            }
            out.add(s.dash());
        }
        return out;
    }
}
