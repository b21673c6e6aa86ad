package io.sluice.http.server;

/**
 * The page at {@code /dash/<stream>/player.html}: dash.js (when configured) playing the stream's MPD in
 * low-latency mode, or with {@code ?plain} from whole segments two segment durations behind the live edge; a
 * {@code ?token=} goes with every request dash.js makes (its {@code RequestModifier}). It publishes what it measures in {@code window.sluiceStats}: decoded/dropped frames,
 * stalls after the start, latency samples (dash.js {@code getCurrentLiveLatency}, ms) and errors.
 */
final class DashPlayerPage {
    private DashPlayerPage() {
    }

    static String html(String stream) {
        String safe = stream.replaceAll("[^A-Za-z0-9_./-]", "");
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>Sluice LL-DASH: %1$s</title>
                <script src="/dash/dash.all.min.js"></script></head>
                <body style="font-family:sans-serif">
                <video id="v" muted autoplay playsinline controls style="max-width:100%%"></video>
                <pre id="s"></pre>
                <script>
                const v = document.getElementById('v');
                const stats = window.sluiceStats = {started: false, stalls: 0, stallsAt: [], latencies: [], errors: [], decoded: 0, dropped: 0};
                const params = new URLSearchParams(location.search);
                const plain = params.has('plain');
                const p = window.player = dashjs.MediaPlayer().create();
                // low latency: chunked segments as they are produced, the MPD's ServiceDescription latency target,
                // playback-rate catch-up. plain: whole segments only, two segment durations behind the live edge, with
                // the same catch-up (a player that fell behind, e.g. decoding under real time, comes back to it)
                p.updateSettings(plain
                    ? {streaming: {lowLatencyEnabled: false, applyServiceDescription: false, delay: {liveDelayFragmentCount: 2},
                        liveCatchup: {enabled: true, playbackRate: {min: -0.1, max: 0.2}}}}
                    : {streaming: {lowLatencyEnabled: true, liveCatchup: {enabled: true}}});
                p.on(dashjs.MediaPlayer.events.ERROR, (e) => stats.errors.push(JSON.stringify(e.error || e).slice(0, 200)));
                // a play token in the page's ?token= goes with every request (MPD, init segments, segments, the clock)
                // as the token query parameter (RFC 6750 §2.3): dash.js's RequestModifier rewrites every URL it loads
                const token = params.get('token');
                if (token) {
                  p.extend('RequestModifier', () => ({
                    modifyRequestURL: (url) => url + (url.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token),
                    modifyRequestHeader: (request) => request
                  }), true);
                }
                p.initialize(v, 'manifest.mpd', true);
                v.addEventListener('playing', () => { stats.started = true; });
                v.addEventListener('waiting', () => { if (stats.started) { stats.stalls++; stats.stallsAt.push(v.currentTime.toFixed(3)); } });
                setInterval(() => {
                  const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
                  stats.decoded = q.totalVideoFrames || 0; stats.dropped = q.droppedVideoFrames || 0;
                  const l = p.getCurrentLiveLatency();
                  if (stats.started && l > 0) stats.latencies.push(Math.round(l * 1000));
                  document.getElementById('s').textContent = JSON.stringify({...stats, latencies: stats.latencies.slice(-5)});
                }, 250);
                </script></body></html>
                """.formatted(safe);
    }
}
