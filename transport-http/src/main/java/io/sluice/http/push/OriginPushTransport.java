package io.sluice.http.push;

import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import java.net.URI;
import java.util.List;

/**
 * A pipeline's frames pushed to an origin ({@link OriginPushTransportProvider}): frames are segmented as they
 * are sent, writes go out in the background, and a failing origin is logged and counted (its writes are
 * dropped after their retries) without failing the pipeline. {@link #close()} pushes the last segment and the
 * playlists with {@code #EXT-X-ENDLIST}.
 */
final class OriginPushTransport implements Transport {
    private final URI uri;
    private final OriginPush push;
    private volatile TransportState state = TransportState.CONNECTING;
    private volatile long framesSent;

    OriginPushTransport(URI uri, OriginPush push) {
        this.uri = uri;
        this.push = push;
    }

    @Override
    public URI uri() {
        return uri;
    }

    /** What the CMAF segmenter carries: H.264 or H.265 video, AAC or Opus audio (AAC first: every HLS player has it). */
    @Override
    public List<Codec> acceptedCodecs(MediaType mediaType) {
        return mediaType == MediaType.VIDEO ? List.of(Codec.H264, Codec.H265)
                : mediaType == MediaType.AUDIO ? List.of(Codec.AAC, Codec.OPUS) : List.of();
    }

    @Override
    public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
        int video = tracks.stream().filter(TrackInfo::isVideo).mapToInt(TrackInfo::trackId).findFirst().orElse(-1);
        if (video >= 0) {
            push.keyframeRequester(() -> feedback.onKeyframeRequest(video, "segment target reached without a keyframe"));
        }
        push.start(tracks);
        state = TransportState.CONNECTED;
        feedback.onStateChanged(TransportState.CONNECTED, null);
    }

    /** @param frame ownership passes here: released once segmented (its payload is copied) */
    @Override
    public boolean send(EncodedFrame frame) {
        try {
            push.push(frame);
            framesSent++;
            return true;
        } finally {
            frame.release();
        }
    }

    @Override
    public TransportStats stats() {
        OriginPushStats s = push.stats();
        return new TransportStats(state, s.bytesWritten(), framesSent, 0, s.queuedBytes(), 0);
    }

    @Override
    public void close() {
        push.close();
        state = TransportState.CLOSED;
    }
}
