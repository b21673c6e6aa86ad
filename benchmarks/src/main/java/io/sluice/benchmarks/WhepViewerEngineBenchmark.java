package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.gcc.GccConfig;
import io.sluice.abr.gcc.GccNetworkController;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtpPacketAllocator;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.session.FramePacketizer;
import io.sluice.webrtc.session.NackResponder;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.SendStream;
import io.sluice.webrtc.session.SessionEvent;
import io.sluice.webrtc.session.TwccFeedbackGenerator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The engine work of one WHEP viewer as {@code WhepSession} drives it, without sockets or SRTP: one
 * {@link RtpSession} sending a 2.6 Mbit/s stream (30 fps H.264, ~10.8 kB frames, a ~86 kB keyframe every 60
 * frames, NAL-aware packetization, packet history, RTX) and 50 Opus frames/s, woken at its
 * {@link RtpSession#pollTimeout()} rounded up to the 1 ms grid the server's glue uses, and fed the viewer's
 * transport-wide CC feedback every 50 ms (arrival = send time). {@code cc}: per-viewer GCC as a relay, with the pacing
 * floor of 1.5 × the stream and the stream plus its audio as the allocation that bounds probes (as
 * {@code WhepSession}); {@code nocc}: neither. One operation is one simulated second;
 * the score is CPU ns per viewer-second of engine work (what {@link WhepFanOutBenchmark} measures adds SRTP, the
 * socket writes and the event loop's scheduling).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar WhepViewerEngineBenchmark -f 1 -wi 5 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WhepViewerEngineBenchmark {
    private static final long GRID_NANOS = 1_000_000;
    private static final long STREAM_BPS = 2_670_000;
    /** The Opus stream on the wire as {@code WhepSession} counts it: 50 × (160 + 58) octets a second. */
    private static final long AUDIO_BPS = 87_200;
    private static final int FRAME_BYTES = 10_000;
    private static final int KEYFRAME_BYTES = 86_000;
    private static final int TWCC_ID = 3;
    private static final ByteBufAllocator ALLOC = new PooledByteBufAllocator(false);
    private static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(1280, 720).build();
    private static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).build();
    private static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, (byte) 0xD9, 0x00, (byte) 0xA0, 0x47, (byte) 0xFE, (byte) 0xC8};
    private static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};

    @Param({"cc", "nocc"})
    public String variant;

    private RtpSession session;
    private TwccFeedbackGenerator viewer;
    private final RtpPacket view = new RtpPacket();
    private final ByteBuf rtcp = Unpooled.buffer(2048);
    private ByteBuf frameBytes;
    private ByteBuf keyframeBytes;
    private ByteBuf audioBytes;
    private long now;
    private long timerAt;
    private int videoFrames;
    private int audioFrames;
    /** Engine wake-ups by the timer, packets sent (for the log). */
    public long wakeUps;
    public long packets;

    @Setup
    public void setup() {
        Random random = new Random(1);
        frameBytes = avcc(random, FRAME_BYTES, false);
        keyframeBytes = avcc(random, KEYFRAME_BYTES, true);
        audioBytes = Unpooled.wrappedBuffer(new byte[160]);
        now = 1_000_000_000L;
        int tail = 16;
        RtpPacketAllocator packetAlloc = new RtpPacketAllocator(12 + 64 + H264Packetizer.DEFAULT_MAX_PAYLOAD + tail + 18, 1024);
        RtpHeaderWriter videoHdr = new RtpHeaderWriter(0x1111, 96).transportSequenceNumber(TWCC_ID).mid(4, "0");
        H264Packetizer h264 = H264Packetizer.builder(videoHdr).mode(H264Packetizer.Mode.NAL_AWARE).allocator(packetAlloc)
                .tailRoom(tail).build();
        RtxPacketizer rtx = new RtxPacketizer(0x2222, 97, 100, packetAlloc, tail);
        RtpHeaderWriter audioHdr = new RtpHeaderWriter(0x3333, 111).transportSequenceNumber(TWCC_ID).mid(4, "1");
        OpusPacketizer opus = new OpusPacketizer(audioHdr, packetAlloc, tail, -1, -1);
        RtpSession.Builder b = RtpSession.builder().start(now, 1_700_000_000_000_000L).allocator(ALLOC).cname("sluice")
                .rtcpTailRoom(16).transportOverhead(16 + 8 + 20)
                .send(SendStream.builder(MediaKind.VIDEO, 0x1111, H264Packetizer.CLOCK_RATE,
                                FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp))
                        .transportWideCcId(TWCC_ID)
                        .nackResponder(new NackResponder(new PacketHistory(2048, 2_000_000, packetAlloc), rtx, packetAlloc, tail))
                        .build())
                .send(SendStream.builder(MediaKind.AUDIO, 0x3333, OpusPacketizer.CLOCK_RATE,
                        FramePacketizer.of((f, out) -> out.add(opus.packetize(f)), opus::rtpTimestamp))
                        .transportWideCcId(TWCC_ID).build());
        boolean cc = variant.equals("cc");
        if (cc) {
            b.networkController(new GccNetworkController(GccConfig.DEFAULT.withRelay(true)))
                    .targetRateConstraints(new TargetRateConstraints(100_000, (long) (STREAM_BPS * 1.3), 50_000_000));
        }
        session = b.build();
        if (cc) {
            session.minPacingRate(now, (long) (1.5 * STREAM_BPS));
            session.maxTotalAllocatedBitrate(now, STREAM_BPS + AUDIO_BPS);
        }
        viewer = new TwccFeedbackGenerator(0x5555);
        timerAt = Long.MAX_VALUE;
        pump();
        for (int i = 0; i < 10; i++) { // past the join and the initial probes
            second();
        }
    }

    /** An AVCC frame of {@code size} random slice octets (with SPS and PPS if a keyframe); a new buffer, kept for the run. */
    private static ByteBuf avcc(Random random, int size, boolean key) {
        ByteBuf b = Unpooled.buffer();
        if (key) {
            b.writeInt(SPS.length).writeBytes(SPS).writeInt(PPS.length).writeBytes(PPS);
        }
        byte[] slice = new byte[size];
        random.nextBytes(slice);
        slice[0] = (byte) (key ? 0x65 : 0x41);
        b.writeInt(slice.length).writeBytes(slice);
        return b;
    }

    /** One simulated second: frames at their times, timer wake-ups on the grid, feedback every 50 ms. */
    @Benchmark
    public long second() {
        long end = now + 1_000_000_000L;
        long nextVideo = now;
        long nextAudio = now + 7_000_000;
        long nextFeedback = viewer.pollTimeout() == Long.MAX_VALUE ? now + 50_000_000 : viewer.pollTimeout();
        while (now < end) {
            long t = Math.min(Math.min(nextVideo, nextAudio), Math.min(nextFeedback, timerAt));
            now = Math.max(now, t);
            if (t == timerAt) {
                timerAt = Long.MAX_VALUE;
                wakeUps++;
                session.handleTimeout(now);
            } else if (t == nextVideo) {
                boolean key = videoFrames % 60 == 0;
                ByteBuf content = (key ? keyframeBytes : frameBytes).retainedDuplicate();
                EncodedFrame f = new EncodedFrame(VIDEO, content, videoFrames * 33_333L, key);
                session.sendFrame(now, f);
                f.release();
                videoFrames++;
                nextVideo += 33_333_333;
            } else if (t == nextAudio) {
                EncodedFrame f = new EncodedFrame(AUDIO, audioBytes.retainedDuplicate(), audioFrames * 20_000L, true);
                session.sendFrame(now, f);
                f.release();
                audioFrames++;
                nextAudio += 20_000_000;
            } else {
                for (TransportWideCc fb : viewer.handleTimeout(now)) {
                    rtcp.clear();
                    fb.writeTo(rtcp);
                    session.handleRtcp(now, rtcp);
                }
                long p = viewer.pollTimeout();
                nextFeedback = p == Long.MAX_VALUE ? now + 50_000_000 : p;
            }
            pump();
        }
        return packets;
    }

    /** What the glue does after every call: takes the packets (the viewer records them), events, re-arms the timer. */
    private void pump() {
        ByteBuf b;
        while ((b = session.pollTransmit()) != null) {
            if (PacketDemux.classify(b) == PacketKind.RTP && view.wrap(b)) {
                int seq = view.transportSequenceNumber(TWCC_ID);
                if (seq >= 0) {
                    viewer.onPacket(seq, view.ssrc(), now);
                }
                packets++;
            }
            b.release();
        }
        while (session.pollEvent() != null) {
            // estimates: WhepSession's rung choice is not modelled
        }
        long wake = session.pollTimeout();
        if (wake != Long.MAX_VALUE) {
            long at = Math.max(now + 500_000, wake);
            at += Math.floorMod(-at, GRID_NANOS);
            if (at < timerAt) {
                timerAt = at;
            }
        }
    }

    /**
     * Without JMH, for a machine shared with other work: thread CPU time (not wall time) and bytes allocated per
     * simulated viewer-second,
     * each variant warmed up for {@code args[0]} simulated seconds (default 20,000) and measured over {@code args[1]}
     * (default 20,000), alternating variants {@code args[2]} times (default 3).
     */
    public static void main(String[] args) {
        int warm = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int measure = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) mx;
        java.util.Map<String, WhepViewerEngineBenchmark> benches = new java.util.LinkedHashMap<>();
        for (String v : new String[] {"cc", "nocc"}) {
            WhepViewerEngineBenchmark b = new WhepViewerEngineBenchmark();
            b.variant = v;
            b.setup();
            for (int i = 0; i < warm; i++) {
                b.second();
            }
            benches.put(v, b);
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder line = new StringBuilder();
            for (var e : benches.entrySet()) {
                WhepViewerEngineBenchmark b = e.getValue();
                long w0 = b.wakeUps;
                long p0 = b.packets;
                long a0 = alloc.getThreadAllocatedBytes(Thread.currentThread().getId());
                long t0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < measure; i++) {
                    b.second();
                }
                double us = (mx.getCurrentThreadCpuTime() - t0) / 1e3 / measure;
                double kb = (alloc.getThreadAllocatedBytes(Thread.currentThread().getId()) - a0) / 1e3 / measure;
                line.append(String.format(java.util.Locale.ROOT,
                        "%s %.1f us CPU/viewer-s %.1f kB allocated (%.0f wake-ups, %.0f packets)  ", e.getKey(), us, kb,
                        (b.wakeUps - w0) / (double) measure, (b.packets - p0) / (double) measure));
            }
            System.out.println(line);
        }
        benches.values().forEach(WhepViewerEngineBenchmark::tearDown);
    }

    @TearDown
    public void tearDown() {
        io.sluice.webrtc.session.RtpSessionStats st = session.stats();
        session.close();
        System.out.printf("%n%s: %d timer wake-ups, %d packets (%d padding, target %d bit/s) over %d frames%n", variant,
                wakeUps, packets, st.paddingPacketsSent(), st.targetBitrateBps(), videoFrames);
    }
}
