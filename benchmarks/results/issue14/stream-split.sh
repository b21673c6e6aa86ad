#!/bin/sh
cd /work/wt-perf
IN=/work/shared/media/bbb_480p_30s_h264_aac51.mp4
uptime
for i in 1 2 3; do
  /usr/bin/time -f "$i ffmpeg wall %e user %U sys %S" "${FFMPEG:?the ffmpeg of the Bytedeco artifact, e.g. ~/.javacpp/cache/.../ffmpeg}" -y -v error -i $IN -c:v libopenh264 -pix_fmt yuv420p -b:v 2500k -maxrate 2500k -g 48 -keyint_min 48 -bf 0 -rc_mode bitrate -allow_skip_frames 0 -c:a aac -b:a 128k -ac 2 /tmp/perf/ff.mkv
  /usr/bin/time -f "$i sluice-full wall %e user %U sys %S" examples/target/sluice stream --input $IN --to /tmp/perf/sl.mkv --encoder openh264 --video-bitrate 2500k --audio-bitrate 128k --gop 2s --quiet
  /usr/bin/time -f "$i sluice-startup wall %e user %U sys %S" examples/target/sluice stream --input $IN --to /tmp/perf/sl0.mkv --encoder openh264 --video-bitrate 2500k --audio-bitrate 128k --gop 2s --quiet --duration 0.1s
done
uptime
