package io.sluice.benchmarks.bottleneck;

import io.sluice.codec.ffmpeg.FfmpegRenditionLadder;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.server.SluiceServer;
import io.sluice.webrtc.server.WebRtcEndpoint;
import io.sluice.webrtc.server.WebRtcSessionStats;
import java.io.PrintStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The receiving end, run in the receiver namespace: a {@link SluiceServer} (RTMP, WHIP ingest, /publish page)
 * on {@code bindIp}, with one hub subscriber per stream name that reports each frame's arrival.
 *
 * <p>Usage: {@code ReceiverMain [--viewer-cc=true|false] [--ladder=h1,h2,...] bindIp rtmpPort httpPort stream...};
 * {@code --viewer-cc} sets {@link SluiceServer.Builder#viewerCongestionControl(boolean)} (default {@code true}) for
 * the WHEP viewers of {@link WhepViewerBench}, where this server runs in the sender namespace; {@code --ladder} gives
 * the server an {@link FfmpegRenditionLadder} with those rung heights below the top one (at most one rung per height
 * plus the top; {@link WhepLadderViewersBench}). A wildcard {@code bindIp} (0.0.0.0) offers WebRTC host candidates on
 * every interface that is up, else only on {@code bindIp}. Prints {@code READY} once listening, then
 * one line per frame: {@code F <stream> <nanoTime> <V|A> <ptsUs> <key 0|1> <bytes>} ({@link System#nanoTime()}
 * is CLOCK_MONOTONIC on Linux, shared by every process of the machine, so the parent can line it up with its
 * own samples), {@code P <stream> <nanoTime> <width>x<height>} when a stream is published (its video's size in
 * pixels, {@code 0x0} without video; a WHIP simulcast publisher's layers are renamed when a larger one arrives late,
 * each rename is an unpublish and a publish), {@code U <stream> <nanoTime>} when it ends, and every 250 ms one line
 * per WHEP session from {@code WebRtcServer.stats()}:
 * {@code G <stream> <nanoTime> <targetBitrateBps> <pacingRateBps> <pacerQueueDelayUs> <framesDropped>
 * <rtpBytesSent> <retransmissions> <keyframeRequests> <sessionId> <rung> <rungSwitches>} (0 rates without per-viewer
 * congestion control; {@code rung} the hub stream whose video the session plays). Runs until killed.
 */
public final class ReceiverMain {
    private ReceiverMain() {
    }

    public static void main(String[] args) throws Exception {
        boolean viewerCc = true;
        int[] ladderHeights = null;
        while (args.length > 0 && args[0].startsWith("--")) {
            if (args[0].startsWith("--viewer-cc=")) {
                viewerCc = Boolean.parseBoolean(args[0].substring("--viewer-cc=".length()));
            } else if (args[0].startsWith("--ladder=")) {
                ladderHeights = Arrays.stream(args[0].substring("--ladder=".length()).split(",")).mapToInt(Integer::parseInt)
                        .toArray();
            } else {
                throw new IllegalArgumentException("unknown option " + args[0] + " (--viewer-cc=, --ladder=)");
            }
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        InetAddress bind = InetAddress.getByName(args[0]);
        LinkedBlockingQueue<String> out = new LinkedBlockingQueue<>(100_000);
        SluiceServer.Builder sb = SluiceServer.builder().bindAddress(bind).rtmpPort(Integer.parseInt(args[1]))
                .httpPort(Integer.parseInt(args[2])).replaceExistingPublisher(true).viewerCongestionControl(viewerCc);
        if (!bind.isAnyLocalAddress()) {
            sb.hostAddresses(List.of(bind)); // the wildcard: every interface that is up (SluiceServer's default)
        }
        if (ladderHeights != null) {
            int[] heights = ladderHeights;
            sb.renditionLadder(hub -> FfmpegRenditionLadder.builder(hub).heights(heights).maxRungs(heights.length + 1).build());
        }
        SluiceServer server = sb.build().start();
        List<AutoCloseable> subs = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String name = args[i];
            subs.add(server.hub().subscribe(name, new StreamSubscriber() {
                @Override
                public void onPublish(String streamName, List<TrackInfo> tracks) {
                    TrackInfo v = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElse(null);
                    out.offer("P " + name + " " + System.nanoTime() + " " + (v == null ? "0x0" : v.width() + "x" + v.height()));
                }

                @Override
                public void onFrame(EncodedFrame frame) {
                    frame.release();
                }

                @Override
                public void onFrameBorrowed(EncodedFrame f) {
                    out.offer("F " + name + " " + System.nanoTime() + " " + (f.mediaType() == MediaType.VIDEO ? "V" : "A")
                            + " " + f.ptsUs() + " " + (f.isKeyframe() ? 1 : 0) + " " + f.size());
                }

                @Override
                public void onUnpublish(String streamName) {
                    out.offer("U " + name + " " + System.nanoTime());
                }
            }));
        }
        Thread whep = new Thread(() -> {
            while (true) {
                long t = System.nanoTime();
                for (WebRtcSessionStats w : server.webrtc().stats().sessions()) {
                    if (w.endpoint() == WebRtcEndpoint.WHEP) {
                        out.offer("G " + w.stream() + " " + t + " " + w.targetBitrateBps() + " " + w.pacingRateBps() + " "
                                + w.pacerQueueDelayUs() + " " + w.framesDropped() + " " + w.rtpBytesSent() + " "
                                + w.retransmissions() + " " + w.keyframeRequests() + " " + w.sessionId() + " " + w.rung()
                                + " " + w.rungSwitches());
                    }
                }
                try {
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "whep-stats");
        whep.setDaemon(true);
        whep.start();
        PrintStream ps = System.out;
        ps.println("READY");
        ps.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        List<String> batch = new ArrayList<>();
        while (true) {
            batch.add(out.take());
            out.drainTo(batch);
            for (String s : batch) {
                ps.println(s);
            }
            ps.flush();
            batch.clear();
        }
    }
}
