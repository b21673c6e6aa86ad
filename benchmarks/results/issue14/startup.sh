#!/bin/sh
# Start-up cost: sluice stream --duration 0.1s, plain jar vs launcher, alternating.
cd /work/wt-perf
IN=/work/shared/media/bbb_480p_30s_h264_aac51.mp4
for i in 1 2 3 4 5; do
  for c in "java -jar examples/target/sluice.jar" "examples/target/sluice"; do
    /usr/bin/time -f "$i [$c] wall %e user %U sys %S" $c stream --input $IN --to /tmp/perf/sl0.mkv --encoder openh264 \
      --video-bitrate 2500k --audio-bitrate 128k --gop 2s --quiet --duration 0.1s
  done
done
