package io.sluice.webrtc.whip.client;

import io.netty.buffer.ByteBufAllocator;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.core.EncodedFrame;
import io.sluice.core.EncodedFrameQueue;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpProtocolException;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.rtp.SframePacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.session.FramePacketizer;
import io.sluice.webrtc.session.NackResponder;
import io.sluice.webrtc.session.PacerBacklogFrameDropper;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.SendStream;
import io.sluice.webrtc.session.SessionEvent;
import java.net.URI;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media half of a WHIP client session, on its I/O thread: the {@link RtpSession} (built by
 * {@link #newEngine} from the negotiated session: an H.264 RFC 6184 or SFrame video stream with a NACK
 * history and RTX when negotiated, an Opus RFC 7587 or SFrame audio stream, each with the negotiated
 * mid, abs-send-time and transport-wide sequence number extensions), fed from the frame queue, with its
 * events turned into {@link TransportFeedback}. With the transport's network controller, the engine paces
 * and each target transfer rate becomes a {@code TRANSPORT_CC} estimate carrying the pacer's queue. Video waits for the first keyframe,
 * and is dropped up to the next keyframe while the pacer holds more than 1 s at its pacing rate
 * ({@link PacerBacklogFrameDropper}). Not thread-safe
 * except the counters.
 */
final class WhipMedia implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WhipMedia.class);
    /** SRTP tail room every packet leaves (the largest auth tag, AES-GCM, 16 octets). */
    static final int TAIL_ROOM = 16;
    /** Frames handed to the engine per loop turn at most, so that RTCP and STUN are not starved. */
    private static final int FRAMES_PER_TURN = 64;

    final RtpSession engine;
    private final URI uri;
    private final TrackInfo videoTrack;
    private final TransportFeedback feedback;
    private final EncodedFrameQueue queue;
    private final AtomicLong framesDropped;
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong framesSent = new AtomicLong();
    private final PacerBacklogFrameDropper dropper = new PacerBacklogFrameDropper();
    private boolean waitForKeyframe = true;

    /**
     * @param framesDropped the connection's drop counter (frames dropped here are added to it)
     */
    WhipMedia(RtpSession engine, URI uri, TrackInfo videoTrack, TransportFeedback feedback, EncodedFrameQueue queue,
              AtomicLong framesDropped) {
        this.engine = engine;
        this.uri = uri;
        this.videoTrack = videoTrack;
        this.feedback = feedback;
        this.queue = queue;
        this.framesDropped = framesDropped;
    }

    /** Hands up to {@value #FRAMES_PER_TURN} queued frames to the engine. */
    void sendQueued(long nowNanos) {
        EncodedFrame f;
        for (int budget = FRAMES_PER_TURN; budget > 0 && (f = poll()) != null; budget--) {
            try {
                send(nowNanos, f);
            } catch (RtpProtocolException e) {
                framesDropped.incrementAndGet();
                log.warn("WHIP {}: dropped malformed frame {}: {}", uri, f, e.getMessage());
            } finally {
                f.release();
            }
        }
    }

    private EncodedFrame poll() {
        try {
            return queue.poll(0, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @param f borrowed */
    private void send(long nowNanos, EncodedFrame f) {
        boolean video = f.track().isVideo();
        if (video && !waitForKeyframe && dropsBehindPacer(nowNanos, f)) {
            return;
        }
        if ((video && waitForKeyframe && !f.isKeyframe()) || !engine.sendFrame(nowNanos, f)) {
            framesDropped.incrementAndGet(); // before the first keyframe, or no negotiated stream of its kind
            return;
        }
        waitForKeyframe &= !video;
        framesSent.incrementAndGet();
        bytesSent.addAndGet(f.size());
    }

    /** Whether a video frame is dropped because the pacer holds too much (counted, keyframe asked for). */
    private boolean dropsBehindPacer(long nowNanos, EncodedFrame f) {
        long largeCutNanos = engine.lastLargeCutNanos();
        PacerBacklogFrameDropper.Decision d = dropper.onVideoFrame(nowNanos / 1000, f.isKeyframe(),
                engine.pacerQueuedBytes(), engine.pacingRateBps(),
                largeCutNanos == Long.MIN_VALUE ? Long.MIN_VALUE : largeCutNanos / 1000);
        if (d == PacerBacklogFrameDropper.Decision.SEND) {
            return false;
        }
        framesDropped.incrementAndGet();
        if (!dropper.droppingForCut()) {
            engine.onMediaDropped(nowNanos); // the encoder's overshoot of a large cut is no reason to probe
        }
        if (d == PacerBacklogFrameDropper.Decision.DROP_AND_REQUEST_KEYFRAME && videoTrack != null) {
            log.debug("WHIP {}: pacer holds {} octets at a pacing rate of {} bit/s: dropping video until a keyframe", uri,
                    engine.pacerQueuedBytes(), engine.pacingRateBps());
            feedback.onKeyframeRequest(videoTrack.trackId(), "video dropped in front of the pacer of " + uri);
        }
        return true;
    }

    /**
     * Turns the engine's events into transport feedback.
     *
     * @param peer the server's address, for the keyframe request's reason
     */
    void deliverEvents(Object peer) {
        SessionEvent e;
        while ((e = engine.pollEvent()) != null) {
            if (e instanceof SessionEvent.KeyframeRequest k && videoTrack != null) {
                feedback.onKeyframeRequest(videoTrack.trackId(), k.reason() + " from " + peer);
            } else if (e instanceof SessionEvent.Estimate est) {
                // queued: the frame queue and the pacer queue (both wait to go out); delay: the pacer's oldest packet
                feedback.onBandwidthEstimate(new BandwidthEstimate(est.kind(), Math.max(0, est.bitrateBps()),
                        queue.queuedBytes() + engine.pacerQueuedBytes(), engine.pacerQueueDelayUs(),
                        est.lossFraction(), est.rttUs(), est.reason()));
            } else if (e instanceof SessionEvent.FrameReceived r) {
                r.frame().release(); // sendonly: the server sends no media
            }
        }
    }

    @Override
    public void close() {
        engine.close();
    }

    /**
     * The network controller's constraints for this session: the transport's, with the start raised for a copied
     * video track to 1.25 × the tracks' nominal bitrates (media plus RTP overhead and some room), within the
     * maximum. A copied track cannot send less than its own rate: started at GCC's 300 kbit/s, the pacer holds a
     * growing backlog from the first keyframe, {@link PacerBacklogFrameDropper} drops the video up to the source's
     * next keyframe (a GOP), and only probes can lift the estimate back (found in {@code WhipToWhepChromiumTest}: a
     * 595 kbit/s copy with 127 kB in the pacer 1 s after connecting, video frozen). Started at its rate, the
     * first feedback decides whether the path carries it.
     *
     * @param configured the transport's constraints
     * @param video      the video track, or null
     * @param audio      the audio track, or null
     * @param copied     whether the video is copied (no encoder answers a keyframe request)
     * @return the constraints to start the controller with
     */
    static TargetRateConstraints constraintsFor(TargetRateConstraints configured, TrackInfo video, TrackInfo audio,
                                                boolean copied) {
        if (!copied || video == null || video.bitrateBps() <= 0) {
            return configured;
        }
        long media = video.bitrateBps() + (audio == null ? 0 : audio.bitrateBps());
        long start = Math.min(configured.maxBitrateBps(), Math.max(configured.startBitrateBps(), media * 5 / 4));
        return start == configured.startBitrateBps() ? configured
                : new TargetRateConstraints(configured.minBitrateBps(), start, configured.maxBitrateBps());
    }

    /**
     * @param owner           the transport's configuration (payload size, history length)
     * @param constraints     the network controller's constraints ({@link #constraintsFor})
     * @param session         the negotiated session
     * @param video           whether a video track is published
     * @param audio           whether an audio track is published
     * @param rtcpTailRoom    SRTCP tail room of the negotiated profile, octets
     * @param wireOverhead    octets each packet carries beyond its RTP bytes (SRTP tag, UDP, IP), counted by the
     *                        pacer and the congestion controller ({@link RtpSession.Builder#transportOverhead})
     * @param alloc           allocator for packets and the history
     * @param random          for the RTX initial sequence number
     * @param cname           the SDES CNAME (also in the offer)
     * @param nowNanos        now, on the transport's ticker
     * @param wallClockMicros the wall clock now, µs since the Unix epoch
     * @return the engine
     */
    static RtpSession newEngine(WhipTransport owner, TargetRateConstraints constraints, NegotiatedSession session,
                                boolean video, boolean audio,
                                int rtcpTailRoom, int wireOverhead, ByteBufAllocator alloc, Random random, String cname,
                                long nowNanos, long wallClockMicros) {
        RtpSession.Builder engine = RtpSession.builder().start(nowNanos, wallClockMicros).cname(cname).allocator(alloc)
                .rtcpTailRoom(rtcpTailRoom).transportOverhead(wireOverhead)
                .keyframeRequestInterval(owner.keyframeRequestInterval());
        NetworkController controller = owner.newNetworkController();
        if (controller != null) {
            engine.networkController(controller).targetRateConstraints(constraints);
        }
        for (NegotiatedMedia m : session.media()) {
            if (m.kind() == MediaKind.VIDEO && video) {
                RtpHeaderWriter header = header(m);
                FramePacketizer packetizer;
                if (m.sframe()) {
                    SframePacketizer p = SframePacketizer.builder(header, H264Packetizer.CLOCK_RATE)
                            .maxPayloadSize(owner.maxPayloadBytes()).frameMarking(ext(m, ExtMap.FRAME_MARKING))
                            .allocator(alloc).tailRoom(TAIL_ROOM).build();
                    packetizer = FramePacketizer.of((f, out) -> p.packetize(f, out), p::rtpTimestamp);
                } else {
                    H264Packetizer p = H264Packetizer.builder(header).maxPayloadSize(owner.maxPayloadBytes())
                            .allocator(alloc).tailRoom(TAIL_ROOM).build();
                    packetizer = FramePacketizer.of((f, out) -> p.packetize(f, out), p::rtpTimestamp);
                }
                long historyUs = owner.packetHistory().toNanos() / 1000;
                RtxPacketizer rtx = m.rtxPayloadType() >= 0 && m.localRtxSsrc() > 0
                        ? new RtxPacketizer((int) m.localRtxSsrc(), m.rtxPayloadType(), random.nextInt(1 << 16), alloc,
                        TAIL_ROOM) : null;
                engine.send(stream(m, H264Packetizer.CLOCK_RATE, packetizer).nackResponder(new NackResponder(
                        new PacketHistory(historyCapacity(historyUs), historyUs, alloc), rtx, alloc, TAIL_ROOM)).build());
            } else if (m.kind() == MediaKind.AUDIO && audio) {
                RtpHeaderWriter header = header(m);
                FramePacketizer packetizer;
                if (m.sframe()) {
                    SframePacketizer p = SframePacketizer.builder(header, OpusPacketizer.CLOCK_RATE)
                            .maxPayloadSize(owner.maxPayloadBytes()).marker(false).allocator(alloc).tailRoom(TAIL_ROOM)
                            .build();
                    packetizer = FramePacketizer.of((f, out) -> p.packetize(f, out), p::rtpTimestamp);
                } else {
                    OpusPacketizer p = new OpusPacketizer(header, alloc, TAIL_ROOM, -1, -1);
                    packetizer = FramePacketizer.of((f, out) -> out.add(p.packetize(f)), p::rtpTimestamp);
                }
                engine.send(stream(m, OpusPacketizer.CLOCK_RATE, packetizer).build());
            }
        }
        return engine.build();
    }

    private static SendStream.Builder stream(NegotiatedMedia m, int clockRate, FramePacketizer packetizer) {
        MediaKind kind = m.kind();
        return SendStream.builder(kind, (int) m.localSsrc(), clockRate, packetizer)
                .transportWideCcId(ext(m, ExtMap.TRANSPORT_WIDE_CC)).absSendTimeId(ext(m, ExtMap.ABS_SEND_TIME));
    }

    /** The RTP header with the negotiated mid, abs-send-time and transport-wide sequence number reserved. */
    private static RtpHeaderWriter header(NegotiatedMedia m) {
        RtpHeaderWriter header = new RtpHeaderWriter((int) m.localSsrc(), m.codec().payloadType());
        Integer mid = m.extensionIds().get(ExtMap.MID);
        if (mid != null) {
            header.mid(mid, m.mid());
        }
        if (ext(m, ExtMap.ABS_SEND_TIME) > 0) {
            header.absSendTime(ext(m, ExtMap.ABS_SEND_TIME));
        }
        if (ext(m, ExtMap.TRANSPORT_WIDE_CC) > 0) {
            header.transportSequenceNumber(ext(m, ExtMap.TRANSPORT_WIDE_CC));
        }
        return header;
    }

    private static int ext(NegotiatedMedia m, String uri) {
        Integer id = m.extensionIds().get(uri);
        return id == null ? -1 : id;
    }

    /** Ring size for {@code historyUs} at up to ~8 Mbit/s of 1200-octet packets. */
    static int historyCapacity(long historyUs) {
        long packets = Math.max(16, historyUs * 1000 / 1_000_000);
        return Math.min(32768, Integer.highestOneBit((int) Math.min(32768, packets) * 2 - 1));
    }
}
