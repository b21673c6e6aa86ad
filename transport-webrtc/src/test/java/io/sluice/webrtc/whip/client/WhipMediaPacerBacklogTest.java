package io.sluice.webrtc.whip.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.SentPacket;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TransportPacketsFeedback;
import io.sluice.abr.sim.FixedRateController;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.session.FramePacketizer;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.SendStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link WhipMedia} in front of a real {@link RtpSession} and its {@link io.sluice.webrtc.session.RatePacer}, in
 * simulated time: an encoder that overshoots a target cut (RFC 8867 §5.1's step down, as measured on the bottleneck
 * bench) must not make the pacer push its backlog out faster than the pacing rate.
 */
@DisplayName("WhipMedia: encoder overshoot stays out of the network (pacer backlog frame dropping), in simulated time")
class WhipMediaPacerBacklogTest {
    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, (byte) 0xD9, 0x00, (byte) 0xA0, 0x47, (byte) 0xFE, (byte) 0xC8};
    static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(640, 480).build();
    static final long TARGET = 300_000;
    static final long PACING = 330_000; // FixedRateController paces at 1.1 x
    static final int FRAMES = 150;

    final ManualTicker ticker = new ManualTicker();
    final Random random = new Random(5);
    final List<String> keyframeRequests = new ArrayList<>();
    final AtomicLong mediaDropsReported = new AtomicLong();

    /** Passes everything to {@code c}, counting {@link NetworkController#onMediaDropped} calls. */
    final class CountingDrops implements NetworkController {
        final NetworkController c;

        CountingDrops(NetworkController c) {
            this.c = c;
        }

        @Override
        public NetworkControlUpdate onTargetRateConstraints(long nowUs, TargetRateConstraints constraints) {
            return c.onTargetRateConstraints(nowUs, constraints);
        }

        @Override
        public NetworkControlUpdate onProcessInterval(long nowUs) {
            return c.onProcessInterval(nowUs);
        }

        @Override
        public NetworkControlUpdate onSentPacket(SentPacket packet) {
            return c.onSentPacket(packet);
        }

        @Override
        public NetworkControlUpdate onTransportPacketsFeedback(TransportPacketsFeedback feedback) {
            return c.onTransportPacketsFeedback(feedback);
        }

        @Override
        public NetworkControlUpdate onRoundTripTime(long nowUs, long rttUs) {
            return c.onRoundTripTime(nowUs, rttUs);
        }

        @Override
        public NetworkControlUpdate onTransportLossReport(long nowUs, long packetsLost, long packetsExpected) {
            return c.onTransportLossReport(nowUs, packetsLost, packetsExpected);
        }

        @Override
        public NetworkControlUpdate onRemoteBitrateReport(long nowUs, long bitrateBps) {
            return c.onRemoteBitrateReport(nowUs, bitrateBps);
        }

        @Override
        public NetworkControlUpdate onMediaDropped(long nowUs) {
            mediaDropsReported.incrementAndGet();
            return c.onMediaDropped(nowUs);
        }
    }

    RtpSession engine() {
        H264Packetizer h264 = H264Packetizer.builder(new RtpHeaderWriter(0x1234, 96).transportSequenceNumber(3))
                .allocator(ALLOC).tailRoom(16).build();
        return RtpSession.builder().start(ticker.nanoTime(), ticker.wallClockMicros()).cname("t").allocator(ALLOC)
                .networkController(new CountingDrops(new FixedRateController(TARGET)))
                .targetRateConstraints(TargetRateConstraints.DEFAULT)
                .send(SendStream.builder(MediaKind.VIDEO, 0x1234, 90_000,
                        FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp))
                        .transportWideCcId(3).build())
                .build();
    }

    EncodedFrame frame(int i, int size, boolean key) {
        ByteBuf avcc = Unpooled.buffer();
        if (key) {
            avcc.writeInt(SPS.length).writeBytes(SPS).writeInt(PPS.length).writeBytes(PPS);
        }
        byte[] slice = new byte[size];
        random.nextBytes(slice);
        slice[0] = (byte) (key ? 0x65 : 0x41);
        avcc.writeInt(slice.length).writeBytes(slice);
        return new EncodedFrame(VIDEO, avcc, i * 33_333L, key);
    }

    TransportFeedback feedback() {
        return new TransportFeedback() {
            @Override
            public void onStateChanged(TransportState state, Throwable cause) {
            }

            @Override
            public void onKeyframeRequest(int trackId, String reason) {
                keyframeRequests.add(reason);
            }

            @Override
            public void onBandwidthEstimate(BandwidthEstimate estimate) {
            }

            @Override
            public void onWritabilityChanged(boolean writable) {
            }
        };
    }

    /**
     * 30 fps: a keyframe and 1 s of 1.1 kB frames (at the target; past the dropper's start grace), then 1 s of 8 kB
     * frames (1.9 Mbit/s against a 300 kbit/s target: the encoder's lag after a cut), then 3 s of 1.1 kB frames, a
     * keyframe at 3 s (the one asked for). Returns the octets the engine transmitted per 250 ms.
     */
    long[] run(WhipMedia media, RtpSession engine, EncodedFrameQueue queue) {
        long[] perQuarter = new long[20];
        long t0 = ticker.nanoTime();
        long next = t0;
        int i = 0;
        while (i < FRAMES) {
            long t = Math.min(next, engine.pollTimeout());
            ticker.setNanoTime(Math.max(t, ticker.nanoTime()));
            long now = ticker.nanoTime();
            if (now >= next) {
                int size = i >= 30 && i < 60 ? 8_000 : 1_100;
                boolean key = i == 0 || i == 90;
                queue.offer(frame(i, key ? 4 * size : size, key));
                media.sendQueued(now);
                i++;
                next = t0 + i * 33_333_333L;
            }
            if (now - engine.pollTimeout() >= 0) {
                engine.handleTimeout(now);
            }
            ByteBuf b;
            while ((b = engine.pollTransmit()) != null) {
                int q = (int) ((now - t0) / 250_000_000L);
                if (q < perQuarter.length) {
                    perQuarter[q] += b.readableBytes();
                }
                b.release();
            }
        }
        return perQuarter;
    }

    @Test
    @DisplayName("1 s of 1.9 Mbit/s at a 300 kbit/s target: video dropped after 1 s of pacer backlog, the pacer never above"
            + " its rate, video back at the keyframe")
    void overshootIsDroppedNotPushedOut() {
        RtpSession engine = engine();
        EncodedFrameQueue queue = new EncodedFrameQueue(256, id -> { });
        AtomicLong dropped = new AtomicLong();
        WhipMedia media = new WhipMedia(engine, URI.create("whip+http://test/"), VIDEO, feedback(), queue, dropped);
        try {
            long[] perQuarter = run(media, engine, queue);
            long limit = (long) (PACING / 8.0 * 0.25 * 1.1); // a quarter second at the pacing rate, 10 % slack
            for (int q = 0; q < perQuarter.length; q++) {
                assertTrue(perQuarter[q] <= limit, "250 ms #" + q + ": " + perQuarter[q] + " octets > " + limit);
            }
            // dropped: from the frame that found 1 s at the pacing rate (41 kB) queued (the seventh 8 kB frame: each
            // adds 8,000 octets and 1,375 leave per frame interval) up to the keyframe at 90
            assertTrue(dropped.get() >= 52 && dropped.get() <= 55, "dropped " + dropped.get());
            assertEquals(1, keyframeRequests.size(), keyframeRequests.toString());
            assertEquals(FRAMES - dropped.get(), media.framesSent.get(), "every frame from the keyframe at 90 on is sent");
            assertEquals(dropped.get(), mediaDropsReported.get(), "each drop is told to the network controller");
        } finally {
            media.close();
            queue.clear();
        }
    }

    @Test
    @DisplayName("a copied video track starts congestion control at 1.25 x the tracks' rate, within the maximum")
    void copiedVideoStartsAtItsRate() {
        TargetRateConstraints c = TargetRateConstraints.DEFAULT;
        TrackInfo video = TrackInfo.builder(0, Codec.H264).resolution(640, 480).bitrateBps(600_000).build();
        TrackInfo audio = TrackInfo.builder(1, Codec.OPUS).audio(48_000, 2).bitrateBps(64_000).build();
        assertEquals(830_000, WhipMedia.constraintsFor(c, video, audio, true).startBitrateBps());
        assertEquals(c, WhipMedia.constraintsFor(c, video, audio, false), "encoded: the encoder follows the target");
        assertEquals(c, WhipMedia.constraintsFor(c, VIDEO, audio, true), "unknown bitrate");
        assertEquals(700_000, WhipMedia.constraintsFor(new TargetRateConstraints(30_000, 300_000, 700_000), video,
                audio, true).startBitrateBps());
        assertEquals(1_000_000, WhipMedia.constraintsFor(new TargetRateConstraints(30_000, 1_000_000, 2_000_000),
                video, audio, true).startBitrateBps(), "a higher configured start is kept");
    }
}
