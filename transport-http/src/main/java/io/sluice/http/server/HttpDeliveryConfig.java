package io.sluice.http.server;

import io.sluice.core.time.Ticker;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of {@link HttpDelivery}, immutable; built with {@link HttpDelivery.Builder}.
 *
 * @param segmentTarget      segment target = HLS {@code EXT-X-TARGETDURATION} (rounded up to whole seconds);
 *                           publishers should send keyframes at least this often (one is requested when a
 *                           segment reaches it without one)
 * @param partTarget         LL-HLS {@code PART-TARGET} and LL-DASH chunk duration
 * @param windowSegments     complete segments kept per stream, in the playlists and downloadable
 * @param maxBlockedRequests blocked requests (blocking playlist reloads, preload-hinted parts) held at once
 *                           over all streams; more get 503
 * @param corsAllowOrigin    {@code Access-Control-Allow-Origin} value
 * @param ticker             the clock: blocking deadlines and program-date-time
 * @param dashLatencyTarget  the MPD's {@code ServiceDescription} latency target
 * @param ladderIdleTimeout  with a rendition ladder: how long a stream's ladder lease is held after its last request
 */
public record HttpDeliveryConfig(Duration segmentTarget, Duration partTarget, int windowSegments, int maxBlockedRequests,
                                 String corsAllowOrigin, Ticker ticker, Duration dashLatencyTarget,
                                 Duration ladderIdleTimeout) {
    public HttpDeliveryConfig {
        Objects.requireNonNull(segmentTarget, "segmentTarget");
        Objects.requireNonNull(partTarget, "partTarget");
        Objects.requireNonNull(corsAllowOrigin, "corsAllowOrigin");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(ladderIdleTimeout, "ladderIdleTimeout");
    }
}
