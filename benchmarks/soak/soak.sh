#!/usr/bin/env bash
# Soak test of the main job: `sluice serve` with a publisher, an RTMP player connected throughout,
# a WHEP viewer (headless Chromium) every two minutes, and RTMP and WHEP connect/disconnect cycles.
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
jar=$root/examples/target/sluice.jar
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
next_rtmp_cycle=$((start + 15))
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
  if [ "$now" -ge "$next_rtmp_cycle" ]; then # RTMP and short WHEP connect/disconnect cycles every 30 s
    timeout 5 ffmpeg -hide_banner -nostdin -loglevel error -i "$rtmp" -c copy -f null - >/dev/null 2>&1 & pids+=($!)
    whep_viewer 8 & pids+=($!)
    next_rtmp_cycle=$((next_rtmp_cycle + 30))
  fi
  sleep 1
done
jcmd "$server" System.trim_native_heap | tail -1 | tee "$out/trim.txt"
kill -0 "$player" 2>/dev/null && echo "RTMP player still connected at the end" || echo "RTMP player ended early; see $out/player.log"
python3 "$here/plot.py" "$out/soak.csv" "$out/soak.svg"
echo "wrote $out/soak.csv and $out/soak.svg"
