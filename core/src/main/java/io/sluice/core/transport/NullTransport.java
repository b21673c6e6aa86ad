package io.sluice.core.transport;

import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import java.net.URI;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code null:} — counts and discards every frame, like {@code ffmpeg -f null -}. For benchmarks and
 * for measuring a source or encoder alone.
 */
public final class NullTransport implements Transport {
    private final URI uri;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong frames = new AtomicLong();
    private volatile TransportState state = TransportState.CONNECTING;
    private volatile TransportFeedback feedback;

    public NullTransport(URI uri) {
        this.uri = uri;
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
        this.feedback = feedback;
        state = TransportState.CONNECTED;
        feedback.onStateChanged(state, null);
    }

    /** Counts and releases {@code frame} (ownership passes here). Always returns {@code true}. */
    @Override
    public boolean send(EncodedFrame frame) {
        try {
            bytes.addAndGet(frame.size());
            frames.incrementAndGet();
            return true;
        } finally {
            frame.release();
        }
    }

    @Override
    public TransportStats stats() {
        return new TransportStats(state, bytes.get(), frames.get(), 0, 0, 0);
    }

    @Override
    public void close() {
        if (state != TransportState.CLOSED) {
            state = TransportState.CLOSED;
            TransportFeedback f = feedback;
            if (f != null) {
                f.onStateChanged(state, null);
            }
        }
    }
}
