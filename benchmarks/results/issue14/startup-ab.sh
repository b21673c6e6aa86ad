#!/bin/sh
# Start-up A/B: sluice stream --duration 0.1s, launchers alternating; prints wall and CPU (user+sys) per run.
IN=/work/shared/media/bbb_480p_30s_h264_aac51.mp4
uptime
for i in $(seq 1 ${ROUNDS:-8}); do
  for c in "$@"; do
    /usr/bin/time -f "$i $c wall %e cpu %U %S" $c stream --input $IN --to /tmp/enc/sl0.mkv --encoder openh264 \
      --video-bitrate 2500k --audio-bitrate 128k --gop 2s --quiet --duration 0.1s
  done
done 2>&1
uptime
