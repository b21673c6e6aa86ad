package io.sluice.benchmarks;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BICUBIC;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale_frame;

import io.sluice.codec.MediaSources;
import io.sluice.codec.ffmpeg.AvRawFrame;
import io.sluice.codec.ffmpeg.FfmpegAudioTranscoder;
import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.codec.ffmpeg.FfmpegVideoDecoder;
import io.sluice.codec.ffmpeg.FfmpegVideoEncoder;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.spi.RenditionLadder;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.Pointer;

/**
 * Native-memory churn of the transcodes a WHEP viewer starts and stops: one suspect opened, fed ~2 s of the clip
 * and closed, N times in one JVM; every {@code every} cycles (after a full GC, so JavaCPP's GC-run deallocators
 * have run) it prints RSS ({@code /proc/self/status} VmRSS), {@link Pointer#physicalBytes()},
 * {@link Pointer#totalBytes()} (what JavaCPP allocated and has not freed yet) and NMT committed (needs
 * {@code -XX:NativeMemoryTracking=summary}, else -1). RSS growing while NMT and Pointer totals stay flat is native
 * memory outside the JVM and JavaCPP: FFmpeg/x264 contexts and frames, or malloc fragmentation.
 *
 * <pre>
 * mvn -B -q -o -Pgpl -pl benchmarks -am package -DskipTests
 * java -XX:NativeMemoryTracking=summary -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.NativeChurn \
 *     SUSPECT [cycles=200] [every=20] [clip=../shared/media/bbb_480p_30s_h264_aac51.mp4]
 * </pre>
 * SUSPECT: {@code decoder} (FfmpegVideoDecoder), {@code x264} / {@code openh264} (FfmpegVideoEncoder at the source
 * size: no scaling), {@code swscale} (sws_getCachedContext + sws_scale_frame to 640x360 + sws_freeContext),
 * {@code audio} (FfmpegAudioTranscoder AAC 5.1 to Opus stereo, what a WHEP viewer gets), {@code ladder}
 * (FfmpegRenditionLadder: acquire, publish the frames, close the lease, as a WHEP viewer of a B-frame source does).
 */
public final class NativeChurn {
    private static final int VIDEO_FRAMES = 48; // 2 s at 24 fps

    private NativeChurn() {
    }

    public static void main(String[] args) throws Exception {
        String suspect = args.length > 0 ? args[0] : "ladder";
        int cycles = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int every = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        String clip = args.length > 3 ? args[3] : "../shared/media/bbb_480p_30s_h264_aac51.mp4";
        if (!Files.isRegularFile(Path.of(clip))) {
            throw new IllegalArgumentException("clip: " + clip + " (not a file)");
        }
        List<EncodedFrame> video = new ArrayList<>();
        List<EncodedFrame> audio = new ArrayList<>();
        read(clip, video, audio);
        TrackInfo videoTrack = video.get(0).track();
        TrackInfo audioTrack = audio.get(0).track();
        List<AvRawFrame> pictures = new ArrayList<>();
        try (FfmpegVideoDecoder d = new FfmpegVideoDecoder(videoTrack, 1)) {
            for (EncodedFrame f : video) {
                d.decode(f, pictures::add);
            }
            d.flush(pictures::add);
        }
        Runnable cycle = switch (suspect) {
            case "decoder" -> () -> decoder(videoTrack, video);
            case "x264", "openh264" -> () -> encoder(suspect, videoTrack, pictures);
            case "swscale" -> () -> swscale(pictures);
            case "audio" -> () -> audio(audioTrack, audio);
            case "ladder" -> ladder(video, audio);
            default -> throw new IllegalArgumentException("suspect: " + suspect
                    + " (expected: decoder, x264, openh264, swscale, audio, ladder)");
        };
        System.out.printf(Locale.ROOT, "suspect %s, %d cycles, %d video frames %dx%d, %d audio frames%n", suspect, cycles,
                video.size(), videoTrack.width(), videoTrack.height(), audio.size());
        System.out.printf(Locale.ROOT, "%6s %10s %12s %12s %12s%n", "cycle", "rss_kb", "physical_kb", "javacpp_kb", "nmt_kb");
        report(0);
        long rss0 = 0;
        int warmup = Math.min(every, cycles);
        for (int i = 1; i <= cycles; i++) {
            cycle.run();
            if (i == warmup) {
                rss0 = report(i);
            } else if (i % every == 0) {
                report(i);
            }
        }
        long rss1 = report(-1);
        System.out.printf(Locale.ROOT, "%s: RSS %+d KiB over cycles %d..%d = %.1f KiB/cycle%n", suspect, rss1 - rss0,
                warmup, cycles, (rss1 - rss0) / (double) Math.max(1, cycles - warmup));
        // malloc_trim(0) through the JVM (JDK 17.0.9+): what it gives back was free in malloc's heaps, not leaked.
        String trim = diagnosticCommand("systemTrimNativeHeap");
        System.out.printf(Locale.ROOT, "after malloc_trim: RSS %d KiB (%s)%n", rssKb(), trim.trim().replace('\n', ' '));
        pictures.forEach(AvRawFrame::release);
        video.forEach(EncodedFrame::release);
        audio.forEach(EncodedFrame::release);
        System.exit(0); // the ladder's hub
    }

    private static void read(String clip, List<EncodedFrame> video, List<EncodedFrame> audio) throws Exception {
        try (MediaSource source = MediaSources.open(clip)) {
            List<TrackInfo> tracks = source.open();
            Map<Integer, Delivery> sel = new HashMap<>();
            tracks.forEach(t -> sel.put(t.trackId(), Delivery.ENCODED));
            source.select(sel);
            MediaFrame f;
            while (video.size() < VIDEO_FRAMES && (f = source.read()) != null) {
                EncodedFrame e = (EncodedFrame) f;
                (e.track().isVideo() ? video : audio).add(e);
            }
        }
    }

    private static void decoder(TrackInfo track, List<EncodedFrame> video) {
        try (FfmpegVideoDecoder d = new FfmpegVideoDecoder(track, 1)) {
            for (EncodedFrame f : video) {
                d.decode(f, AvRawFrame::release);
            }
            d.flush(AvRawFrame::release);
        }
    }

    private static void encoder(String name, TrackInfo track, List<AvRawFrame> pictures) {
        VideoEncoderConfig config = VideoEncoderConfig.builder().encoderName(name)
                .resolution(track.width() & ~1, track.height() & ~1).bitrateBps(1_000_000).threads(1).build();
        try (FfmpegVideoEncoder e = new FfmpegVideoEncoder(track, config, track.trackId())) {
            for (AvRawFrame p : pictures) {
                e.encode(p, EncodedFrame::release);
            }
            e.flush(EncodedFrame::release);
        }
    }

    private static void swscale(List<AvRawFrame> pictures) {
        AVFrame dst = av_frame_alloc();
        SwsContext sws = null;
        try {
            dst.format(AV_PIX_FMT_YUV420P).width(640).height(360);
            for (AvRawFrame p : pictures) {
                AVFrame src = p.avFrame();
                sws = sws_getCachedContext(sws, src.width(), src.height(), src.format(), 640, 360, AV_PIX_FMT_YUV420P,
                        SWS_BICUBIC, null, null, (double[]) null);
                if (sws_scale_frame(sws, dst, src) < 0) {
                    throw new IllegalStateException("sws_scale_frame failed");
                }
            }
        } finally {
            sws_freeContext(sws);
            av_frame_free(dst);
        }
    }

    private static void audio(TrackInfo track, List<EncodedFrame> audio) {
        AudioEncoderConfig config = AudioEncoderConfig.builder().codec(Codec.OPUS).bitrateBps(64_000).channels(2).build();
        try (FfmpegAudioTranscoder t = new FfmpegAudioTranscoder(track, config)) {
            for (EncodedFrame f : audio) {
                t.transcode(f, EncodedFrame::release);
            }
            t.flush(EncodedFrame::release);
        }
    }

    /** One hub and ladder for the run; a cycle is a publisher's session with one rung viewer. */
    private static Runnable ladder(List<EncodedFrame> video, List<EncodedFrame> audio) {
        StreamHub hub = StreamHub.create();
        FfmpegRenditionLadder ladder = FfmpegRenditionLadder.builder(hub).queueFrames(10_000).build();
        List<TrackInfo> tracks = List.of(video.get(0).track(), audio.get(0).track());
        return () -> {
            StreamHub.Publication pub = hub.publish("churn", tracks, () -> { });
            AtomicLong got = new AtomicLong();
            List<String> rungs = new ArrayList<>();
            try (RenditionLadder.Lease lease = ladder.acquire("churn")) {
                RenditionLadder.Rung top = lease.rungs().get(0);
                lease.rungs().forEach(r -> rungs.add(r.streamName()));
                hub.subscribe(top.streamName(), new StreamSubscriber() {
                    @Override
                    public void onPublish(String streamName, List<TrackInfo> t) {
                    }

                    @Override
                    public void onFrame(EncodedFrame frame) {
                        if (frame.track().isVideo()) {
                            got.incrementAndGet();
                        }
                        frame.release();
                    }

                    @Override
                    public void onUnpublish(String streamName) {
                    }
                });
                int a = 0;
                for (EncodedFrame f : video) {
                    pub.send(f.retainedDuplicate());
                    while (a < audio.size() && audio.get(a).ptsUs() <= f.dtsUs()) {
                        pub.send(audio.get(a++).retainedDuplicate());
                    }
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (got.get() < video.size() - 4 && System.nanoTime() < deadline) {
                    Thread.sleep(1);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                pub.close();
            }
            // The ladder's thread closes its codecs and rung streams after the lease; the next cycle waits for it.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (rungs.stream().anyMatch(r -> hub.tracks(r).isPresent()) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            if (got.get() < video.size() - 4) {
                throw new IllegalStateException("ladder gave " + got.get() + " pictures of " + video.size());
            }
        };
    }

    /** Prints one line after a full GC; returns VmRSS in KiB. */
    private static long report(int cycle) {
        System.gc();
        System.runFinalization();
        try {
            Thread.sleep(200); // JavaCPP's deallocator thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long rss = rssKb();
        System.out.printf(Locale.ROOT, "%6s %10d %12d %12d %12d%n", cycle < 0 ? "end" : String.valueOf(cycle), rss,
                Pointer.physicalBytes() / 1024, Pointer.totalBytes() / 1024, nmtCommittedKb());
        return rss;
    }

    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return -1;
    }

    private static String diagnosticCommand(String operation, String... args) {
        try {
            return (String) ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                    new Object[] {args}, new String[] {String[].class.getName()});
        } catch (Exception e) {
            return operation + " failed: " + e;
        }
    }

    private static long nmtCommittedKb() {
        try {
            String s = diagnosticCommand("vmNativeMemory", "summary");
            int i = s.indexOf("Total:");
            if (i < 0) {
                return -1;
            }
            int c = s.indexOf("committed=", i) + "committed=".length();
            return Long.parseLong(s.substring(c, s.indexOf("KB", c)));
        } catch (Exception e) {
            return -1;
        }
    }
}
