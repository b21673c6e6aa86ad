package io.sluice.http.server;

/**
 * The page at {@code /hls/<stream>/player.html}: hls.js (served from the jar) playing the stream, low-latency
 * by default, plain HLS with {@code ?plain}; a {@code ?token=} goes with every request as {@code Authorization: Bearer}. It publishes what it measures in {@code window.sluiceStats}:
 * decoded/dropped frames, stalls after the start, and latency samples (wall clock minus the playing
 * program-date-time, ms).
 */
final class HlsPlayerPage {
    private HlsPlayerPage() {
    }

    static String html(String stream) {
        String safe = stream.replaceAll("[^A-Za-z0-9_./-]", "");
        return """
                <!doctype html>
                <html><head><meta charset="utf-8"><title>Sluice HLS: %1$s</title>
                <script src="/hls/hls.min.js"></script></head>
                <body style="font-family:sans-serif">
                <video id="v" muted autoplay playsinline controls style="max-width:100%%"></video>
                <pre id="s"></pre>
                <script>
                const plain = new URLSearchParams(location.search).has('plain');
                const src = plain ? 'plain.m3u8' : 'index.m3u8';
                const v = document.getElementById('v');
                const stats = window.sluiceStats = {started: false, stalls: 0, stallsAt: [], latencies: [], errors: [], decoded: 0, dropped: 0};
                const logs = stats.logs = [];
                const keep = (l) => (...a) => { logs.push(((performance.now() / 1000).toFixed(3)) + ' ' + l + ' ' + a.join(' ')); if (logs.length > 20000) logs.shift(); };
                const debug = new URLSearchParams(location.search).has('debug')
                    ? {log: keep('L'), info: keep('I'), debug: keep('D'), warn: keep('W'), error: keep('E')} : false;
                // maxFragLookUpTolerance: hls.js (1.4) otherwise takes a segment whose last part is shorter than
                // 0.25 s as loaded and leaves a hole. Low latency: hls.js's own catch-up (maxLiveSyncPlaybackRate).
                // Plain: hls.js has none, this page catches up instead (below), and it plays 2 target durations
                // behind the playlist's end (liveSyncDurationCount) rather than the 3 of RFC 8216bis §6.3.3 (a client
                // SHOULD, hls.js's default), as the DASH page does: about 2 s less latency, 2 s less margin for a
                // segment that comes late (the playlist itself stays as the spec asks, without HOLD-BACK). Low latency keeps
                // PART-HOLD-BACK: any liveSyncDuration* given would override it in hls.js
                // a play token in the page's ?token= goes with every request as a bearer token (RFC 6750 §2.1)
                const token = new URLSearchParams(location.search).get('token');
                const hls = window.hls = new Hls({lowLatencyMode: !plain, backBufferLength: 10, debug: debug,
                    maxFragLookUpTolerance: 0.01, maxLiveSyncPlaybackRate: plain ? 1 : 1.5, ...(plain ? {liveSyncDurationCount: 2} : {}),
                    xhrSetup: (xhr) => { if (token) xhr.setRequestHeader('Authorization', 'Bearer ' + token); }});
                // The server's wall clock (its program-date-times), from the DASH UTCTiming address (RFC 3339 with
                // ms): offset = server - local, ms, taken at the midpoint of the request
                let clockOffset = 0;
                const t0 = Date.now();
                fetch('/dash/time', token ? {headers: {Authorization: 'Bearer ' + token}} : {})
                    .then((r) => r.ok ? r.text() : null)
                    .then((t) => { const ms = t ? Date.parse(t.trim()) : NaN; if (!isNaN(ms)) clockOffset = ms - (t0 + Date.now()) / 2; })
                    .catch(() => {});
                // plain catch-up. hls.js starts playback at its target latency (2 target durations, above) from
                // the live edge it knows: the end of the last playlist it loaded plus the time since it loaded it.
                // That edge trails the real one by however long the newest segment had been complete when the
                // playlist was loaded (0 to 1 target duration, by where in the segment being produced the page
                // starts), and the loading before the first frame adds to it; nothing takes either back, so plain
                // HLS with 2 s segments played 4.2 to 6.3 s behind by chance. Play a little faster while more than
                // 0.1 s behind either hls.js's target or 2.5 target durations of wall-clock latency (the segment
                // being produced plus 1.5 segments of margin: 5 s with 2 s segments), and only with more than
                // 0.3 s buffered (1 s when the wall clock is what is over)
                const catchUp = () => {
                  const buffered = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
                  const edgeOver = hls.latency - hls.targetLatency;
                  const wallOver = hls.playingDate
                      ? (Date.now() + clockOffset - hls.playingDate.getTime()) / 1000 - 1.25 * hls.targetLatency : 0;
                  const over = Math.max(edgeOver, wallOver);
                  const enough = edgeOver >= 0.1 ? 0.3 : 1;
                  const rate = !hls.targetLatency || v.paused || buffered < enough || over < 0.1 ? 1 : over > 1 ? 1.25 : 1.1;
                  if (v.playbackRate !== rate) v.playbackRate = rate;
                };
                hls.on(Hls.Events.ERROR, (e, d) => stats.errors.push((d.fatal ? 'FATAL ' : '') + d.type + '/' + d.details));
                hls.loadSource(src);
                hls.attachMedia(v);
                v.addEventListener('playing', () => { stats.started = true; });
                const ahead = () => v.buffered.length ? (v.buffered.end(v.buffered.length - 1) - v.currentTime).toFixed(3) : 'none';
                v.addEventListener('waiting', () => {
                  const ranges = Array.from({length: v.buffered.length}, (_, i) => v.buffered.start(i).toFixed(3) + '-' + v.buffered.end(i).toFixed(3));
                  if (stats.started) { stats.stalls++; stats.stallsAt.push(v.currentTime.toFixed(3) + ' buffered ahead ' + ahead() + ' [' + ranges.join(' ') + ']'); }
                });
                setInterval(() => {
                  const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : {};
                  stats.decoded = q.totalVideoFrames || 0; stats.dropped = q.droppedVideoFrames || 0;
                  stats.currentTime = v.currentTime;
                  if (stats.started && hls.playingDate) stats.latencies.push(Date.now() - hls.playingDate.getTime());
                  if (stats.started && plain) catchUp();
                  document.getElementById('s').textContent = JSON.stringify({...stats, latencies: stats.latencies.slice(-5)});
                }, 250);
                </script></body></html>
                """.formatted(safe);
    }
}
