#!/usr/bin/env bash
# What HttpFanOutBenchmark needs beyond .ci/install-deps.sh (run that first: nginx, ffmpeg): h2load, the
# load generator, from Debian's nghttp2-client. A benchmark only: CI does not run it. Run as root (or with sudo).
set -euo pipefail
if ! command -v h2load >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nghttp2-client
fi
h2load --version
