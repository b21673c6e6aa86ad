#!/usr/bin/env bash
# Installs what the tests need from Debian (run as root; CI machines start empty):
#  - libpulse0: the ffmpeg/ffprobe executables inside the Bytedeco FFmpeg jar link against it
#  - ffmpeg: ffprobe/ffmpeg used by interop tests as independent checkers
#  - nginx + libnginx-mod-rtmp: the RTMP interop peer; nginx (built with http_dav_module) is also the WebDAV origin of the HLS/DASH push tests
#  - chromium + chromium-driver: the browser (driven by Selenium) of the WebRTC WHEP/WHIP tests
#  - npm: the LL-DASH browser test fetches dash.js (npm pack dashjs@4.7.4)
#  - gstreamer1.0-tools + plugins good/bad/ugly: GStreamer as an RTMP publisher (rtmp2sink, x264enc, voaacenc)
#  - rtmpdump: librtmp as an RTMP player
#  - prometheus: promtool checks the /metrics exposition, and a real Prometheus scrapes it (metrics tests)
#  - iproute2: ip netns / tc tbf, the kernel bottleneck of the benchmarks' BottleneckCiTest (runs as root)
set -euo pipefail
pkgs=(libpulse0 ffmpeg nginx libnginx-mod-rtmp chromium chromium-driver
      gstreamer1.0-tools gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly rtmpdump prometheus iproute2)
# npm from Debian only where no Node.js/npm is installed already (a NodeSource nodejs conflicts with it)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)
missing=()
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Tests start and stop their own nginx instances (own config, free port, by process id) and never touch
# another nginx. Only when this script has just installed nginx does it stop the default site that the
# package's post-install step may have started (by the pid in its pid file), so a developer's own
# nginx is left alone.
if [[ " ${missing[*]-} " == *" nginx "* ]]; then
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    $SUDO systemctl stop nginx || true
  elif [ -s /run/nginx.pid ]; then
    $SUDO kill "$(cat /run/nginx.pid)" 2>/dev/null || true
  fi
fi
# Likewise the packaged Prometheus service (port 9090), when this script has just installed it; the
# metrics test starts its own Prometheus on a free port.
if [[ " ${missing[*]-} " == *" prometheus "* ]] && command -v systemctl >/dev/null 2>&1; then
  $SUDO systemctl stop prometheus >/dev/null 2>&1 || true
fi
