package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.abr.cc.NetworkControlUpdate;
import io.sluice.abr.cc.NetworkController;
import io.sluice.abr.cc.PacedPacketInfo;
import io.sluice.abr.cc.PacerConfig;
import io.sluice.abr.cc.ProbeClusterConfig;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.cc.TargetTransferRate;
import io.sluice.core.EncodedFrame;
import io.sluice.core.feedback.KeyframeRequestThrottle;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.webrtc.rtcp.Fir;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.NtpTime;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.Remb;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtcp.RtcpProtocolException;
import io.sluice.webrtc.rtcp.Sdes;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The RTP/RTCP session of one WebRTC peer, sans-IO (in the shape of str0m's {@code Rtc} and pion's
 * interceptor chain): it takes frames, plain (already unprotected) RTP and RTCP and the time, and gives
 * back plain packets to protect and send, events, and the time it next needs to be woken. It never
 * reads a clock, starts a thread or touches a socket; its driver (the WHIP client's I/O loop, the
 * server's UDP event loop) moves datagrams, does SRTP and calls {@link #handleTimeout} at
 * {@link #pollTimeout()}.
 *
 * <pre>
 * sendFrame ─▶ FramePacketizer ─▶ PacerQueue (audio > RTX > video) ─▶ Pacer (+ padding, probes)
 *            ─▶ [sequence number, TWCC register → NetworkController.onSentPacket, abs-send-time, NackResponder history, SR counts] ─▶ pollTransmit
 * handleRtcp ─▶ NACK → [too old, before a keyframe sent, resent within an RTT, over the RTX rate limit: skipped] → NackResponder → PacerQueue · PLI/FIR → KeyframeRequestThrottle → pollEvent
 *            ─▶ TWCC feedback → TwccSendRegister → NetworkController (else BandwidthEstimator) → pollEvent
 *            ─▶ REMB → pollEvent (and the controller) · RR → RTT, loss (and the controller)
 * handleRtp  ─▶ [transport-wide seq → TwccFeedbackGenerator] ─▶ RTX unwrap ─▶ ReceiveStatistics, NackGenerator ─▶ JitterBuffer ─▶ pollEvent (frames)
 * handleTimeout ─▶ SR/RR + SDES every report interval · throttled keyframe requests · controller process interval · pacer · jitter buffer deadlines
 *               ─▶ transport-wide CC feedback every feedback interval (when enabled)
 * </pre>
 *
 * <p>Congestion control: with a {@link Builder#networkController NetworkController} the session starts it
 * with the {@link TargetRateConstraints} at {@link Builder#start}, reports every packet that carries a
 * transport-wide sequence number (padding included) and every matched feedback, RTT and loss from
 * receiver reports and REMB, calls {@link NetworkController#onProcessInterval} every
 * {@link NetworkController#PROCESS_INTERVAL_US} µs through {@link #pollTimeout()}, and applies each
 * {@link NetworkControlUpdate}: the pacer's rates, probe clusters, and a {@link SessionEvent.Estimate}
 * of kind {@link BandwidthEstimate.Kind#TRANSPORT_CC} per target transfer rate. Its pacer is then a
 * {@link RatePacer} unless another is given. Without a controller nothing of this runs (no periodic
 * wake-up) and the {@link BandwidthEstimator} turns feedback into estimates.
 *
 * <p>Retransmissions (RFC 4585 §6.2.1 NACK, RTX RFC 4588) go through the pacer like media, ahead of video, and
 * spend its budget. A NACKed packet is skipped (counted in {@link RtpSessionStats#retransmissionsSkipped()})
 * when a retransmission could no longer help or would crowd out the media: when it was first sent more than
 * RTT + {@link Builder#retransmissionLimits max age beyond the RTT} ago (the receiver has given up on it; the
 * RTT is the larger of the report blocks' and the latest transport-wide feedback's, which follows a queue that
 * builds up within a report interval; 100 ms until either is measured), or before the first packet of a keyframe
 * already sent (a decoder restarts from that keyframe), or when it was retransmitted less than one RTT ago
 * (that copy is still on its way: libwebrtc's packet history rule), or when it would take retransmissions over
 * {@link Builder#retransmissionLimits a share of the controller's target} in a 500 ms window (a
 * {@link RetransmissionRateLimiter}, libwebrtc's rate limiter on retransmissions over the same window, whose maximum
 * there is the whole target). A retransmission
 * still queued in the pacer past that age is dropped there. The encoder target leaves room for them: the
 * estimate's loss fraction, see {@code io.sluice.abr.rate.AdaptiveRateController}.
 *
 * <p>Time: every {@code nowNanos} is the driver's monotonic clock ({@link io.sluice.core.time.Ticker#nanoTime()});
 * NTP times in SRs come from the wall-clock anchor given to the builder, moved by {@code nowNanos}.
 *
 * <p>Buffers: what {@link #pollTransmit()} returns is owned by the caller: a plain RTP packet or RTCP
 * compound (tell them apart by RFC 5761 §4, e.g. {@link io.sluice.webrtc.mux.PacketDemux#classify}) with
 * the configured SRTP tail room. Frames in {@link SessionEvent.FrameReceived} are owned by the poller.
 *
 * <p>Not thread-safe: confine it to one thread (the driver's), except {@link #stats()}, which reads
 * counters from any thread.
 */
public final class RtpSession implements AutoCloseable {
    /** Default interval of SR/RR compounds: 1 s (RFC 3550 §6.2 leaves it to the profile; browsers use about this). */
    public static final Duration DEFAULT_REPORT_INTERVAL = Duration.ofSeconds(1);
    private static final int MAX_REPORT_BLOCKS = 31;

    private final int rtcpSsrc;
    private final String cname;
    private final long reportIntervalNanos;
    private final int rtcpTailRoom;
    /** Octets each RTP packet carries on the wire beyond its RTP bytes (SRTP tag, UDP, IP); see the builder. */
    private final int transportOverhead;
    private final ByteBufAllocator alloc;
    private final long anchorNanos;
    private final long anchorUnixUs;
    private final SendStream sendVideo;
    private final SendStream sendAudio;
    private final ReceiveStream receiveVideo;
    private final ReceiveStream receiveAudio;
    /** Simulcast layers (video receive streams with a rid), in the order added; empty without simulcast. */
    private final ReceiveStream[] layers;
    /** RFC 8285 ids of rtp-stream-id and repaired-rtp-stream-id (RFC 8852), or -1. */
    private final int ridExtensionId;
    private final int repairedRidExtensionId;
    /** The non-null send and receive streams, video first. */
    private final SendStream[] sendStreams;
    private final ReceiveStream[] receiveStreams;
    private final KeyframeRequestThrottle keyframeThrottle;
    private final TwccSendRegister twcc = new TwccSendRegister();
    private final BandwidthEstimator estimator;
    private final Pacer pacer;
    /** Receive side of transport-wide CC, or {@code null} when not negotiated. */
    private final TwccFeedbackGenerator twccFeedback;
    private final int twccFeedbackExtensionId;
    /** The congestion controller, or null. */
    private final NetworkController controller;
    private long nextProcessNanos = Long.MAX_VALUE;
    /** Cumulative lost and extended highest sequence number of the last report block about our main stream. */
    private long lastCumulativeLost;
    private long lastExtendedHighestSeq = -1;

    /** PTS-to-wall-clock offset of the frames sent, µs (see {@link #captureTimeUs}); MIN_VALUE before the first. */
    private long captureOffsetUs = Long.MIN_VALUE;
    private final ArrayDeque<ByteBuf> transmits = new ArrayDeque<>();
    private final ArrayDeque<SessionEvent> events = new ArrayDeque<>();
    private final PacerQueue paced = new PacerQueue();
    private final List<ByteBuf> scratch = new ArrayList<>();
    private final RtpPacket view = new RtpPacket();
    private long nextReportNanos;
    /** The latest time passed in (for the pacer's answer in {@link #pollTimeout()}). */
    private long lastNowNanos;
    private String pendingKeyframeReason;
    private boolean pliWanted;
    private double lossFraction;
    private boolean closed;

    private volatile long rtpPacketsSent;
    private volatile long retransmissions;
    private volatile long retransmissionsSkipped;
    private final RetransmissionRateLimiter retransmissionLimiter = new RetransmissionRateLimiter();
    private final double retransmissionShare;
    private final long retransmissionMaxAgeBeyondRttUs;
    /** Feedback arrival − send time of the newest packet it covers, µs (an RTT plus up to one feedback interval); 0 before one. */
    private long feedbackRttUs;
    private volatile long pacingRateBps;
    /** When the controller's pacer configs last started a large cut's window ({@link io.sluice.abr.cc.PacerConfig#afterLargeCut()}), ticker ns. */
    private volatile long largeCutNanos = Long.MIN_VALUE;
    private boolean pacerAfterLargeCut;
    /** The controller's last pacer config (null before one) and the floor under its rate ({@link #minPacingRate}). */
    private PacerConfig controllerPacerConfig;
    private long minPacingRateBps;
    private long minPaddingRateBps;
    private volatile long nacksReceived;
    private volatile long keyframeRequests;
    private volatile long nacksSent;
    private volatile long rttUs;
    private volatile double fractionLost;
    private volatile long jitterUs;
    private volatile long rembBps;
    private volatile long twccFeedbacksSent;
    private volatile long paddingPacketsSent;
    private volatile long pacerQueuedBytes;
    private volatile long pacerQueueDelayUs;
    private volatile long targetBitrateBps;

    /** What {@link #send} sends: media, a NACK's retransmission, or padding (RTX of a recent packet, or padding-only). */
    private static final int MEDIA = 0;
    private static final int RETRANSMISSION = 1;
    private static final int PADDING_RTX = 2;
    private static final int PADDING_ONLY = 3;
    /** Padding packets made per call at most (the next call makes more if the pacer still asks). */
    private static final int MAX_PADDING_PACKETS = 32;
    /** Largest padding of a padding-only packet, octets (libwebrtc's 224; RFC 3550 §5.1 allows 255). */
    private static final int MAX_PADDING_ONLY = 224;
    /** The RTT assumed until a report block or transport-wide feedback measures one, µs. */
    private static final long DEFAULT_RTT_US = 100_000;
    /**
     * The controller's periodic work runs up to this early when the session is woken for something else (a packet
     * the pacer releases, a feedback), ns: with media flowing it then rides on those wake-ups instead of adding 40
     * of its own per second (a server pacing hundreds of viewers wakes per session). 5 ms of a 25 ms interval.
     */
    static final long PROCESS_SLACK_NANOS = 5_000_000L;

    /**
     * The controller's next periodic run after one at {@code nowNanos}: the next point of a grid of
     * {@link NetworkController#PROCESS_INTERVAL_US} on the ticker's time, at least {@link #PROCESS_SLACK_NANOS}
     * ahead. Every session of an event loop reads the same ticker, so their runs fall on the same points and a
     * loop serving many viewers wakes 40 times a second for all of them, not 40 times per viewer (of which the
     * slack saves only the ~15 % that meet a frame's wake-up). Intervals stay within 25 ± 5 ms.
     */
    static long nextProcessNanos(long nowNanos) {
        long interval = NetworkController.PROCESS_INTERVAL_US * 1000;
        return Math.floorDiv(nowNanos + PROCESS_SLACK_NANOS, interval) * interval + interval;
    }
    /** Default share of the target retransmissions may use: 0.25. */
    public static final double DEFAULT_RETRANSMISSION_SHARE = 0.25;
    /** Default age beyond one RTT after which a packet is not retransmitted: 200 ms (Sluice's jitter buffer waits that long for a gap). */
    public static final Duration DEFAULT_RETRANSMISSION_MAX_AGE_BEYOND_RTT = Duration.ofMillis(200);

    private RtpSession(Builder b) {
        this.rtcpSsrc = b.rtcpSsrc;
        this.cname = b.cname;
        this.reportIntervalNanos = b.reportInterval.toNanos();
        this.rtcpTailRoom = b.rtcpTailRoom;
        this.transportOverhead = b.transportOverhead;
        this.alloc = b.alloc;
        this.anchorNanos = b.anchorNanos;
        this.anchorUnixUs = b.anchorUnixUs;
        this.sendVideo = b.sendVideo;
        this.sendAudio = b.sendAudio;
        this.receiveVideo = b.receiveVideo;
        this.receiveAudio = b.receiveAudio;
        this.sendStreams = Stream.of(sendVideo, sendAudio).filter(Objects::nonNull).toArray(SendStream[]::new);
        this.layers = b.layers.toArray(ReceiveStream[]::new);
        this.ridExtensionId = b.ridExtensionId;
        this.repairedRidExtensionId = b.repairedRidExtensionId;
        this.receiveStreams = Stream.concat(b.layers.stream(), Stream.of(receiveVideo, receiveAudio))
                .filter(Objects::nonNull).toArray(ReceiveStream[]::new);
        for (ReceiveStream l : layers) {
            l.keyframeThrottle = new KeyframeRequestThrottle(b.keyframeRequestInterval);
        }
        this.keyframeThrottle = new KeyframeRequestThrottle(b.keyframeRequestInterval);
        this.retransmissionShare = b.retransmissionShare;
        this.retransmissionMaxAgeBeyondRttUs = b.retransmissionMaxAgeBeyondRtt.toNanos() / 1000;
        this.estimator = b.estimator;
        this.controller = b.controller;
        this.pacer = b.pacer != null ? b.pacer : controller != null ? new RatePacer() : Pacer.UNPACED;
        this.twccFeedbackExtensionId = b.twccFeedbackExtensionId;
        this.twccFeedback = b.twccFeedbackExtensionId > 0
                ? new TwccFeedbackGenerator(b.rtcpSsrc, b.twccFeedbackInterval, TwccFeedbackGenerator.DEFAULT_MAX_PACKET_BYTES)
                : null;
        this.lastNowNanos = b.anchorNanos;
        this.nextReportNanos = b.anchorNanos + reportIntervalNanos / 2; // RFC 3550 §6.2: the first one after half an interval
        if (controller != null) {
            nextProcessNanos = nextProcessNanos(b.anchorNanos);
            apply(b.anchorNanos, controller.onTargetRateConstraints(b.anchorNanos / 1000, b.constraints));
        }
    }

    /**
     * Validates a keyframe-request interval (for the builders that pass one on to the session).
     *
     * @param interval minimum spacing of keyframe requests
     * @return {@code interval}
     * @throws IllegalArgumentException if it is negative or longer than 10 s
     */
    public static Duration checkKeyframeRequestInterval(Duration interval) {
        if (interval.isNegative() || interval.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("keyframeRequestInterval: " + interval + " (expected: 0..10 s)");
        }
        return interval;
    }

    /** @return a builder; a session needs at least one send or receive stream */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ sending

    /**
     * Packetizes one frame of the send stream of its kind and queues its packets (they come out of
     * {@link #pollTransmit()} when the pacer lets them, at once by default).
     *
     * @param nowNanos current time, ns
     * @param frame    borrowed: the caller releases it; its PTS (µs) gives the RTP timestamp
     * @return {@code false} if this session has no send stream of the frame's kind (nothing sent)
     * @throws io.sluice.webrtc.rtp.RtpProtocolException if the packetizer rejects the frame (nothing is sent)
     */
    public boolean sendFrame(long nowNanos, EncodedFrame frame) {
        lastNowNanos = nowNanos;
        SendStream s = frame.track().isVideo() ? sendVideo : sendAudio;
        if (s == null || closed) {
            return false;
        }
        scratch.clear();
        try {
            s.packetizer.packetize(frame, scratch);
        } catch (RuntimeException e) {
            releaseScratch();
            throw e;
        }
        long rtpTimestamp = s.packetizer.rtpTimestamp(frame.ptsUs());
        if (frame.isKeyframe() && s == sendVideo) {
            s.keyframePending = true;
            s.pendingKeyframeRtpTimestamp = rtpTimestamp;
        }
        s.reports.onFrame(rtpTimestamp, captureTimeUs(nowNanos, frame.ptsUs())); // SR mapping from capture
        for (int i = 0; i < scratch.size(); i++) {
            ByteBuf p = scratch.get(i);
            scratch.set(i, null);
            pace(nowNanos, p, s, rtpTimestamp, false, Long.MAX_VALUE);
        }
        scratch.clear();
        return true;
    }

    /**
     * When a received frame was captured, on the sender's wall clock: its RTP timestamp mapped through the newest
     * RTCP SR of the stream's media SSRC (RFC 3550 §6.4.1: the SR's NTP and RTP timestamps name the same instant).
     * Receivers align audio and video with it (lip sync); arrival times would shift a track by its own network and
     * pacing delay.
     *
     * @param kind  which received stream
     * @param ptsUs the frame's PTS as the stream's jitter buffer output it (µs from its first RTP timestamp)
     * @return µs since the Unix epoch on the sender's clock, or {@link Long#MIN_VALUE} when the stream has no SR
     *         yet (or no frame came out of it)
     */
    public long senderCaptureTimeUs(MediaKind kind, long ptsUs) {
        for (ReceiveStream r : receiveStreams) {
            if (r.kind == kind) {
                return senderCaptureTimeUs(r, ptsUs);
            }
        }
        return Long.MIN_VALUE;
    }

    /**
     * {@link #senderCaptureTimeUs(MediaKind, long)} of a simulcast layer's frame (each layer has its own SSRC, SRs
     * and RTP timestamps).
     *
     * @param rid   the layer's rid
     * @param ptsUs the frame's PTS as the layer's jitter buffer output it, µs
     * @return µs since the Unix epoch on the sender's clock, or {@link Long#MIN_VALUE} when the layer has no SR yet,
     *         or no such layer
     */
    public long senderCaptureTimeUs(String rid, long ptsUs) {
        ReceiveStream r = layer(rid);
        return r == null ? Long.MIN_VALUE : senderCaptureTimeUs(r, ptsUs);
    }

    private static long senderCaptureTimeUs(ReceiveStream r, long ptsUs) {
        long first = r.buffer.firstRtpTimestamp();
        if (r.srUnixUs == Long.MIN_VALUE || first < 0) {
            return Long.MIN_VALUE;
        }
        long ts = first + Math.floorDiv(ptsUs * r.clockRate, 1_000_000L);
        int ticks = (int) (ts - r.srRtpTimestamp); // signed distance mod 2^32
        return r.srUnixUs + Math.floorDiv(ticks * 1_000_000L, r.clockRate);
    }

    private ReceiveStream layer(String rid) {
        for (ReceiveStream l : layers) {
            if (l.rid.equals(rid)) {
                return l;
            }
        }
        return null;
    }

    /** A PTS-to-wall-clock offset that moves by more than this is a timeline discontinuity, µs. */
    private static final long MAX_CAPTURE_SKEW_US = 5_000_000;

    /**
     * When a frame about to be sent was captured, wall clock µs: one PTS-to-wall-clock offset shared by all send
     * streams, the smallest {@code now − pts} seen (the frame that waited least before reaching the engine), so
     * that audio and video frames with the same PTS get the same capture time whatever delayed one of them on the
     * way here (an encoder, a hub, a publisher's pacer upstream). That shared timeline is what the SRs'
     * NTP↔RTP mappings say, and what a receiver's lip sync needs. A frame that waited
     * {@value #MAX_CAPTURE_SKEW_US} µs longer than that (a source restarting its timestamps lower) starts a new one.
     */
    private long captureTimeUs(long nowNanos, long ptsUs) {
        long nowUs = wallClockMicros(nowNanos);
        long offset = nowUs - ptsUs;
        if (captureOffsetUs == Long.MIN_VALUE || offset < captureOffsetUs || offset > captureOffsetUs + MAX_CAPTURE_SKEW_US) {
            captureOffsetUs = offset;
        }
        return ptsUs + captureOffsetUs;
    }

    private void releaseScratch() {
        for (ByteBuf b : scratch) {
            if (b != null) {
                b.release();
            }
        }
        scratch.clear();
    }

    /**
     * Sends at once when nothing waits and the pacer allows; else queues. @param packet ownership passes here;
     * @param expiresNanos when a queued retransmission is dropped instead of sent
     */
    private void pace(long nowNanos, ByteBuf packet, SendStream s, long rtpTimestamp, boolean retransmission,
                      long expiresNanos) {
        int size = packet.readableBytes() + transportOverhead;
        if (paced.isEmpty() && pacer.sendTime(nowNanos, size, size, nowNanos) - nowNanos <= 0) {
            send(nowNanos, packet, s, rtpTimestamp, retransmission ? RETRANSMISSION : MEDIA);
        } else {
            paced.add(new PacerQueue.Queued(packet, s, rtpTimestamp, retransmission, nowNanos, expiresNanos));
            updateQueueStats(nowNanos);
        }
    }

    /**
     * Sends what the pacer lets out, in priority order, then padding if nothing waits. Retransmissions that
     * waited past their deadline are dropped on the way, without spending the pacer's budget.
     */
    private void drainPacer(long nowNanos) {
        PacerQueue.Queued q;
        while ((q = paced.peek()) != null) {
            if (q.retransmission() && nowNanos - q.expiresNanos() > 0) {
                paced.poll();
                q.packet().release();
                retransmissionsSkipped++;
                continue;
            }
            if (pacer.sendTime(nowNanos, q.packet().readableBytes() + transportOverhead, pacedWireBytes(),
                    paced.oldestEnqueuedNanos(nowNanos)) - nowNanos > 0) {
                break;
            }
            paced.poll();
            send(nowNanos, q.packet(), q.stream(), q.rtpTimestamp(), q.retransmission() ? RETRANSMISSION : MEDIA);
        }
        if (paced.isEmpty() && canPad()) {
            pad(nowNanos);
        }
        updateQueueStats(nowNanos);
    }

    /** What the pacer's queue holds on the wire: RTP octets plus the transport overhead of each packet. */
    private long pacedWireBytes() {
        return paced.bytes() + (long) paced.size() * transportOverhead;
    }

    private void updateQueueStats(long nowNanos) {
        pacerQueuedBytes = paced.bytes();
        pacerQueueDelayUs = (nowNanos - paced.oldestEnqueuedNanos(nowNanos)) / 1000;
    }

    /** Whether padding can be made: a video stream that has sent media (padding goes on video, never audio). */
    private boolean canPad() {
        return sendVideo != null && sendVideo.lastHeader != null;
    }

    /** Sends the padding the pacer asks for (probe clusters, padding rate). */
    private void pad(long nowNanos) {
        for (int n = 0; n < MAX_PADDING_PACKETS; n++) {
            int want = pacer.paddingBytes(nowNanos);
            if (want <= 0) {
                return;
            }
            SendStream s = sendVideo;
            ByteBuf p = s.nackResponder != null ? s.nackResponder.paddingRetransmission(nowNanos / 1000) : null;
            if (p != null) {
                send(nowNanos, p, s, s.lastRtpTimestamp, PADDING_RTX);
            } else {
                send(nowNanos, paddingOnlyPacket(s, want - transportOverhead), s, s.lastRtpTimestamp, PADDING_ONLY);
            }
        }
    }

    /**
     * A padding-only packet on the stream's SSRC (RFC 3550 §5.1: P bit, padding octets, the last one
     * counting them): the last media packet's header (its extensions are restamped when it leaves), marker
     * cleared; its sequence number is assigned by {@link #send}.
     */
    private ByteBuf paddingOnlyPacket(SendStream s, int wantBytes) {
        int padding = Math.max(1, Math.min(MAX_PADDING_ONLY, wantBytes - s.lastHeaderLength));
        ByteBuf p = alloc.buffer(s.lastHeaderLength + padding + rtcpTailRoom);
        p.writeBytes(s.lastHeader, 0, s.lastHeaderLength);
        p.setByte(0, p.getByte(0) | 0x20);
        p.setByte(1, p.getByte(1) & 0x7F);
        p.writeZero(padding - 1);
        p.writeByte(padding);
        return p;
    }

    /**
     * The packet leaves: sequence number, TWCC register, abs-send-time, history, counts; queued for the
     * driver. Media and padding-only packets take the stream's next sequence number (so padding slots into
     * the stream); retransmissions keep theirs. @param p ownership passes here
     */
    private void send(long nowNanos, ByteBuf p, SendStream s, long rtpTimestamp, int type) {
        int size = p.readableBytes() + transportOverhead; // what the packet costs on the wire
        boolean audio = s.kind == MediaKind.AUDIO;
        PacedPacketInfo info = audio ? PacedPacketInfo.NONE : pacer.pacedPacketInfo(nowNanos);
        if (view.wrap(p)) {
            if (type == MEDIA || type == PADDING_ONLY) {
                if (!s.sequenceStarted) {
                    s.sequenceStarted = true;
                    s.nextSequenceNumber = view.sequenceNumber();
                }
                p.setShort(p.readerIndex() + 2, s.nextSequenceNumber);
                if (type == MEDIA && s.keyframePending && rtpTimestamp == s.pendingKeyframeRtpTimestamp) {
                    s.keyframePending = false;
                    s.keyframeFirstSequenceNumber = s.nextSequenceNumber;
                }
                s.nextSequenceNumber = (s.nextSequenceNumber + 1) & 0xFFFF;
            }
            if (s.transportWideCcId > 0) {
                long seq = twcc.register(size, nowNanos, info, audio);
                view.setTransportSequenceNumber(s.transportWideCcId, (int) (seq & 0xFFFF));
                if (controller != null) {
                    apply(nowNanos, controller.onSentPacket(twcc.sentPacket(seq)));
                }
            }
            if (s.absSendTimeId > 0) {
                view.setAbsSendTime(s.absSendTimeId, RtpPacket.absSendTimeFromMicros(nowNanos / 1000));
            }
            if (type == MEDIA) {
                s.lastSentMediaRtpTimestamp = rtpTimestamp;
                if (s.nackResponder != null) {
                    s.nackResponder.onPacketSent(p, nowNanos / 1000);
                }
                s.reports.onPacketSent(rtpTimestamp, view.payloadLength(), wallClockMicros(nowNanos));
                if (controller != null && s == sendVideo) {
                    rememberHeader(s, p, view.headerLength(), rtpTimestamp);
                }
            }
        }
        pacer.onSent(nowNanos, size, info);
        if (type == RETRANSMISSION) {
            retransmissions++;
        } else if (type != MEDIA) {
            paddingPacketsSent++;
        }
        rtpPacketsSent++;
        transmits.addLast(p);
    }

    private static void rememberHeader(SendStream s, ByteBuf p, int headerLength, long rtpTimestamp) {
        if (s.lastHeader == null || s.lastHeader.length < headerLength) {
            s.lastHeader = new byte[Math.max(64, headerLength)];
        }
        p.getBytes(p.readerIndex(), s.lastHeader, 0, headerLength);
        s.lastHeaderLength = headerLength;
        s.lastRtpTimestamp = rtpTimestamp;
    }

    /** Applies what the controller decided: pacer rates, probe clusters, and the target as an event. */
    private void apply(long nowNanos, NetworkControlUpdate u) {
        if (u == null || u.isEmpty()) {
            return;
        }
        if (u.pacerConfig() != null) {
            pacingRateBps = u.pacerConfig().pacingRateBps();
            if (u.pacerConfig().afterLargeCut() && !pacerAfterLargeCut) {
                largeCutNanos = nowNanos;
            }
            pacerAfterLargeCut = u.pacerConfig().afterLargeCut();
            controllerPacerConfig = u.pacerConfig();
            configurePacer(nowNanos);
        }
        for (ProbeClusterConfig c : u.probeClusters()) {
            pacer.addProbeCluster(nowNanos, c);
        }
        TargetTransferRate t = u.targetRate();
        if (t != null) {
            targetBitrateBps = t.targetBitrateBps();
            retransmissionLimiter.setMaxRate((long) (retransmissionShare * t.targetBitrateBps()));
            double loss = Double.isNaN(t.lossFraction()) ? 0 : Math.max(0, Math.min(1, t.lossFraction()));
            events.addLast(new SessionEvent.Estimate(BandwidthEstimate.Kind.TRANSPORT_CC, t.targetBitrateBps(), loss,
                    t.rttUs() > 0 ? t.rttUs() : rttUs, Math.max(t.targetBitrateBps(), t.estimateBitrateBps()),
                    t.reason()));
        }
    }

    private void configurePacer(long nowNanos) {
        PacerConfig c = controllerPacerConfig;
        if (c != null) {
            long padding = Math.max(c.paddingRateBps(), minPaddingRateBps);
            long pacing = Math.max(Math.max(c.pacingRateBps(), minPacingRateBps), padding);
            pacer.setPacerConfig(nowNanos, pacing == c.pacingRateBps() && padding == c.paddingRateBps() ? c
                    : new PacerConfig(pacing, padding, c.afterLargeCut()));
        }
    }

    /**
     * A floor under the controller's pacing rate, bit/s (0: none, the default). For a sender that copies a stream it
     * cannot slow down (a server relaying to a viewer): pacing there smooths the join and each keyframe's burst, and
     * pacing slower than the stream's own rate with headroom only builds a backlog the sender must then drop (see
     * {@code WhepSession}); whether the path carries the stream is for the rung choice to decide from the target.
     * {@link #pacingRateBps()} stays the controller's.
     *
     * @param nowNanos  current time, ns
     * @param bitrateBps the floor, bit/s, &ge; 0
     * @throws IllegalArgumentException if negative
     */
    public void minPacingRate(long nowNanos, long bitrateBps) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        lastNowNanos = nowNanos;
        if (bitrateBps != minPacingRateBps) {
            minPacingRateBps = bitrateBps;
            configurePacer(nowNanos);
        }
    }

    /**
     * A floor under the controller's padding rate, bit/s (0: none, the default): the pacer fills the path with
     * padding (RTX of recent video packets, else padding-only packets, RFC 3550 §5.1) up to this rate when media
     * runs short; media counts towards it. For a relaying sender's padding trial before it switches a viewer to a
     * higher rung ({@code RungSelector#paddingBps}): the path must carry the rung's rate before the viewer's picture
     * depends on it. Takes effect once the controller has configured the pacer; the pacing rate is raised to it. The
     * controller is told ({@link NetworkController#onPaddingFloor}): the sender is not application-limited up to it.
     *
     * @param nowNanos   current time, ns
     * @param bitrateBps the floor, bit/s, &ge; 0
     * @throws IllegalArgumentException if negative
     */
    public void minPaddingRate(long nowNanos, long bitrateBps) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        lastNowNanos = nowNanos;
        if (bitrateBps != minPaddingRateBps) {
            minPaddingRateBps = bitrateBps;
            configurePacer(nowNanos);
            if (controller != null && !closed) {
                apply(nowNanos, controller.onPaddingFloor(nowNanos / 1000, bitrateBps));
            }
        }
    }

    /**
     * Drops the video frames waiting in the pacer, except the packets of the frame partly sent (so that the browser
     * never sees a frame cut short), and returns how many RTP octets were dropped. Sequence numbers and
     * transport-wide sequence numbers are given when packets leave the pacer, so the receiver sees no gap; the next
     * video frame handed to {@link #sendFrame} must be a keyframe for its decoder to go on. For a relaying sender
     * that switches a viewer to a lower rung: the old rung's backlog is the very thing the path could not carry, and
     * sending it first holds the new rung's keyframe behind it (a 401 kB join of a 450 kbit/s layer on a 250 kbit/s
     * path: the lower layer's first keyframe waited 7 s). Retransmissions and audio stay queued.
     *
     * @param nowNanos current time, ns
     * @return RTP octets dropped (headers included), &ge; 0
     */
    public long discardQueuedVideo(long nowNanos) {
        lastNowNanos = nowNanos;
        SendStream s = sendVideo;
        if (s == null || closed) {
            return 0;
        }
        long dropped = paced.discardMedia(s, s.lastSentMediaRtpTimestamp);
        s.keyframePending = false; // a keyframe none of whose packets had left was dropped with the rest
        updateQueueStats(nowNanos);
        return dropped;
    }

    /**
     * Asks for a keyframe of the session's video, through the one {@link KeyframeRequestThrottle}: in a
     * receiving session a PLI to the peer (RFC 4585 §6.3.1; held until the peer's video SSRC is known),
     * in a sending session a {@link SessionEvent.KeyframeRequest} for the driver's encoder or publisher.
     *
     * @param nowNanos current time, ns
     * @param reason   why, for logs
     */
    public void requestKeyframe(long nowNanos, String reason) {
        lastNowNanos = nowNanos;
        if (closed) {
            return;
        }
        if (layers.length > 0) { // simulcast: every layer
            for (ReceiveStream l : layers) {
                requestKeyframe(nowNanos, l, reason);
            }
            return;
        }
        if (receiveVideo != null && !receiveVideo.ssrcKnown) {
            pliWanted = true;
            return;
        }
        if (keyframeThrottle.request(nowNanos)) {
            fireKeyframeRequest(reason);
        } else if (pendingKeyframeReason == null) {
            pendingKeyframeReason = reason;
        }
    }

    /**
     * Asks for a keyframe of one simulcast layer: a PLI to its SSRC (RFC 4585 §6.3.1), through the layer's own
     * {@link KeyframeRequestThrottle} (held until the layer's SSRC is known).
     *
     * @param nowNanos current time, ns
     * @param rid      the layer's rid
     * @param reason   why, for logs
     * @return {@code false} if the session has no such layer
     */
    public boolean requestKeyframe(long nowNanos, String rid, String reason) {
        lastNowNanos = nowNanos;
        ReceiveStream l = layer(rid);
        if (l == null) {
            return false;
        }
        if (!closed) {
            requestKeyframe(nowNanos, l, reason);
        }
        return true;
    }

    private void requestKeyframe(long nowNanos, ReceiveStream layer, String reason) {
        if (!layer.ssrcKnown) {
            layer.pliWanted = true;
        } else if (layer.keyframeThrottle.request(nowNanos)) {
            firePli(layer);
        } else if (layer.pendingKeyframeReason == null) {
            layer.pendingKeyframeReason = reason;
        }
    }

    private void firePli(ReceiveStream layer) {
        layer.pendingKeyframeReason = null;
        keyframeRequests++;
        queueRtcp(List.of(new Pli(rtcpSsrc, layer.ssrc)));
    }

    /**
     * The driver dropped a media frame instead of handing it to {@link #sendFrame} because the pacer held too much
     * (congestion). The network controller is told ({@link NetworkController#onMediaDropped}), so that the sender
     * is not taken for application-limited while it does. Without a controller, nothing happens.
     *
     * @param nowNanos current time, ns
     */
    public void onMediaDropped(long nowNanos) {
        lastNowNanos = nowNanos;
        if (controller != null && !closed) {
            apply(nowNanos, controller.onMediaDropped(nowNanos / 1000));
        }
    }

    /**
     * The driver could send up to {@code bitrateBps} (its next rung) and asks the network controller to probe for
     * it ({@link NetworkController#onProbeRequest}: a probe cluster of padding or RTX through the pacer). Without
     * a controller, nothing happens.
     *
     * @param nowNanos   current time, ns
     * @param bitrateBps the rate to probe, bit/s
     */
    public void requestProbe(long nowNanos, long bitrateBps) {
        lastNowNanos = nowNanos;
        if (controller != null && !closed) {
            apply(nowNanos, controller.onProbeRequest(nowNanos / 1000, bitrateBps));
        }
    }

    /**
     * The most this session's streams could send together, bit/s, for the network controller
     * ({@link NetworkController#onMaxTotalAllocatedBitrate}: GCC probes no higher than 2 × it). Without a controller,
     * nothing happens.
     *
     * @param nowNanos   current time, ns
     * @param bitrateBps the allocation, bit/s, &ge; 0 (0: unknown)
     * @throws IllegalArgumentException if negative
     */
    public void maxTotalAllocatedBitrate(long nowNanos, long bitrateBps) {
        if (bitrateBps < 0) {
            throw new IllegalArgumentException("bitrateBps: " + bitrateBps + " (expected: >= 0)");
        }
        lastNowNanos = nowNanos;
        if (controller != null && !closed) {
            apply(nowNanos, controller.onMaxTotalAllocatedBitrate(nowNanos / 1000, bitrateBps));
        }
    }

    private void fireKeyframeRequest(String reason) {
        pendingKeyframeReason = null;
        if (receiveVideo != null) {
            keyframeRequests++;
            queueRtcp(List.of(new Pli(rtcpSsrc, receiveVideo.ssrc)));
        } else if (sendVideo != null) {
            events.addLast(new SessionEvent.KeyframeRequest(reason));
        }
    }

    // ------------------------------------------------------------------ receiving

    /**
     * One authenticated, plain RTP packet from the peer.
     *
     * @param nowNanos arrival time, ns
     * @param packet   ownership passes here (kept by a jitter buffer or released)
     */
    public void handleRtp(long nowNanos, ByteBuf packet) {
        lastNowNanos = nowNanos;
        if (closed || !view.wrap(packet)) {
            packet.release();
            return;
        }
        if (twccFeedback != null) { // every SSRC, RTX included: one transport-wide counter (draft §2)
            int transportSeq = view.transportSequenceNumber(twccFeedbackExtensionId);
            if (transportSeq >= 0) {
                twccFeedback.onPacket(transportSeq, view.ssrc(), nowNanos);
            }
        }
        int pt = view.payloadType();
        long nowUs = nowNanos / 1000;
        if (layers.length > 0 && (pt == layers[0].payloadType || pt == layers[0].rtxPayloadType)) {
            handleLayerRtp(nowNanos, packet, pt == layers[0].payloadType);
            return;
        }
        ReceiveStream r;
        if (receiveVideo != null && pt == receiveVideo.payloadType) {
            r = receiveVideo;
            if (!r.ssrcKnown) {
                r.ssrc = view.ssrc();
                r.ssrcKnown = true;
            }
        } else if (receiveAudio != null && pt == receiveAudio.payloadType) {
            r = receiveAudio;
            if (!r.ssrcKnown) {
                r.ssrc = view.ssrc();
                r.ssrcKnown = true;
            }
        } else {
            r = receiveVideo != null && pt == receiveVideo.rtxPayloadType ? receiveVideo
                    : receiveAudio != null && pt == receiveAudio.rtxPayloadType ? receiveAudio : null;
            if (r != null && r.ssrcKnown) { // RFC 4588 §4: restore the original SSRC, payload type and sequence number
                ByteBuf original = RtxPacketizer.unwrap(packet, r.ssrc, r.payloadType, alloc);
                packet.release();
                if (original != null) {
                    r.buffer.insert(original, nowUs);
                }
                drainReceived(nowNanos);
            } else {
                packet.release();
            }
            return;
        }
        track(nowNanos, r);
        r.buffer.insert(packet, nowUs);
        drainReceived(nowNanos);
    }

    /**
     * A simulcast video packet ({@link #view} wraps it): to the layer its SSRC was bound to, else to the layer its
     * rtp-stream-id (media) or repaired-rtp-stream-id (RTX) names (RFC 8852 §3), binding the SSRC (senders put the
     * id only in the first packets of an SSRC). An SSRC no layer claims, or a second SSRC for a bound layer, is
     * dropped.
     *
     * @param packet ownership passes here
     */
    private void handleLayerRtp(long nowNanos, ByteBuf packet, boolean media) {
        int ssrc = view.ssrc();
        ReceiveStream r = null;
        for (ReceiveStream l : layers) {
            if (media ? l.ssrcKnown && l.ssrc == ssrc : l.rtxSsrcKnown && l.rtxSsrc == ssrc) {
                r = l;
                break;
            }
        }
        if (r == null) {
            int ext = media ? ridExtensionId : repairedRidExtensionId;
            String rid = ext > 0 ? view.mid(ext) : null;
            if (rid == null && !media && ridExtensionId > 0) {
                rid = view.mid(ridExtensionId); // some senders put the rid itself on RTX
            }
            r = rid == null ? null : layer(rid);
            if (r == null || (media ? r.ssrcKnown : r.rtxSsrcKnown)) {
                packet.release();
                return;
            }
            if (media) {
                r.ssrc = ssrc;
                r.ssrcKnown = true;
            } else {
                r.rtxSsrc = ssrc;
                r.rtxSsrcKnown = true;
            }
        }
        long nowUs = nowNanos / 1000;
        if (media) {
            track(nowNanos, r);
            r.buffer.insert(packet, nowUs);
        } else {
            ByteBuf original = r.ssrcKnown ? RtxPacketizer.unwrap(packet, r.ssrc, r.payloadType, alloc) : null;
            packet.release();
            if (original != null) {
                r.buffer.insert(original, nowUs);
            }
        }
        drainReceived(nowNanos);
    }

    /** Receive statistics and NACKs; {@link #view} wraps the packet. */
    private void track(long nowNanos, ReceiveStream r) {
        int ssrc = view.ssrc();
        ReceiveStatistics stats = r.statistics.computeIfAbsent(ssrc, s -> new ReceiveStatistics(s, r.clockRate));
        long seq = stats.onPacket(view.sequenceNumber(), view.timestamp(), nowNanos);
        if (r.nack) {
            List<Integer> lost = r.nackGenerators.computeIfAbsent(ssrc, s -> new NackGenerator()).onPacket(seq);
            if (!lost.isEmpty()) {
                nacksSent += lost.size();
                queueRtcp(List.of(new GenericNack(rtcpSsrc, ssrc, lost)));
            }
        }
        if (pliWanted && r == receiveVideo) {
            pliWanted = false;
            requestKeyframe(nowNanos, "waiting for the video SSRC");
        }
        if (r.pliWanted) {
            r.pliWanted = false;
            requestKeyframe(nowNanos, r, "waiting for the layer's SSRC");
        }
    }

    private void drainReceived(long nowNanos) {
        long nowUs = nowNanos / 1000;
        for (ReceiveStream r : receiveStreams) {
            EncodedFrame f;
            while ((f = r.buffer.poll(nowUs)) != null) {
                events.addLast(new SessionEvent.FrameReceived(r.kind, f, r.rid));
            }
            if (r.buffer.pollKeyframeRequest()) {
                if (r.rid != null) {
                    requestKeyframe(nowNanos, r, "loss in the jitter buffer");
                } else if (r == receiveVideo) {
                    requestKeyframe(nowNanos, "loss in the jitter buffer");
                }
            }
        }
    }

    /**
     * One authenticated, plain RTCP compound packet from the peer.
     *
     * @param nowNanos arrival time, ns
     * @param compound borrowed; read, not released
     * @return {@code false} if it was malformed (nothing of it was used)
     */
    public boolean handleRtcp(long nowNanos, ByteBuf compound) {
        lastNowNanos = nowNanos;
        if (closed) {
            return true;
        }
        List<RtcpPacket> packets;
        try {
            packets = RtcpParser.parse(compound);
        } catch (RtcpProtocolException e) {
            return false;
        }
        for (RtcpPacket p : packets) {
            handleRtcp(nowNanos, p);
        }
        return true;
    }

    private void handleRtcp(long nowNanos, RtcpPacket p) {
        if (p instanceof GenericNack nack) {
            SendStream s = sendStream(nack.mediaSsrc());
            if (s != null && s.nackResponder != null) {
                retransmit(nowNanos, s, nack.lostSequenceNumbers());
            }
        } else if (p instanceof Pli pli) {
            if (sendVideo != null && pli.mediaSsrc() == sendVideo.ssrc) {
                keyframeRequests++;
                requestKeyframe(nowNanos, "PLI");
            }
        } else if (p instanceof Fir fir) {
            if (sendVideo != null && fir.entries().stream().anyMatch(e -> e.ssrc() == sendVideo.ssrc)) {
                keyframeRequests++;
                requestKeyframe(nowNanos, "FIR");
            }
        } else if (p instanceof Remb remb) {
            rembBps = remb.bitrateBps();
            events.addLast(new SessionEvent.Estimate(BandwidthEstimate.Kind.REMB, remb.bitrateBps(), lossFraction, rttUs));
            if (controller != null) {
                apply(nowNanos, controller.onRemoteBitrateReport(nowNanos / 1000, remb.bitrateBps()));
            }
        } else if (p instanceof TransportWideCc feedback) {
            TwccSendRegister.Feedback f = twcc.onFeedback(nowNanos, feedback);
            if (!f.isEmpty()) {
                lossFraction = f.lossFraction();
            }
            if (f.lastSentNanos() != Long.MIN_VALUE && nowNanos - f.lastSentNanos() >= 0) {
                feedbackRttUs = Math.max(1, (nowNanos - f.lastSentNanos()) / 1000);
            }
            if (controller != null) {
                if (!f.packets().packets().isEmpty()) {
                    apply(nowNanos, controller.onTransportPacketsFeedback(f.packets()));
                }
            } else {
                long bps = estimator.onTransportFeedback(nowNanos, f);
                if (bps >= 0) {
                    pacer.setTargetBitrate(bps);
                    events.addLast(new SessionEvent.Estimate(estimator.kind(), bps, lossFraction, rttUs));
                }
            }
        } else if (p instanceof ReceiverReport rr) {
            onReportBlocks(nowNanos, rr.reports());
        } else if (p instanceof SenderReport sr) {
            for (ReceiveStream r : receiveStreams) {
                ReceiveStatistics stats = r.statistics.get(sr.ssrc());
                if (stats != null) {
                    stats.onSenderReport(sr.ntpTimestamp(), nowNanos);
                }
                if (r.ssrcKnown && r.ssrc == sr.ssrc()) {
                    r.srUnixUs = NtpTime.toUnixMicros(sr.ntpTimestamp());
                    r.srRtpTimestamp = sr.rtpTimestamp();
                }
            }
            onReportBlocks(nowNanos, sr.reports());
        }
    }

    private SendStream sendStream(int ssrc) {
        if (sendVideo != null && sendVideo.ssrc == ssrc) {
            return sendVideo;
        }
        return sendAudio != null && sendAudio.ssrc == ssrc ? sendAudio : null;
    }

    /** Queues the retransmissions of NACKed packets that can still help, within the rate limit (see the class doc). */
    private void retransmit(long nowNanos, SendStream s, List<Integer> sequenceNumbers) {
        long nowUs = nowNanos / 1000;
        long rtt = Math.max(rttUs, feedbackRttUs);
        if (rtt <= 0) {
            rtt = DEFAULT_RTT_US;
        }
        long maxAgeUs = rtt + retransmissionMaxAgeBeyondRttUs;
        NackResponder responder = s.nackResponder;
        for (int seq : sequenceNumbers) {
            nacksReceived++;
            long sentUs = responder.sentTimeUs(seq);
            if (sentUs == Long.MIN_VALUE) {
                continue; // not (or no longer) in the history
            }
            long resentUs = responder.retransmittedTimeUs(seq);
            if (nowUs - sentUs > maxAgeUs || supersededByKeyframe(s, seq)
                    || (resentUs != Long.MIN_VALUE && nowUs - resentUs < rtt)) {
                retransmissionsSkipped++;
                continue;
            }
            ByteBuf out = responder.retransmission(seq, nowUs);
            if (out == null) {
                continue;
            }
            if (!retransmissionLimiter.tryUse(nowNanos, out.readableBytes() + transportOverhead)) {
                out.release();
                retransmissionsSkipped++;
                continue;
            }
            responder.markRetransmitted(seq, nowUs);
            pace(nowNanos, out, s, 0, true, (sentUs + maxAgeUs) * 1000);
        }
    }

    /** Whether {@code seq} is before the first packet of the newest keyframe sent on {@code s} (RFC 3550 §A.1 order). */
    private static boolean supersededByKeyframe(SendStream s, int seq) {
        if (s.keyframeFirstSequenceNumber < 0) {
            return false;
        }
        int behind = (s.keyframeFirstSequenceNumber - seq) & 0xFFFF;
        return behind > 0 && behind < 0x8000;
    }

    /**
     * RTT from any block about our SSRCs; loss and jitter from the one about our video (else audio). The
     * controller gets the RTT (RFC 3550 §6.4.1 LSR/DLSR) and the packets lost and expected since the
     * previous block about the main stream (from the cumulative lost and extended highest sequence number).
     */
    private void onReportBlocks(long nowNanos, List<ReportBlock> blocks) {
        long arrivalMiddle = NtpTime.middle32(NtpTime.fromUnixMicros(wallClockMicros(nowNanos)));
        SendStream main = sendVideo != null ? sendVideo : sendAudio;
        boolean measured = false;
        for (ReportBlock b : blocks) {
            SendStream s = sendStream(b.ssrc());
            if (s == null) {
                continue;
            }
            long rtt = b.rttMicros(arrivalMiddle);
            if (rtt >= 0) {
                rttUs = Math.max(1, rtt);
                measured = true;
            }
            if (s == main) {
                lossFraction = b.fractionLostRatio();
                fractionLost = lossFraction;
                jitterUs = b.jitterMicros(s.clockRate);
                reportLoss(nowNanos, b);
            }
        }
        if (measured && controller != null) {
            apply(nowNanos, controller.onRoundTripTime(nowNanos / 1000, rttUs));
        }
    }

    private void reportLoss(long nowNanos, ReportBlock b) {
        long expected = b.extendedHighestSeq() - lastExtendedHighestSeq;
        long lost = b.cumulativeLost() - lastCumulativeLost;
        boolean first = lastExtendedHighestSeq < 0;
        lastExtendedHighestSeq = b.extendedHighestSeq();
        lastCumulativeLost = b.cumulativeLost();
        if (!first && expected > 0 && controller != null) {
            apply(nowNanos, controller.onTransportLossReport(nowNanos / 1000, Math.max(0, Math.min(lost, expected)),
                    expected));
        }
    }

    // ------------------------------------------------------------------ time

    /**
     * Does what is due at {@code nowNanos}: reports, coalesced keyframe requests, paced packets,
     * jitter-buffer deadlines. Calling it early or more often than {@link #pollTimeout()} asks is harmless.
     *
     * @param nowNanos current time, ns
     */
    public void handleTimeout(long nowNanos) {
        lastNowNanos = nowNanos;
        if (closed) {
            return;
        }
        if (controller != null && nowNanos - (nextProcessNanos - PROCESS_SLACK_NANOS) >= 0) {
            nextProcessNanos = nextProcessNanos(nowNanos);
            apply(nowNanos, controller.onProcessInterval(nowNanos / 1000));
        }
        drainPacer(nowNanos);
        drainReceived(nowNanos);
        if (keyframeThrottle.handleTimeout(nowNanos)) {
            fireKeyframeRequest(pendingKeyframeReason != null ? pendingKeyframeReason : "coalesced");
        }
        for (ReceiveStream l : layers) {
            if (l.keyframeThrottle.handleTimeout(nowNanos)) {
                firePli(l);
            }
        }
        if (nowNanos - nextReportNanos >= 0) {
            nextReportNanos = nowNanos + reportIntervalNanos;
            sendReports(nowNanos);
        }
        sendTransportFeedback(nowNanos);
    }

    /** Transport-wide CC feedback that is due, one RTCP packet each (RFC 5506 reduced size, as browsers send it). */
    private void sendTransportFeedback(long nowNanos) {
        if (twccFeedback == null) {
            return;
        }
        for (TransportWideCc f : twccFeedback.handleTimeout(nowNanos)) {
            queueRtcp(List.of(f));
            twccFeedbacksSent++;
        }
    }

    /**
     * @return when {@link #handleTimeout} must next be called, ns on the driver's clock
     *         ({@link Long#MAX_VALUE} once closed)
     */
    public long pollTimeout() {
        if (closed) {
            return Long.MAX_VALUE;
        }
        long t = nextReportNanos;
        t = earlier(t, keyframeThrottle.pollTimeout());
        for (ReceiveStream l : layers) {
            t = earlier(t, l.keyframeThrottle.pollTimeout());
        }
        if (twccFeedback != null) {
            t = earlier(t, twccFeedback.pollTimeout());
        }
        PacerQueue.Queued q = paced.peek();
        if (q != null) {
            int size = q.packet().readableBytes() + transportOverhead;
            long send = pacer.sendTime(lastNowNanos, size, pacedWireBytes(), paced.oldestEnqueuedNanos(lastNowNanos));
            t = earlier(t, pacer.wakeTime(lastNowNanos, send, size));
        } else if (canPad()) {
            t = earlier(t, pacer.paddingTime(lastNowNanos));
        }
        if (controller != null) {
            t = earlier(t, nextProcessNanos);
        }
        for (ReceiveStream r : receiveStreams) {
            long us = r.buffer.pollTimeoutUs();
            if (us != Long.MAX_VALUE) {
                t = earlier(t, us * 1000);
            }
        }
        return t;
    }

    private static long earlier(long a, long b) {
        return b == Long.MAX_VALUE ? a : a - b <= 0 ? a : b;
    }

    /** SRs (with SDES CNAME) for the streams that sent something; an RR for a receiving session. */
    private void sendReports(long nowNanos) {
        List<ReportBlock> blocks = new ArrayList<>();
        for (ReceiveStream r : receiveStreams) {
            for (ReceiveStatistics s : r.statistics.values()) {
                if (!s.hasReceived() || blocks.size() >= MAX_REPORT_BLOCKS) {
                    continue;
                }
                blocks.add(s.reportBlock(nowNanos));
                if (r.kind == MediaKind.VIDEO && r.ssrcKnown && s.ssrc() == r.ssrc) { // the last video layer's
                    fractionLost = s.fractionLost();
                    jitterUs = s.jitterUs();
                }
            }
        }
        List<RtcpPacket> compound = new ArrayList<>(4);
        List<Sdes.Chunk> chunks = new ArrayList<>(2);
        long wallUs = wallClockMicros(nowNanos);
        for (SendStream s : sendStreams) {
            if (s.reports.hasSent()) {
                compound.add(s.reports.generate(compound.isEmpty() ? blocks : List.of(), wallUs));
                chunks.add(new Sdes.Chunk(s.ssrc, cname));
            }
        }
        if (compound.isEmpty() && receiveStreams.length > 0) {
            compound.add(new ReceiverReport(rtcpSsrc, blocks));
        }
        if (!chunks.isEmpty()) {
            compound.add(new Sdes(chunks));
        }
        if (!compound.isEmpty()) {
            queueRtcp(compound);
        }
    }

    private void queueRtcp(List<RtcpPacket> compound) {
        ByteBuf buf = alloc.buffer(256);
        for (RtcpPacket p : compound) {
            p.writeTo(buf);
        }
        buf.ensureWritable(rtcpTailRoom);
        transmits.addLast(buf);
    }

    private long wallClockMicros(long nowNanos) {
        return anchorUnixUs + (nowNanos - anchorNanos) / 1000;
    }

    // ------------------------------------------------------------------ output

    /** @return the next plain RTP packet or RTCP compound to protect and send (caller owns it), or {@code null} */
    public ByteBuf pollTransmit() {
        return transmits.pollFirst();
    }

    /** @return the next event (a {@link SessionEvent.FrameReceived}'s frame is the caller's), or {@code null} */
    public SessionEvent pollEvent() {
        return events.pollFirst();
    }

    /** A snapshot of the counters; any thread (racy but consistent per field). */
    public RtpSessionStats stats() {
        return new RtpSessionStats(rtpPacketsSent, retransmissions, nacksReceived, keyframeRequests, nacksSent,
                rttUs, fractionLost, jitterUs, rembBps, twcc.feedbacks(), twcc.packetsAcked(), twcc.packetsLost(),
                twccFeedbacksSent, paddingPacketsSent, pacerQueuedBytes, pacerQueueDelayUs, targetBitrateBps,
                retransmissionsSkipped);
    }

    /** The pacing rate of the network controller's latest pacer configuration, bit/s (0 without one); any thread. */
    public long pacingRateBps() {
        return pacingRateBps;
    }

    /**
     * When the network controller last said its target was a large cut (the path's capacity fell;
     * {@link io.sluice.abr.cc.PacerConfig#afterLargeCut()}), on the session's ticker, ns; {@link Long#MIN_VALUE} if never. Any thread.
     */
    public long lastLargeCutNanos() {
        return largeCutNanos;
    }

    /** RTP octets waiting in the pacer queue (at the last send or timeout); any thread. */
    public long pacerQueuedBytes() {
        return pacerQueuedBytes;
    }

    /** How long the packet that has waited longest in the pacer queue had waited (at the last send or timeout), µs; any thread. */
    public long pacerQueueDelayUs() {
        return pacerQueueDelayUs;
    }

    /** Releases every packet, frame and history this session holds. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ByteBuf b;
        while ((b = transmits.pollFirst()) != null) {
            b.release();
        }
        paced.clear();
        SessionEvent e;
        while ((e = events.pollFirst()) != null) {
            if (e instanceof SessionEvent.FrameReceived f) {
                f.frame().release();
            }
        }
        for (SendStream s : sendStreams) {
            if (s.nackResponder != null) {
                s.nackResponder.close();
            }
        }
        for (ReceiveStream r : receiveStreams) {
            r.buffer.close();
        }
    }

    /** Builder of an {@link RtpSession}; validates as it goes. */
    public static final class Builder {
        private int rtcpSsrc;
        private String cname = "sluice";
        private Duration reportInterval = DEFAULT_REPORT_INTERVAL;
        private Duration keyframeRequestInterval = KeyframeRequestThrottle.DEFAULT_INTERVAL;
        private int rtcpTailRoom = 16;
        private int transportOverhead;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private long anchorNanos;
        private long anchorUnixUs;
        private boolean anchored;
        private SendStream sendVideo;
        private SendStream sendAudio;
        private ReceiveStream receiveVideo;
        private ReceiveStream receiveAudio;
        private final List<ReceiveStream> layers = new ArrayList<>();
        private int ridExtensionId = -1;
        private int repairedRidExtensionId = -1;
        private BandwidthEstimator estimator = new DeliveryRateEstimator();
        private Pacer pacer;
        private NetworkController controller;
        private TargetRateConstraints constraints = TargetRateConstraints.DEFAULT;
        private int twccFeedbackExtensionId = -1;
        private Duration twccFeedbackInterval = TwccFeedbackGenerator.DEFAULT_INTERVAL;
        private double retransmissionShare = DEFAULT_RETRANSMISSION_SHARE;
        private Duration retransmissionMaxAgeBeyondRtt = DEFAULT_RETRANSMISSION_MAX_AGE_BEYOND_RTT;

        private Builder() {
        }

        /** @param ssrc the SSRC of RTCP this session sends as a receiver (RR, PLI, NACK sender field) */
        public Builder rtcpSsrc(int ssrc) {
            this.rtcpSsrc = ssrc;
            return this;
        }

        /** @param cname the SDES CNAME sent with SRs (RFC 3550 §6.5.1); default {@code "sluice"} */
        public Builder cname(String cname) {
            if (cname.isEmpty() || cname.length() > 255) {
                throw new IllegalArgumentException("cname: " + cname.length() + " characters (expected: 1..255)");
            }
            this.cname = cname;
            return this;
        }

        /** @param interval between SR/RR compounds, 10 ms..60 s; default {@link #DEFAULT_REPORT_INTERVAL} */
        public Builder reportInterval(Duration interval) {
            if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("reportInterval: " + interval + " (expected: 10 ms..60 s)");
            }
            this.reportInterval = interval;
            return this;
        }

        /**
         * @param interval minimum spacing of keyframe requests (PLI sent, or requests forwarded), 0..10 s;
         *                 default {@link KeyframeRequestThrottle#DEFAULT_INTERVAL}
         */
        public Builder keyframeRequestInterval(Duration interval) {
            this.keyframeRequestInterval = checkKeyframeRequestInterval(interval);
            return this;
        }

        /** @param octets spare room each RTCP compound leaves for SRTCP (index + tag), 0..64; default 16 */
        public Builder rtcpTailRoom(int octets) {
            if (octets < 0 || octets > 64) {
                throw new IllegalArgumentException("rtcpTailRoom: " + octets + " (expected: 0..64)");
            }
            this.rtcpTailRoom = octets;
            return this;
        }

        /**
         * Octets each RTP packet carries on the wire beyond its RTP bytes: the SRTP authentication tag (10 for
         * {@code AES_CM_128_HMAC_SHA1_80}, 16 for AEAD AES-GCM; RFC 3711 §3.1, RFC 7714 §8), the UDP header (8)
         * and the IP header (20 for IPv4, 40 for IPv6). Counted in every size the pacer and the congestion
         * controller see, so that their rates (the target, the acknowledged rate, probe results, the pacing rate)
         * are rates on the wire, as a link's capacity is (libwebrtc counts the same overhead by default). Without
         * it a 1 Mbit/s link measured as ~0.95 Mbit/s of RTP bytes at ~900-octet packets, and a rate controller
         * that took header overhead off the estimate took it off twice.
         *
         * @param octets 0..256; default 0 (sizes are RTP bytes)
         * @throws IllegalArgumentException if out of range
         */
        public Builder transportOverhead(int octets) {
            if (octets < 0 || octets > 256) {
                throw new IllegalArgumentException("transportOverhead: " + octets + " (expected: 0..256)");
            }
            this.transportOverhead = octets;
            return this;
        }

        /** @param alloc for RTCP compounds and RTX-unwrapped packets; default {@link ByteBufAllocator#DEFAULT} */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /**
         * The session's start, and the wall clock at that moment (for NTP times in SRs and RTT).
         * Required.
         *
         * @param nowNanos       the driver's monotonic time now, ns
         * @param wallClockMicros the wall clock now, µs since the Unix epoch (e.g. {@link io.sluice.core.time.Ticker#wallClockMicros()})
         */
        public Builder start(long nowNanos, long wallClockMicros) {
            this.anchorNanos = nowNanos;
            this.anchorUnixUs = wallClockMicros;
            this.anchored = true;
            return this;
        }

        /** @param stream an outgoing stream; at most one video and one audio */
        public Builder send(SendStream stream) {
            if (stream.kind == MediaKind.VIDEO) {
                checkUnset(sendVideo, "video send stream");
                sendVideo = stream;
            } else {
                checkUnset(sendAudio, "audio send stream");
                sendAudio = stream;
            }
            return this;
        }

        /**
         * @param stream an incoming stream; at most one video and one audio, or instead of the one video any number
         *               of simulcast layers ({@link ReceiveStream.Builder#rid}) with distinct rids, the same payload
         *               type and RTX payload type
         * @throws IllegalStateException if that is not so
         */
        public Builder receive(ReceiveStream stream) {
            if (stream.rid != null) {
                if (receiveVideo != null) {
                    throw new IllegalStateException("simulcast layer " + stream.rid + " with a plain video receive stream");
                }
                for (ReceiveStream l : layers) {
                    if (l.rid.equals(stream.rid) || l.payloadType != stream.payloadType
                            || l.rtxPayloadType != stream.rtxPayloadType) {
                        throw new IllegalStateException("simulcast layer " + stream.rid + ": rid or payload types clash"
                                + " with layer " + l.rid + " (expected: distinct rids, the same payload types)");
                    }
                }
                layers.add(stream);
            } else if (stream.kind == MediaKind.VIDEO) {
                if (!layers.isEmpty()) {
                    throw new IllegalStateException("plain video receive stream with simulcast layers");
                }
                checkUnset(receiveVideo, "video receive stream");
                receiveVideo = stream;
            } else {
                checkUnset(receiveAudio, "audio receive stream");
                receiveAudio = stream;
            }
            return this;
        }

        private static void checkUnset(Object o, String what) {
            if (o != null) {
                throw new IllegalStateException(what + " already set (expected: at most one)");
            }
        }

        /**
         * The RFC 8285 ids under which the peer sends the rid of each simulcast layer's packets (RFC 8852 §3.1
         * rtp-stream-id) and of its RTX packets (§3.2 repaired-rtp-stream-id); needed with layers.
         *
         * @param ridId         1..255
         * @param repairedRidId 1..255, or -1 if not negotiated (RTX SSRCs are then learnt from the rid, if sent)
         * @throws IllegalArgumentException if out of range
         */
        public Builder rtpStreamIdExtensions(int ridId, int repairedRidId) {
            if (ridId < 1 || ridId > 255 || repairedRidId != -1 && (repairedRidId < 1 || repairedRidId > 255)) {
                throw new IllegalArgumentException("rtp-stream-id extension ids: " + ridId + ", " + repairedRidId
                        + " (expected: 1..255, and 1..255 or -1)");
            }
            this.ridExtensionId = ridId;
            this.repairedRidExtensionId = repairedRidId;
            return this;
        }

        /**
         * @param estimator sees transport-wide feedback when no {@link #networkController} is set (a controller
         *                  replaces it); default {@link DeliveryRateEstimator}
         */
        public Builder bandwidthEstimator(BandwidthEstimator estimator) {
            this.estimator = Objects.requireNonNull(estimator, "estimator");
            return this;
        }

        /**
         * @param pacer decides when packets leave; default {@link Pacer#UNPACED}, or a {@link RatePacer} when a
         *              {@link #networkController} is set
         */
        public Builder pacer(Pacer pacer) {
            this.pacer = Objects.requireNonNull(pacer, "pacer");
            return this;
        }

        /**
         * Sends transport-wide congestion control feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01
         * §3.1, RTPFB FMT 15) about the packets received, as negotiated with {@code a=rtcp-fb:* transport-cc}:
         * every packet carrying the transport-wide sequence number in header extension {@code extensionId}
         * is recorded by a {@link TwccFeedbackGenerator}, whose feedback leaves every {@code interval}.
         *
         * @param extensionId the RFC 8285 id negotiated for {@link io.sluice.webrtc.sdp.ExtMap#TRANSPORT_WIDE_CC}, 1..255
         * @param interval    between feedbacks, 10 ms..1 s ({@link TwccFeedbackGenerator#DEFAULT_INTERVAL})
         * @throws IllegalArgumentException if the id or interval is out of range
         */
        public Builder transportWideCcFeedback(int extensionId, Duration interval) {
            if (extensionId < 1 || extensionId > 255 || extensionId == 15) {
                throw new IllegalArgumentException("transport-cc extension id: " + extensionId + " (expected: 1..14 or 16..255)");
            }
            if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("transport-cc feedback interval: " + interval + " (expected: 10 ms..1 s)");
            }
            this.twccFeedbackExtensionId = extensionId;
            this.twccFeedbackInterval = interval;
            return this;
        }

        /**
         * @param controller the congestion controller this session drives (confined to the session's thread,
         *                   one per session); replaces the {@link #bandwidthEstimator}: feedback goes to it, and
         *                   the estimates are its {@link TargetTransferRate}s. Default none.
         */
        public Builder networkController(NetworkController controller) {
            this.controller = Objects.requireNonNull(controller, "controller");
            return this;
        }

        /**
         * How many retransmissions may go out (see the class doc).
         *
         * @param shareOfTarget  the most retransmissions may use, as a share of the controller's target transfer
         *                       rate, over 500 ms, (0, 1]; default {@value RtpSession#DEFAULT_RETRANSMISSION_SHARE}. Without
         *                       a {@link #networkController} there is no target and no rate limit.
         * @param maxAgeBeyondRtt a packet first sent more than one RTT + this ago is not retransmitted, 0..2 s;
         *                       default {@link RtpSession#DEFAULT_RETRANSMISSION_MAX_AGE_BEYOND_RTT}
         * @throws IllegalArgumentException if either is out of range
         */
        public Builder retransmissionLimits(double shareOfTarget, Duration maxAgeBeyondRtt) {
            if (!(shareOfTarget > 0 && shareOfTarget <= 1)) {
                throw new IllegalArgumentException("shareOfTarget: " + shareOfTarget + " (expected: (0, 1])");
            }
            if (maxAgeBeyondRtt.isNegative() || maxAgeBeyondRtt.compareTo(Duration.ofSeconds(2)) > 0) {
                throw new IllegalArgumentException("maxAgeBeyondRtt: " + maxAgeBeyondRtt + " (expected: 0..2 s)");
            }
            this.retransmissionShare = shareOfTarget;
            this.retransmissionMaxAgeBeyondRtt = maxAgeBeyondRtt;
            return this;
        }

        /** @param constraints the controller's min/start/max; default {@link TargetRateConstraints#DEFAULT} */
        public Builder targetRateConstraints(TargetRateConstraints constraints) {
            this.constraints = Objects.requireNonNull(constraints, "constraints");
            return this;
        }

        /**
         * @return the session
         * @throws IllegalStateException if {@link #start} was not called
         */
        public RtpSession build() {
            if (!anchored) {
                throw new IllegalStateException("start(nowNanos, wallClockMicros) not called");
            }
            if (!layers.isEmpty() && ridExtensionId < 0) {
                throw new IllegalStateException("simulcast layers without rtpStreamIdExtensions(...)");
            }
            return new RtpSession(this);
        }
    }
}
