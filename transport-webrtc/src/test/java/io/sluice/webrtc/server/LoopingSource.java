package io.sluice.webrtc.server;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.AvRawFrame;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import java.util.List;
import java.util.Map;

/** Plays a file {@code loops} times as one source with continuous timestamps (the next run starts one frame after the last). */
public final class LoopingSource implements MediaSource {
    private static final long GAP_US = 33_333;
    private final String input;
    private final int loops;
    private MediaSource current;
    private MediaSource next;
    private int readInRun;
    private Map<Integer, Delivery> delivery;
    private int run;
    private long offsetUs;
    private long maxPtsUs;
    private volatile boolean aborted;
    private volatile boolean finished;

    /** Ends the input at the next {@link #read()} (a clean end of stream, unlike {@link #abort()}). */
    public void finish() {
        finished = true;
    }

    public LoopingSource(String input, int loops) {
        this.input = input;
        this.loops = loops;
    }

    @Override
    public String name() {
        return input + " x" + loops;
    }

    @Override
    public List<TrackInfo> open() {
        current = MediaSources.open(input);
        return current.open();
    }

    @Override
    public void select(Map<Integer, Delivery> delivery) {
        this.delivery = Map.copyOf(delivery);
        current.select(delivery);
    }

    @Override
    public boolean isLive() {
        return false;
    }

    @Override
    public MediaFrame read() throws InterruptedException {
        while (!aborted && !finished) {
            MediaFrame f = current.read();
            if (f != null) {
                if (++readInRun == 60 && run + 1 < loops) {
                    // open the next run well before this one ends, so the switch adds no delay
                    next = MediaSources.open(input);
                    next.open();
                    next.select(delivery);
                }
                return shift(f);
            }
            if (++run >= loops || next == null) {
                return null;
            }
            current.close();
            offsetUs = maxPtsUs + GAP_US;
            current = next;
            next = null;
            readInRun = 0;
        }
        return null;
    }

    private MediaFrame shift(MediaFrame f) {
        long pts = f.ptsUs() + offsetUs;
        maxPtsUs = Math.max(maxPtsUs, pts);
        if (offsetUs == 0) {
            return f;
        }
        if (f instanceof EncodedFrame e) {
            EncodedFrame s = new EncodedFrame(e.track(), e.content().retain(), pts, e.dtsUs() + offsetUs, e.isKeyframe(),
                    e.createdNanos());
            e.release();
            return s;
        }
        if (f instanceof AvRawFrame a) {
            AvRawFrame s = AvRawFrame.cloneOf(a.trackId(), a.mediaType(), a.avFrame(), pts, a.createdNanos());
            a.release();
            return s;
        }
        throw new IllegalStateException("unexpected frame " + f);
    }

    @Override
    public void abort() {
        aborted = true;
        current.abort();
    }

    @Override
    public void close() {
        current.close();
        if (next != null) {
            next.close();
        }
    }
}
