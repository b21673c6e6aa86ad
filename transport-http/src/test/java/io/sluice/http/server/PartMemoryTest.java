package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.internal.PlatformDependent;
import io.sluice.codec.MediaSources;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.http.cmaf.CmafHeader;
import io.sluice.http.cmaf.CmafSegment;
import io.sluice.http.cmaf.CmafSegmenter;
import io.sluice.http.hls.HlsMediaPlaylist;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What one live stream's window keeps in memory, measured: a real clip (Big Buck Bunny 480p, 30 s, H.264 + 5.1 AAC,
 * CC-BY 3.0 (c) Blender Foundation | www.blender.org / www.bigbuckbunny.org) cut by the segmenter and held as
 * {@link LiveStream} holds it (an {@link HlsMediaPlaylist} window of 10 segments and the {@link MediaBodies} that
 * serve it), then the heap (live bytes after a full GC) and direct memory used with the window held, minus the
 * same after the window is released and dropped. The clip is 4 segments (its keyframes are up to 10 s apart), all in the window.
 * Each part's muxed bytes held once means: retained &le; muxed bytes + a small overhead (per-track {@code prft},
 * {@code moof} and {@code mdat} headers for DASH, the records).
 */
class PartMemoryTest {
    private static final Path CLIP = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "bbb_480p_30s_h264_aac51.mp4");

    private HlsMediaPlaylist playlist;
    private MediaBodies bodies;
    private CmafSegmenter segmenter;

    @Test
    void eachPartIsHeldOnce() throws Exception {
        // without the PARANOID leak detector's access records (a stack trace per buffer access, test-only heap)
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        long muxed;
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            muxed = fill();
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        long[] held = measure();
        bodies.close();
        playlist = null;
        bodies = null;
        segmenter = null;
        long[] released = measure();
        long heap = held[0] - released[0];
        long direct = held[1] - released[1];
        System.out.printf(Locale.ROOT, "PartMemoryTest: window of %s: muxed parts %d bytes; retained heap %d + direct %d = %d bytes (%.2f x muxed)%n",
                CLIP.getFileName(), muxed, heap, direct, heap + direct, (heap + direct) / (double) muxed);
        assertTrue(heap + direct <= muxed * 11 / 10, "retained " + (heap + direct) + " bytes for " + muxed + " bytes of parts");
    }

    /** Runs the clip through the segmenter into the window; the muxed bytes of every segment held. */
    private long fill() throws Exception {
        segmenter = CmafSegmenter.builder().segmentTarget(Duration.ofSeconds(2)).partTarget(Duration.ofMillis(250)).build();
        playlist = new HlsMediaPlaylist(segmenter.segmentTargetUs(), segmenter.partTargetUs(), 10);
        bodies = new MediaBodies();
        try (MediaSource src = MediaSources.open(CLIP.toString())) {
            List<TrackInfo> tracks = src.open();
            Map<Integer, Delivery> d = new HashMap<>();
            tracks.forEach(t -> d.put(t.trackId(), Delivery.ENCODED));
            src.select(d);
            segmenter.start(tracks);
            MediaFrame f;
            while ((f = src.read()) != null) {
                EncodedFrame e = (EncodedFrame) f;
                try {
                    segmenter.push(e, 1_700_000_000_000L + e.dtsUs() / 1000);
                } finally {
                    e.release();
                }
                drain();
            }
        }
        segmenter.finish();
        drain();
        long muxed = 0;
        for (CmafSegment s : playlist.segments()) {
            muxed += s.byteLength();
        }
        assertTrue(playlist.segments().size() >= 3, "segments in the window: " + playlist.segments().size());
        return muxed;
    }

    /** As {@link LiveStream}'s drain. */
    private void drain() {
        CmafSegmenter.Output o;
        while ((o = segmenter.poll()) != null) {
            if (o instanceof CmafSegmenter.PartReady p) {
                playlist.onPart(p.part());
                bodies.onPart(p.part());
            } else if (o instanceof CmafSegmenter.SegmentReady s) {
                playlist.onSegment(s.segment());
                bodies.onSegment(s.segment());
                CmafHeader current = playlist.currentHeader();
                bodies.retainFrom(playlist.firstSequence(), current == null ? -1 : current.id(), id -> playlist.header(id) != null);
            }
        }
    }

    /** [heap used after a full GC, direct memory used], bytes. */
    private static long[] measure() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        // Netty counts what it allocates itself, without a Cleaner or through ByteBuffer.allocateDirect (then the JDK's
        // pool counts it too); the JDK's pool counts every ByteBuffer.allocateDirect: the larger of the two
        long direct = Math.max(0, PlatformDependent.usedDirectMemory());
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                direct = Math.max(direct, pool.getMemoryUsed());
            }
        }
        return new long[] {heap, direct};
    }
}
