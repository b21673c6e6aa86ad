#!/usr/bin/env bash
# Soak test of the main job: `sluice serve` with a publisher, an RTMP player connected throughout,
# a WHEP viewer (headless Chromium) every two minutes, and RTMP and WHEP connect/disconnect cycles spread over the
# run (1,000 RTMP and 200 WHEP per hour by default: SLUICE_SOAK_RTMP_CYCLES, SLUICE_SOAK_WHEP_CYCLES). `pmap -X` of
# the server is saved at 600 s and 30 s before the end (SLUICE_SOAK_PMAP_AT, seconds) to tell anon from file-backed.
# Every 30 s it samples the server JVM: RSS, NMT committed, heap used after a full GC, threads, fds;
# it writes soak.csv and soak.svg into the output directory.
#
#   benchmarks/soak/soak.sh [minutes (default 60)] [output dir (default benchmarks/soak/out)]
#
# Needs: examples/target/sluice.jar (mvn -Pgpl -pl examples -am package -DskipTests), ffmpeg,
# chromium, jcmd (JDK), python3. The server listens on 127.0.0.1, on free ports (RTMP_PORT, HTTP_PORT to choose).
# The publisher is ffmpeg (-re -stream_loop -1 -c copy), so that the soaked process is the server alone.
# SLUICE_SOAK_JAVA_OPTS adds JVM options (e.g. -XX:TrimNativeHeapInterval=60000); the environment is passed on
# (MALLOC_ARENA_MAX, LD_PRELOAD). At the end the server's malloc is trimmed once (jcmd System.trim_native_heap):
# what that gives back was free memory malloc kept, not a leak.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
minutes=${1:-60}
out=${2:-$here/out}
mkdir -p "$out"
jar=${SLUICE_SOAK_JAR:-$root/examples/target/sluice.jar}
clip=${SLUICE_SOAK_CLIP:-$root/../shared/media/bbb_480p_30s_h264_aac51.mp4}
[ -f "$jar" ] || { echo "missing $jar (build: mvn -Pgpl -pl examples -am package -DskipTests)" >&2; exit 2; }
[ -f "$clip" ] || { echo "missing clip $clip (set SLUICE_SOAK_CLIP)" >&2; exit 2; }
chromium=${CHROMIUM:-/usr/bin/chromium}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
rtmp_port=${RTMP_PORT:-$(free_port)}
http_port=${HTTP_PORT:-$(free_port)}
rtmp=rtmp://127.0.0.1:$rtmp_port/live/soak
watch=http://127.0.0.1:$http_port/watch/live/soak

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

# shellcheck disable=SC2086
java -XX:NativeMemoryTracking=summary -Xmx512m ${SLUICE_SOAK_JAVA_OPTS:-} -jar "$jar" serve --bind 127.0.0.1 --port "$rtmp_port" \
  --http-port "$http_port" > "$out/server.log" 2>&1 &
server=$!; pids+=("$server")
for _ in $(seq 100); do grep -q "rtmp://" "$out/server.log" 2>/dev/null && break; sleep 0.2; done

ffmpeg -hide_banner -nostdin -loglevel error -re -stream_loop -1 -i "$clip" -c copy -f flv "$rtmp" \
  > "$out/publisher.log" 2>&1 &
pids+=($!)
sleep 3
ffmpeg -hide_banner -nostdin -loglevel error -i "$rtmp" -c copy -f null - > "$out/player.log" 2>&1 &
player=$!; pids+=("$player")

whep_viewer() { # $1 seconds: one headless Chromium watching over WHEP, then gone
  local profile; profile=$(mktemp -d)
  timeout "$1" "$chromium" --headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --autoplay-policy=no-user-gesture-required --user-data-dir="$profile" "$watch" >/dev/null 2>&1 || true
  rm -rf "$profile"
}

sample() { # t_s,rss_kb,nmt_committed_kb,heap_after_gc_kb,threads,fds
  local t=$1 rss threads fds nmt heap
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$server/status")
  fds=$(ls "/proc/$server/fd" | wc -l)
  nmt=$(jcmd "$server" VM.native_memory summary | awk -F'committed=' '/^Total:/ {split($2, a, "KB"); print a[1]}')
  jcmd "$server" GC.run > /dev/null
  heap=$(jcmd "$server" GC.heap_info | grep -o 'used [0-9]*K' | head -1 | tr -dc '0-9')
  echo "$t,$rss,$nmt,$heap,$threads,$fds"
}

echo "t_s,rss_kb,nmt_committed_kb,heap_after_gc_kb,threads,fds" > "$out/soak.csv"
start=$(date +%s)
end=$((start + minutes * 60))
next_sample=$start
next_whep=$((start + 10))
# churn spread over the whole run: by default 1,000 RTMP and 200 WHEP connect/disconnect cycles per hour
rtmp_cycles=${SLUICE_SOAK_RTMP_CYCLES:-$((1000 * minutes / 60))}
whep_cycles=${SLUICE_SOAK_WHEP_CYCLES:-$((200 * minutes / 60))}
rtmp_every_ms=$((minutes * 60000 / (rtmp_cycles > 0 ? rtmp_cycles : 1)))
whep_every_ms=$((minutes * 60000 / (whep_cycles > 0 ? whep_cycles : 1)))
next_rtmp_ms=$((start * 1000 + 15000))
next_whep_ms=$((start * 1000 + 20000))
rtmp_done=0; whep_done=0
pmap_at="${SLUICE_SOAK_PMAP_AT:-600 $((minutes * 60 - 30))}"   # seconds at which pmap -X is saved
while [ "$(date +%s)" -lt "$end" ]; do
  now=$(date +%s)
  kill -0 "$server" 2>/dev/null || { echo "server died; see $out/server.log" >&2; exit 1; }
  if [ "$now" -ge "$next_sample" ]; then
    sample $((now - start)) | tee -a "$out/soak.csv"
    next_sample=$((next_sample + 30))
  fi
  if [ "$now" -ge "$next_whep" ]; then     # a WHEP viewer every two minutes, for 40 s
    whep_viewer 40 & pids+=($!)
    next_whep=$((next_whep + 120))
  fi
  now_ms=$(date +%s%3N)
  while [ "$rtmp_done" -lt "$rtmp_cycles" ] && [ "$now_ms" -ge "$next_rtmp_ms" ]; do # RTMP play for 2 s, then gone
    timeout 2 ffmpeg -hide_banner -nostdin -loglevel error -i "$rtmp" -c copy -f null - >/dev/null 2>&1 &
    rtmp_done=$((rtmp_done + 1)); next_rtmp_ms=$((next_rtmp_ms + rtmp_every_ms))
  done # (a loop: a loaded machine that fell behind catches up)
  while [ "$whep_done" -lt "$whep_cycles" ] && [ "$now_ms" -ge "$next_whep_ms" ]; do # WHEP viewer for 8 s, then gone
    whep_viewer 8 &
    whep_done=$((whep_done + 1)); next_whep_ms=$((next_whep_ms + whep_every_ms))
  done
  for at in $pmap_at; do
    if [ $((now - start)) -ge "$at" ] && [ ! -f "$out/pmap-$at.txt" ]; then
      pmap -X "$server" > "$out/pmap-$at.txt" 2>&1 || true
    fi
  done
  sleep 0.5
done
echo "churn: $rtmp_done RTMP and $whep_done WHEP connect/disconnect cycles" | tee "$out/churn.txt"
jcmd "$server" System.trim_native_heap | tail -1 | tee "$out/trim.txt"
kill -0 "$player" 2>/dev/null && echo "RTMP player still connected at the end" || echo "RTMP player ended early; see $out/player.log"
python3 "$here/plot.py" "$out/soak.csv" "$out/soak.svg"
echo "wrote $out/soak.csv and $out/soak.svg"
