package io.sluice.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.sluice.webrtc.server.WebRtcEndpoint;
import io.sluice.webrtc.server.WebRtcServer;
import io.sluice.webrtc.server.WebRtcServerStats;
import io.sluice.webrtc.server.WebRtcSessionStats;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Meters of a {@link WebRtcServer}, read from {@link WebRtcServer#stats()} at each refresh:
 * <ul>
 *   <li>{@code sluice_webrtc_sessions_live{endpoint=whep|whip,connected}} (gauge)</li>
 *   <li>{@code sluice_webrtc_sessions_opened_total}, {@code sluice_webrtc_sessions_rejected_total},
 *       {@code sluice_webrtc_srtp_dropped_total}, {@code sluice_webrtc_datagrams_dropped_total{reason}} (counters)</li>
 *   <li>per endpoint, summed over sessions (a session's counts stay in the sums after it ends, up to
 *       its last refresh): {@code sluice_webrtc_rtp_packets_sent_total}, {@code sluice_webrtc_rtp_bytes_sent_total},
 *       {@code sluice_webrtc_rtp_packets_received_total}, {@code sluice_webrtc_nacks_received_total}
 *       (sequence numbers asked for, RFC 4585 §6.2.1), {@code sluice_webrtc_nacks_sent_total},
 *       {@code sluice_webrtc_retransmissions_total}, {@code sluice_webrtc_keyframe_requests_total}
 *       (PLI/FIR), {@code sluice_webrtc_twcc_feedbacks_total}, {@code sluice_webrtc_twcc_packets_lost_total},
 *       {@code sluice_webrtc_twcc_feedbacks_sent_total} (the WHIP ingest's feedback to publishers)</li>
 *   <li>per stream, over its connected WHEP viewers: {@code sluice_webrtc_viewer_estimate_min_bytes_per_second}
 *       (the lowest REMB estimate / 8, draft-alvestrand-rmcat-remb), {@code sluice_webrtc_viewer_rtt_max_seconds}
 *       (the highest RTT from receiver reports), {@code sluice_webrtc_viewer_fraction_lost_max} (0..1)</li>
 * </ul>
 */
public final class WebRtcServerMetrics implements RefreshableBinder {
    /** The per-session counters summed per endpoint, with their meter names and descriptions. */
    private enum Sum {
        RTP_PACKETS_SENT("sluice.webrtc.rtp.packets.sent", "RTP packets sent, retransmissions included", WebRtcSessionStats::rtpPacketsSent),
        RTP_BYTES_SENT("sluice.webrtc.rtp.bytes.sent", "RTP octets sent after SRTP protection", WebRtcSessionStats::rtpBytesSent),
        RTP_PACKETS_RECEIVED("sluice.webrtc.rtp.packets.received", "RTP packets received and authenticated", WebRtcSessionStats::rtpPacketsReceived),
        NACKS_RECEIVED("sluice.webrtc.nacks.received", "sequence numbers peers asked for in generic NACKs", WebRtcSessionStats::nacksReceived),
        NACKS_SENT("sluice.webrtc.nacks.sent", "sequence numbers this server asked for", WebRtcSessionStats::nacksSent),
        RETRANSMISSIONS("sluice.webrtc.retransmissions", "packets retransmitted", WebRtcSessionStats::retransmissions),
        KEYFRAME_REQUESTS("sluice.webrtc.keyframe.requests", "PLI/FIR received (whep) or sent (whip)", WebRtcSessionStats::keyframeRequests),
        TWCC_FEEDBACKS("sluice.webrtc.twcc.feedbacks", "transport-wide CC feedback packets received", WebRtcSessionStats::twccFeedbacks),
        TWCC_PACKETS_LOST("sluice.webrtc.twcc.packets.lost", "packets TWCC feedback reported not received", WebRtcSessionStats::twccPacketsLost),
        TWCC_FEEDBACKS_SENT("sluice.webrtc.twcc.feedbacks.sent", "transport-wide CC feedback packets sent to publishers", WebRtcSessionStats::twccFeedbacksSent);

        final String meter;
        final String description;
        final ToLongFunction<WebRtcSessionStats> read;

        Sum(String meter, String description, ToLongFunction<WebRtcSessionStats> read) {
            this.meter = meter;
            this.description = description;
            this.read = read;
        }
    }

    private final WebRtcServer server;
    private volatile MeterRegistry registry;
    private volatile WebRtcServerStats last;
    private final Map<WebRtcEndpoint, long[]> totals = new EnumMap<>(WebRtcEndpoint.class);
    /** The last counts seen per live session id. */
    private Map<String, long[]> seen = new HashMap<>();
    private MultiGauge sessions;
    private MultiGauge estimateMin;
    private MultiGauge rttMax;
    private MultiGauge lostMax;

    public WebRtcServerMetrics(WebRtcServer server) {
        this.server = Objects.requireNonNull(server, "server");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        if (this.registry != null) {
            throw new IllegalStateException("WebRtcServerMetrics is already bound to a registry");
        }
        this.registry = registry;
        last = server.stats();
        FunctionCounter.builder("sluice.webrtc.sessions.opened", this, m -> m.last.sessionsCreated())
                .description("WHEP and WHIP sessions created").register(registry);
        FunctionCounter.builder("sluice.webrtc.sessions.rejected", this, m -> m.last.sessionsRejected())
                .description("offers refused (bad SDP, no common codec, limits, authorization)").register(registry);
        FunctionCounter.builder("sluice.webrtc.srtp.dropped", this, m -> m.last.srtpDropped())
                .description("SRTP/SRTCP packets dropped: bad tag, replay, malformed").register(registry);
        FunctionCounter.builder("sluice.webrtc.datagrams.dropped", this, m -> m.last.droppedUnknownStun()).tag("reason", "unknown_stun")
                .description("datagrams dropped before reaching a session").register(registry);
        FunctionCounter.builder("sluice.webrtc.datagrams.dropped", this, m -> m.last.droppedUnknownAddress()).tag("reason", "unknown_address")
                .description("datagrams dropped before reaching a session").register(registry);
        FunctionCounter.builder("sluice.webrtc.datagrams.dropped", this, m -> m.last.droppedOther()).tag("reason", "other")
                .description("datagrams dropped before reaching a session").register(registry);
        for (WebRtcEndpoint e : WebRtcEndpoint.values()) {
            long[] t = new long[Sum.values().length];
            totals.put(e, t);
            for (Sum s : Sum.values()) {
                FunctionCounter.builder(s.meter, t, a -> a[s.ordinal()]).tag("endpoint", tag(e))
                        .description(s.description).register(registry);
            }
        }
        sessions = MultiGauge.builder("sluice.webrtc.sessions.live").description("live sessions").register(registry);
        estimateMin = MultiGauge.builder("sluice.webrtc.viewer.estimate.min").baseUnit("bytes.per.second")
                .description("lowest REMB estimate of a stream's connected WHEP viewers (bit/s / 8)").register(registry);
        rttMax = MultiGauge.builder("sluice.webrtc.viewer.rtt.max").baseUnit("seconds")
                .description("highest round-trip time of a stream's connected WHEP viewers").register(registry);
        lostMax = MultiGauge.builder("sluice.webrtc.viewer.fraction.lost.max")
                .description("highest fraction lost a stream's WHEP viewers reported, 0..1").register(registry);
        refresh();
    }

    private static String tag(WebRtcEndpoint e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public synchronized void refresh() {
        if (registry == null) {
            return;
        }
        WebRtcServerStats s = server.stats();
        last = s;
        Map<String, long[]> now = new HashMap<>();
        Map<List<String>, Integer> count = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        Map<String, Long> minEstimate = new TreeMap<>();
        Map<String, Long> maxRtt = new TreeMap<>();
        Map<String, Double> maxLost = new TreeMap<>();
        for (WebRtcSessionStats ss : s.sessions()) {
            long[] prev = seen.getOrDefault(ss.sessionId(), new long[Sum.values().length]);
            long[] cur = new long[Sum.values().length];
            long[] total = totals.get(ss.endpoint());
            for (Sum sum : Sum.values()) {
                cur[sum.ordinal()] = sum.read.applyAsLong(ss);
                total[sum.ordinal()] += Math.max(0, cur[sum.ordinal()] - prev[sum.ordinal()]);
            }
            now.put(ss.sessionId(), cur);
            count.merge(List.of(tag(ss.endpoint()), String.valueOf(ss.connected())), 1, Integer::sum);
            if (ss.endpoint() == WebRtcEndpoint.WHEP && ss.connected()) {
                if (ss.rembBps() > 0) {
                    minEstimate.merge(ss.stream(), ss.rembBps(), Math::min);
                }
                if (ss.rttUs() > 0) {
                    maxRtt.merge(ss.stream(), ss.rttUs(), Math::max);
                }
                maxLost.merge(ss.stream(), ss.fractionLost(), Math::max);
            }
        }
        seen = now;
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        count.forEach((k, n) -> rows.add(MultiGauge.Row.of(Tags.of("endpoint", k.get(0), "connected", k.get(1)), n)));
        sessions.register(rows, true);
        List<MultiGauge.Row<?>> est = new ArrayList<>();
        minEstimate.forEach((stream, v) -> est.add(MultiGauge.Row.of(Tags.of("stream", stream), v / 8.0)));
        estimateMin.register(est, true);
        List<MultiGauge.Row<?>> rtt = new ArrayList<>();
        maxRtt.forEach((stream, v) -> rtt.add(MultiGauge.Row.of(Tags.of("stream", stream), v / 1e6)));
        rttMax.register(rtt, true);
        List<MultiGauge.Row<?>> lost = new ArrayList<>();
        maxLost.forEach((stream, v) -> lost.add(MultiGauge.Row.of(Tags.of("stream", stream), v)));
        lostMax.register(lost, true);
    }
}
