package io.sluice.http.server;

/**
 * The page at {@code /dash/<stream>/player.html}: dash.js (when configured) playing the stream's MPD in
 * low-latency mode. It publishes what it measures in {@code window.sluiceStats}: decoded/dropped frames,
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
                const p = window.player = dashjs.MediaPlayer().create();
                p.updateSettings({streaming: {lowLatencyEnabled: true, liveCatchup: {enabled: true}}});
                p.on(dashjs.MediaPlayer.events.ERROR, (e) => stats.errors.push(JSON.stringify(e.error || e).slice(0, 200)));
                const token = new URLSearchParams(location.search).get('token');
                p.initialize(v, 'manifest.mpd' + (token ? '?token=' + encodeURIComponent(token) : ''), true);
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
