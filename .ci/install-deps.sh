#!/usr/bin/env bash
# Installs what the tests need from Debian (run as root; CI machines start empty):
#  - libpulse0: the ffmpeg/ffprobe executables inside the Bytedeco FFmpeg jar link against it
#  - ffmpeg: ffprobe/ffmpeg used by interop tests as independent checkers
#  - nginx + libnginx-mod-rtmp: the RTMP interop peer
#  - chromium + chromium-driver: the browser (driven by Selenium) of the WebRTC WHEP/WHIP tests
#  - prometheus: promtool checks the /metrics exposition, and a real Prometheus scrapes it (metrics tests)
set -euo pipefail
pkgs=(libpulse0 ffmpeg nginx libnginx-mod-rtmp chromium chromium-driver prometheus)
missing=()
for p in "${pkgs[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# nginx must not keep the default site on port 80 running; tests start their own instances.
if command -v systemctl >/dev/null 2>&1; then systemctl stop nginx >/dev/null 2>&1 || true; fi
pkill -x nginx >/dev/null 2>&1 || true
# Nor the packaged Prometheus service (port 9090); the metrics test starts its own on a free port.
if command -v systemctl >/dev/null 2>&1; then systemctl stop prometheus >/dev/null 2>&1 || true; fi
