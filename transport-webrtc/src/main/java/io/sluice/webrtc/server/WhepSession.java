package io.sluice.webrtc.server;

import io.netty.channel.Channel;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.feedback.KeyframeRequestReason;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamHubException;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.hub.StreamSnapshot;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.FrameTranscoderFactory;
import io.sluice.core.spi.RenditionLadder;
import io.sluice.abr.rate.RungSelector;
import io.sluice.abr.cc.TargetRateConstraints;
import io.sluice.abr.gcc.GccConfig;
import io.sluice.abr.gcc.GccNetworkController;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacketAllocator;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.session.FramePacketizer;
import io.sluice.webrtc.session.NackResponder;
import io.sluice.webrtc.session.PacerBacklogFrameDropper;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.RtpSessionStats;
import io.sluice.webrtc.session.SendStream;
import io.sluice.webrtc.session.SessionEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WHEP session: glue between a hub subscription and the session's {@link RtpSession}. Subscribes to
 * a hub stream once DTLS is up and hands its H.264 (passthrough, RFC 6184 NAL-aware packetization,
 * starting at the GOP cache's keyframe) and Opus (passthrough, or from the server's shared
 * {@link AudioTranscodeRelay} of the stream when its audio is not Opus, if a
 * {@link FrameTranscoderFactory} is configured) to the engine, which packetizes, answers NACKs from a
 * packet history (as RTX when negotiated, RFC 4588), sends SRs and turns PLI/FIR into throttled
 * keyframe requests, forwarded here to {@link StreamHub.Subscription#requestKeyframe()}. Audio starts
 * live: the GOP cache's audio is skipped (see {@link #onFrame}).
 *
 * <p>Timestamps: video 90 kHz and Opus 48 kHz from the frames' µs PTS; when the publisher changes
 * (a new publication of the same stream) the PTS are rebased to continue after the last frame sent.
 *
 * <p>Per-viewer adaptation (with {@link WebRtcServer.Builder#viewerCongestionControl}, the default): the engine runs
 * send-side GCC ({@link GccNetworkController}) from the browser's transport-wide CC feedback (REMB and receiver
 * reports when the browser offers no transport-cc) and paces every packet at its rate: the join (the GOP cache),
 * live media and retransmissions share that budget. Video that the pacer cannot send within 1 s is dropped up to
 * the next keyframe ({@link PacerBacklogFrameDropper}). When the stream has several rungs (a rendition ladder, or
 * simulcast layers), the session subscribes to all of them and a {@link RungSelector} picks the one the estimate
 * carries; switches happen at the new rung's keyframes (see {@link #videoFromRung}), and the browser keeps seeing
 * one SSRC with continuous sequence numbers and timestamps, since frames are packetized here. Audio comes from
 * rung 0 only and is never interrupted by a switch. The page's quality menu pins a rung
 * ({@link WebRtcServer#viewerRung}).
 */
final class WhepSession extends RtcSession implements AudioTranscodeRelay.Listener {
    private static final Logger log = LoggerFactory.getLogger(WhepSession.class);
    /** Frames queued between the publisher's thread and the loop before frames are dropped. */
    static final int MAX_QUEUED_FRAMES = 300;
    static final String CNAME = "sluice";
    /** Released RTP packet buffers kept for reuse per session (retransmission history plus in flight). */
    static final int POOLED_PACKETS = 1024;
    /** Packets of the NACK history: a power of two; its 2 s at up to ~9.8 Mbit/s of 1200-octet packets. */
    static final int HISTORY_PACKETS = 2048;

    private final StreamHub hub;
    private final FrameTranscoderFactory transcoders;
    private final NegotiatedMedia videoMedia;
    private final NegotiatedMedia audioMedia;
    private final AtomicInteger queued = new AtomicInteger();
    private volatile boolean dropUntilKeyframe;

    /** The rungs this viewer may play, highest first; one (the stream itself) without a ladder or simulcast. */
    private final List<RenditionLadder.Rung> rungs;
    /** One subscription per rung (index as in {@link #rungs}); audio is taken from rung 0's only. */
    private final StreamHub.Subscription[] subscriptions;
    /** The rung whose video is sent; written on the loop, read by the publishers' threads to filter. */
    private volatile int playing;
    /** The rung being switched to at its next keyframe, or -1; written on the loop. */
    private volatile int pending = -1;
    /** When {@link #pending} was set, ns; and whether its keyframe was asked for. */
    private long pendingSinceNanos;
    private boolean pendingKeyframeAsked;
    /** The playing rung stopped at its keyframe (the switch point) and waits for the pending rung's. */
    private boolean holding;
    private long holdingSinceNanos;
    private volatile long rungSwitches;
    /** Chooses the rung from the estimate; null with one rung or without congestion control. */
    private volatile RungSelector selector;
    /** The selector's padding rate last applied (the rung's, without the audio), bit/s (0: none). */
    private long trialPaddingBps;
    /** Audio sent, octets on the wire (frames plus {@link #AUDIO_PACKET_OVERHEAD} each), since {@link #firstAudioNanos}. */
    private long audioWireBytes;
    private long firstAudioNanos = Long.MIN_VALUE;
    /** The rungs' rates, bit/s (see {@link #rungBitrates}); null without congestion control. */
    private long[] rungBps;
    /** PTS of the last video frame sent, µs (after any rebase); MIN_VALUE before the first. */
    private long lastVideoPtsOutUs = Long.MIN_VALUE;
    /** True on the loop while {@link StreamHub#subscribe} delivers the GOP cache (under the stream's lock). */
    private boolean deliveringCache;
    private long cachedAudioSkipped;
    /** The playing rung's GOP cache, collected while {@link #deliveringCache} (owned here); null afterwards. */
    private List<EncodedFrame> joinCache;
    /**
     * While a join waits for a live keyframe ({@link #startJoin}): the GOP cache and the playing rung's live video
     * since, owned here, to send if none comes in time; null otherwise.
     */
    private List<EncodedFrame> joinHeld;
    private ScheduledFuture<?> joinWait;
    private long joinWaitSinceNanos;

    private boolean sendsVideo;
    private boolean sendsAudio;
    private boolean waitingForKeyframe = true;
    private AudioTranscodeRelay audioRelay;
    private boolean noTranscoderLogged;

    // timing
    private int publications;
    private boolean rebase;
    private long ptsOffsetUs;
    private long lastPtsOutUs = Long.MIN_VALUE;

    private volatile long framesSent;
    private volatile long framesDropped;
    /** Size of the last keyframe sent, octets. */
    private volatile int lastKeyframeBytes;

    // congestion control (loop; null without it)
    private PacerBacklogFrameDropper dropper;
    /** When the join's backlog has drained, ns; MIN_VALUE before {@link #joinGrace}. */
    private long joinDrainedNanos = Long.MIN_VALUE;
    /** The pacing floor set on the engine, bit/s (0: none). */
    private long floorBps;
    /** The allocation last told to the engine, bit/s (0: unknown). */
    private long allocatedBps;
    /** The video of the top rung sent since this viewer last got onto it, when that rung has no nominal bitrate. */
    private final PeakRateMeter topRungRate = new PeakRateMeter();
    /** Whether the last video frame sent was the top rung's. */
    private boolean sendingTopRung;
    /** The video packets' header template (the packetizer reads it per frame); null without video. */
    private RtpHeaderWriter videoHeader;
    /** The negotiated playout-delay extension id, -1 when not negotiated. */
    private int playoutDelayId = -1;
    /** The minimum playout delay the video packets carry, ms; -1 before the first or when not negotiated. */
    private volatile long sentPlayoutDelayMs = -1;
    private volatile long estimateBps;
    private long lastEstimateReportNanos = Long.MIN_VALUE;

    /**
     * @param stream the stream in the session's URL (the top rung's stream for a viewer of a ladder)
     * @param rungs  what the viewer may play, highest first (as {@link RenditionLadder.Lease#rungs()}); one rung
     *               (the stream itself) to play just the stream
     */
    WhepSession(WebRtcServer server, String id, String stream, List<RenditionLadder.Rung> rungs,
                NegotiatedSession negotiated, IceLiteAgent ice,
                DtlsContext dtlsContext, Channel udp, Duration setupTimeout, StreamHub hub,
                FrameTranscoderFactory transcoders) {
        super(server, id, stream, WebRtcEndpoint.WHEP, negotiated, ice, dtlsContext, udp, setupTimeout);
        if (rungs.isEmpty()) {
            throw new IllegalArgumentException("rungs: empty");
        }
        this.rungs = List.copyOf(rungs);
        this.subscriptions = new StreamHub.Subscription[rungs.size()];
        this.hub = hub;
        this.transcoders = transcoders;
        this.videoMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElse(null);
        this.audioMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.AUDIO).findFirst().orElse(null);
    }

    /**
     * A viewer's NACKed packet is retransmitted up to one RTT + 1 s after it was first sent, not the engine's default
     * 200 ms (which is what Sluice's own jitter buffer waits for a gap). A browser keeps asking longer (libwebrtc's
     * receiver re-NACKs up to 10 times; its sender keeps at least 1 s of history), and a reference frame that never
     * completes freezes the picture until the next keyframe. Measured with {@code WhepChromiumTest}'s 5 % loss relay
     * on loopback: with 200 ms Chromium decoded 38–84 % of the frames in 4 of 10 runs (the test wants 85 %); without
     * an age limit 97–100 % in 7 of 7, with 1 s 97–100 % in 4 of 4.
     */
    static final java.time.Duration VIEWER_RETRANSMISSION_MAX_AGE_BEYOND_RTT = java.time.Duration.ofSeconds(1);

    /**
     * Makes the packetizers over one {@link RtpPacketAllocator} sized for the largest packet this
     * session makes: an H.264 packet of the maximum payload plus its tail room, plus 16 octets (the
     * history's copies) and 2 (the RTX OSN, RFC 4588 §4). Larger requests (none expected) get
     * ordinary heap buffers from it.
     */
    @Override
    RtpSession newEngine(long nowNanos) {
        int tail = rtpTailRoom();
        RtpSession.Builder engine = engineBuilder(nowNanos).cname(CNAME)
                .retransmissionLimits(RtpSession.DEFAULT_RETRANSMISSION_SHARE, VIEWER_RETRANSMISSION_MAX_AGE_BEYOND_RTT);
        if (server.viewerCongestionControl && videoMedia != null && videoMedia.localSsrc() >= 0) {
            TargetRateConstraints constraints = constraints(nowNanos);
            // a relay: the target chooses the rung, the stream's rate does not follow it (GccConfig#relay)
            engine.networkController(new GccNetworkController(GccConfig.DEFAULT.withRelay(true)))
                    .targetRateConstraints(constraints);
            dropper = new PacerBacklogFrameDropper();
            rungBps = rungBitrates();
            if (rungs.size() > 1) {
                long[] bps = rungBps;
                selector = new RungSelector(bps, RungSelector.fitting(bps, constraints.startBitrateBps()), nowNanos / 1000);
                playing = selector.current();
                log.debug("session {}: rungs {} at {} bit/s, starting on {}", id,
                        rungs.stream().map(RenditionLadder.Rung::streamName).toList(), java.util.Arrays.toString(bps),
                        rungs.get(playing).streamName());
            }
            log.debug("session {}: congestion control from {} (start {} bit/s)", id,
                    videoMedia.extensionIds().containsKey(ExtMap.TRANSPORT_WIDE_CC) ? "transport-wide CC feedback"
                            : "REMB and receiver reports", constraints.startBitrateBps());
        }
        RtpHeaderWriter videoHdr = null;
        int twccId = -1;
        int absSendTimeId = -1;
        int capacity = 12 + 64 + H264Packetizer.DEFAULT_MAX_PAYLOAD + tail; // header with extensions
        if (videoMedia != null && videoMedia.localSsrc() >= 0) {
            videoHdr = header(videoMedia);
            twccId = videoMedia.extensionIds().getOrDefault(ExtMap.TRANSPORT_WIDE_CC, -1);
            absSendTimeId = videoMedia.extensionIds().getOrDefault(ExtMap.ABS_SEND_TIME, -1);
            if (twccId > 0) {
                videoHdr.transportSequenceNumber(twccId);
            }
            if (absSendTimeId > 0) {
                videoHdr.absSendTime(absSendTimeId);
            }
            playoutDelayId = videoMedia.extensionIds().getOrDefault(ExtMap.PLAYOUT_DELAY, -1);
            videoHeader = videoHdr;
            capacity = Math.max(capacity, videoHdr.headerLength() + H264Packetizer.DEFAULT_MAX_PAYLOAD + tail);
        }
        RtpPacketAllocator packets = new RtpPacketAllocator(capacity + 16 + 2, POOLED_PACKETS);
        if (videoHdr != null) {
            H264Packetizer h264 = H264Packetizer.builder(videoHdr).mode(H264Packetizer.Mode.NAL_AWARE)
                    .allocator(packets).tailRoom(tail).build();
            RtxPacketizer rtx = videoMedia.rtxPayloadType() >= 0 && videoMedia.localRtxSsrc() >= 0
                    ? new RtxPacketizer((int) videoMedia.localRtxSsrc(), videoMedia.rtxPayloadType(),
                    ThreadLocalRandom.current().nextInt(1 << 16), packets, tail) : null;
            engine.send(SendStream.builder(MediaKind.VIDEO, (int) videoMedia.localSsrc(), H264Packetizer.CLOCK_RATE,
                            FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp))
                    .transportWideCcId(twccId).absSendTimeId(absSendTimeId)
                    .nackResponder(new NackResponder(new PacketHistory(HISTORY_PACKETS, 2_000_000, packets), rtx, packets,
                            tail))
                    .build());
            sendsVideo = true;
        }
        if (audioMedia != null && audioMedia.localSsrc() >= 0) {
            RtpHeaderWriter hdr = header(audioMedia);
            int audioTwccId = audioMedia.extensionIds().getOrDefault(ExtMap.TRANSPORT_WIDE_CC, -1);
            if (audioTwccId > 0) {
                hdr.transportSequenceNumber(audioTwccId);
            }
            OpusPacketizer opus = new OpusPacketizer(hdr, packets, tail, -1, -1);
            engine.send(SendStream.builder(MediaKind.AUDIO, (int) audioMedia.localSsrc(), OpusPacketizer.CLOCK_RATE,
                            FramePacketizer.of((f, out) -> out.add(opus.packetize(f)), opus::rtpTimestamp))
                    .transportWideCcId(audioTwccId).build());
            sendsAudio = true;
        }
        return engine.build(); // the pacing floor follows with the first video frame (applyFloor)
    }

    /**
     * A viewer's pacer never runs slower than 1.5 × the played rung's rate ({@link RtpSession#minPacingRate}). A
     * copied stream's keyframes are 7-10 × its average frame and no encoder follows the target: paced at the
     * controller's 1.1 × a target near the stream's rate, each keyframe waited ~0.7 s in the pacer (p95), the backlog
     * passed the dropper's 1 s and video was dropped up to the next keyframe (freezes over 1 s with a path of 1.4 ×
     * the stream, {@code WhepViewerBench}, 854x480 2.5 Mbit/s, 80-114 kB keyframes); paced at 2.5 × the target (libwebrtc's
     * factor) the keyframes reached the bottleneck well above its rate, the delay each one built cut GCC's target to
     * 1.7 Mbit/s and the same happened. At 1.5 × the rung a keyframe crosses the pacer at about the rate such a path
     * has; whether the path carries the rung at all is the rung selector's decision, from the target.
     */
    static final double VIEWER_MIN_PACING_FACTOR = 1.5;

    /** Lowest target of a viewer's controller: 100 kbit/s (below it no rung of a ladder plays). */
    static final long MIN_TARGET_BPS = 100_000;
    /** Highest target of a viewer's controller: 50 Mbit/s. */
    static final long MAX_TARGET_BPS = 50_000_000;

    /**
     * The viewer's controller starts at 1.3 × the stream's average rate so far (publisher's payload octets over its
     * age, once it is at least 1 s old), at least GCC's 300 kbit/s default: a viewer joins a live stream whose rate
     * is known, and starting the estimate below it would hold the join (the GOP cache) in the pacer until probes
     * raised it. A path that carries less makes the controller cut within a few hundred ms.
     */
    private TargetRateConstraints constraints(long nowNanos) {
        long start = Math.max(TargetRateConstraints.DEFAULT.startBitrateBps(), (long) (measuredBps(stream) * 1.3));
        start = Math.min(start, MAX_TARGET_BPS);
        return new TargetRateConstraints(MIN_TARGET_BPS, start, MAX_TARGET_BPS);
    }

    /** A hub stream's average rate so far, bit/s (its publisher's payload over its age, once 1 s old), else 0. */
    private long measuredBps(String name) {
        StreamSnapshot.Session pub = hub.snapshot(name).flatMap(StreamSnapshot::publisher).orElse(null);
        long ageNanos = pub == null ? 0 : hub.ticker().nanoTime() - pub.startedNanos();
        return pub != null && ageNanos >= 1_000_000_000L ? (long) (pub.bytes() * 8e9 / ageNanos) : 0;
    }

    /**
     * The rungs' bitrates for the selector, bit/s, strictly decreasing: each rung's nominal rate, a passthrough
     * rung's measured one when it has none (then 2 × the next rung's if not yet measurable), raised where needed
     * to stay above the rung below.
     */
    private long[] rungBitrates() {
        long[] bps = new long[rungs.size()];
        for (int i = 0; i < bps.length; i++) {
            bps[i] = rungs.get(i).bitrateBps() > 0 ? rungs.get(i).bitrateBps() : measuredBps(rungs.get(i).streamName());
        }
        for (int i = bps.length - 1; i >= 0; i--) {
            if (bps[i] <= 0) {
                bps[i] = i + 1 < bps.length ? 2 * bps[i + 1] : MIN_TARGET_BPS;
            }
            if (i + 1 < bps.length && bps[i] <= bps[i + 1]) {
                bps[i] = bps[i + 1] + 1;
            }
        }
        return bps;
    }

    private static RtpHeaderWriter header(NegotiatedMedia m) {
        RtpHeaderWriter hdr = new RtpHeaderWriter((int) m.localSsrc(), m.codec().payloadType());
        Integer midId = m.extensionIds().get(ExtMap.MID);
        if (midId != null) {
            hdr.mid(midId, m.mid());
        }
        return hdr;
    }

    @Override
    void onConnected() {
        deliveringCache = true;
        joinCache = new ArrayList<>();
        try {
            // the playing rung first: its GOP cache is what the viewer starts with (the others' are filtered out)
            subscribeRung(playing);
            for (int i = 0; i < rungs.size() && !closed; i++) {
                if (i != playing) {
                    subscribeRung(i);
                }
            }
        } catch (StreamHubException e) {
            close("subscribe failed: " + e.getMessage());
        } finally {
            deliveringCache = false;
        }
        startJoin();
        if (cachedAudioSkipped > 0) {
            log.debug("session {}: skipped {} audio frames of the GOP cache; audio starts live", id, cachedAudioSkipped);
        }
    }

    private void subscribeRung(int i) throws StreamHubException {
        subscriptions[i] = hub.subscribe(rungs.get(i).streamName(), new RungSubscriber(i),
                io.sluice.core.events.SessionInfo.of("whep", remote));
    }

    /** The subscription of the rung being played (keyframe requests, estimates), or null before subscribing. */
    private StreamHub.Subscription playingSubscription() {
        return subscriptions[playing];
    }

    // ------------------------------------------------------------------ hub callbacks (publisher's thread)

    /**
     * One rung's subscription. Video is queued for the loop only from the rung being played and the one being
     * switched to; audio only from rung 0 (every rung carries the source's audio unchanged), so that a switch never
     * touches it. Publication changes count from rung 0.
     */
    private final class RungSubscriber implements StreamSubscriber {
        private final int rung;

        RungSubscriber(int rung) {
            this.rung = rung;
        }

        @Override
        public void onPublish(String streamName, List<TrackInfo> tracks) {
            if (rung != 0) {
                return;
            }
            loop.execute(() -> {
                if (publications++ > 0) {
                    rebase = true;
                    waitingForKeyframe = true;
                }
                useAudioRelayFor(tracks);
            });
        }

        /**
         * Queues one frame for the loop. The GOP cache's audio (delivered inside {@link StreamHub#subscribe},
         * on the loop) is dropped: it spans up to a whole GOP (seconds) and would reach the browser in one
         * burst, filling its audio jitter buffer (NetEq) with that much audio; Chromium's A/V sync
         * (RFC 3550 §6.4.1 SR mapping) then keeps delaying video to match the late audio, in steps that
         * show as freezes. Audio starts with the first live frame instead (≤ 20 ms later for Opus).
         *
         * @param frame ownership passes here: released here or after sending on the loop
         */
        @Override
        public void onFrame(EncodedFrame frame) {
            if (frame.track().isAudio()) {
                if (rung != 0) {
                    frame.release();
                    return;
                }
                if (deliveringCache && loop.inEventLoop()) {
                    cachedAudioSkipped++;
                    frame.release();
                    return;
                }
                if (frame.codec() != Codec.OPUS) {
                    frame.release(); // the shared relay transcodes it (onTranscodedAudio)
                    return;
                }
            } else if (rung != playing && rung != pending) {
                frame.release();
                return;
            } else if (deliveringCache && loop.inEventLoop() && joinCache != null) {
                joinCache.add(frame); // the join decides what to send of it (startJoin)
                return;
            }
            enqueue(frame, rung);
        }

        @Override
        public void onUnpublish(String streamName) {
        }

        @Override
        public void onClosed(String streamName) {
            loop.execute(() -> close("hub closed the subscription of " + streamName));
        }
    }

    /** On the loop: joins the shared transcoding when this publication's audio is not Opus. */
    private void useAudioRelayFor(List<TrackInfo> tracks) {
        releaseAudioRelay();
        if (closed || !sendsAudio) {
            return;
        }
        TrackInfo audio = tracks.stream().filter(TrackInfo::isAudio).findFirst().orElse(null);
        if (audio == null || audio.codec() == Codec.OPUS) {
            return;
        }
        if (audio.isOpaque()) {
            if (!noTranscoderLogged) {
                noTranscoderLogged = true;
                log.info("session {}: stream {} has end-to-end encrypted {} audio, which cannot be transcoded to Opus:"
                        + " sending video only", id, stream, audio.codec());
            }
            return;
        }
        if (transcoders == null) {
            if (!noTranscoderLogged) {
                noTranscoderLogged = true;
                log.info("session {}: stream {} has {} audio and no transcoder is configured: sending video only",
                        id, stream, audio.codec());
            }
            return;
        }
        audioRelay = server.acquireAudioRelay(rungs.get(0).streamName(), audio, this);
    }

    private void releaseAudioRelay() {
        if (audioRelay != null) {
            server.releaseAudioRelay(audioRelay, this);
            audioRelay = null;
        }
    }

    /**
     * One Opus frame from the stream's shared {@link AudioTranscodeRelay}, on its thread.
     *
     * @param frame ownership passes here: released here or after sending on the loop
     */
    @Override
    public void onTranscodedAudio(EncodedFrame frame) {
        enqueue(frame, 0);
    }

    /**
     * @param frame ownership passes here
     * @param rung  the rung it came from
     */
    private void enqueue(EncodedFrame frame, int rung) {
        if (queued.get() >= MAX_QUEUED_FRAMES) {
            frame.release();
            dropUntilKeyframe = true;
            return;
        }
        queued.incrementAndGet();
        try {
            loop.execute(() -> {
                queued.decrementAndGet();
                try {
                    send(frame, rung);
                } finally {
                    frame.release();
                }
            });
        } catch (RuntimeException e) { // loop shut down
            queued.decrementAndGet();
            frame.release();
        }
    }

    // ------------------------------------------------------------------ media (loop)

    /**
     * @param frame borrowed: the caller releases it
     * @param rung  the rung it came from (0 for audio)
     */
    private void send(EncodedFrame frame, int rung) {
        if (closed || engine == null) {
            return;
        }
        TrackInfo t = frame.track();
        long pts = frame.ptsUs();
        if (rebase) {
            rebase = false;
            ptsOffsetUs = lastPtsOutUs == Long.MIN_VALUE ? 0 : lastPtsOutUs + 33_333 - pts;
        }
        long now = ticker.nanoTime();
        if (t.isVideo() && joinHeld != null && heldForJoin(frame, rung, now)) {
            return;
        }
        if (t.isVideo()) {
            pollSelector(now);
            if (!sendsVideo || t.codec() != Codec.H264 || !videoFromRung(now, frame, rung)) {
                pumpEngine();
                return;
            }
            if (dropUntilKeyframe) {
                dropUntilKeyframe = false;
                waitingForKeyframe = true;
                engine.requestKeyframe(now, "frames dropped in front of the viewer");
            }
            if (waitingForKeyframe) {
                if (!frame.isKeyframe()) {
                    pumpEngine();
                    return;
                }
                waitingForKeyframe = false;
            }
            if (dropper != null && dropsBehindPacer(now, frame.isKeyframe())) {
                pumpEngine();
                return;
            }
        } else if (!t.isAudio() || !sendsAudio || t.codec() != Codec.OPUS) {
            return;
        }
        long ptsUs = pts + ptsOffsetUs;
        EncodedFrame f = ptsUs == pts ? frame
                : new EncodedFrame(t, frame.content().retainedDuplicate(), ptsUs, frame.isKeyframe() || t.isAudio());
        try {
            if (t.isVideo() && frame.isKeyframe() && joinDrained(now)) {
                updatePlayoutDelay(frame.size());
            }
            engine.sendFrame(now, f);
        } catch (RuntimeException e) {
            log.debug("session {}: cannot packetize {} frame: {}", id, t.isVideo() ? "video" : "audio", e.toString());
            return;
        } finally {
            if (f != frame) {
                f.release();
            }
        }
        if (t.isAudio()) {
            if (firstAudioNanos == Long.MIN_VALUE) {
                firstAudioNanos = now;
            }
            audioWireBytes += frame.size() + AUDIO_PACKET_OVERHEAD;
        }
        if (t.isVideo()) {
            framesSent++;
            boolean topRungMeasured = rung == 0 && rungs.get(0).bitrateBps() <= 0;
            if (topRungMeasured && !sendingTopRung) {
                topRungRate.reset(now);
            }
            sendingTopRung = rung == 0;
            if (topRungMeasured) {
                topRungRate.add(now, frame.size());
            }
            applyFloor(now);
            if (frame.isKeyframe()) {
                lastKeyframeBytes = frame.size();
                remeasureRung(now);
            }
            lastVideoPtsOutUs = ptsUs;
            if (frame.isKeyframe() && timeline.mark(SessionTimeline.Step.FIRST_KEYFRAME, now)) {
                log.debug("session {} ({} {}) setup: {}", id, endpoint, stream, timeline);
            }
        }
        lastPtsOutUs = Math.max(lastPtsOutUs, ptsUs);
        pumpEngine();
    }

    /**
     * A switch up waits this long for the new rung's keyframe before one is asked of the ladder or publisher, ns. A
     * switch down asks at once: the path no longer carries the rung playing, and every 100 ms of waiting fills the
     * bottleneck queue (a 553 kbit/s rung into 350 kbit/s: full in 0.6 s, then loss and a freeze until the keyframe).
     */
    static final long SWITCH_KEYFRAME_REQUEST_NANOS = 500_000_000L;
    /** The playing rung, stopped at its keyframe for a switch, resumes if the new rung's keyframe does not come within this, ns. */
    static final long MAX_HOLD_NANOS = 2_000_000_000L;

    /**
     * Whether a video frame of {@code rung} is to be sent, doing rung switches. A switch happens at a keyframe of the
     * new rung that is later than the last video frame sent, so the browser sees one stream with increasing
     * timestamps: the SSRC, sequence numbers and RTP timestamps are this session's own (frames are packetized here,
     * RTP timestamps from the rungs' common source clock), and the new rung's keyframe carries its SPS and PPS. When
     * the new rung's frames trail the played one's (a transcoded rung behind the passthrough one), the played rung
     * stops at its own next keyframe, which a ladder places at the same picture as the new rung's, and the new rung
     * takes over from that picture. A switch down first drops the old rung's frames still waiting in the pacer
     * ({@link RtpSession#discardQueuedVideo}): the new rung's keyframe goes out next.
     */
    private boolean videoFromRung(long now, EncodedFrame frame, int rung) {
        int p = pending;
        if (p >= 0 && rung == p) {
            long pts = frame.ptsUs() + ptsOffsetUs;
            if (frame.isKeyframe() && (lastVideoPtsOutUs == Long.MIN_VALUE || pts > lastVideoPtsOutUs)) {
                log.debug("session {}: rung {} → {} at PTS {} µs (estimate {} bit/s)", id,
                        rungs.get(playing).streamName(), rungs.get(p).streamName(), pts, estimateBps);
                if (p > playing) { // down: the old rung's backlog is what the path could not carry
                    long dropped = engine.discardQueuedVideo(now);
                    if (dropped > 0) {
                        log.debug("session {}: dropped {} octets of {} waiting in the pacer", id, dropped,
                                rungs.get(playing).streamName());
                    }
                }
                playing = p;
                pending = -1;
                holding = false;
                rungSwitches++;
                applyFloor(now);
                waitingForKeyframe = false;
                return true;
            }
            if (!pendingKeyframeAsked && (p > playing || now - pendingSinceNanos >= SWITCH_KEYFRAME_REQUEST_NANOS)) {
                pendingKeyframeAsked = true;
                StreamHub.Subscription sub = subscriptions[p];
                if (sub != null) {
                    sub.requestKeyframe();
                }
            }
            return false;
        }
        if (rung != playing) {
            return false;
        }
        if (p >= 0 && frame.isKeyframe()) {
            if (!holding) {
                holding = true; // the switch point: the new rung's keyframe at this picture takes over
                holdingSinceNanos = now;
                return false;
            }
            if (now - holdingSinceNanos < MAX_HOLD_NANOS) {
                return false;
            }
            log.debug("session {}: no keyframe from {} within {} ms: staying on {}", id, rungs.get(p).streamName(),
                    MAX_HOLD_NANOS / 1_000_000, rungs.get(playing).streamName());
            holding = false;
            pending = -1;
            applyFloor(now);
            if (selector != null) {
                selector.stayOn(now / 1000, playing);
            }
            return true;
        }
        return !holding;
    }

    /** On the loop: the rung to play changed (estimate or manual choice); switches at that rung's next keyframe. */
    private void choose(int rung, long now) {
        if (rung == playing) {
            pending = -1;
            holding = false;
            applyFloor(now);
            return;
        }
        if (rung != pending) {
            pending = rung;
            pendingSinceNanos = now;
            pendingKeyframeAsked = false;
            holding = false;
            if (rung > playing && dropper != null && joinDrainedNanos != Long.MIN_VALUE && !joinDrained(now)) {
                // the path does not carry the rung the join is on: the join is no longer worth protecting
                joinDrainedNanos = now;
                dropper.graceUntil(now / 1000);
                log.debug("session {}: join given up for {}", id, rungs.get(rung).streamName());
            }
            applyFloor(now);
        }
    }

    /**
     * Whether a video frame is dropped because the pacer already holds more than it can send soon at the viewer's
     * rate ({@link PacerBacklogFrameDropper}: over 1 s at {@link #drainRateBps()}); video then stays
     * dropped up to the next keyframe that fits, and one is asked of the publisher (or the ladder) when dropping
     * starts. The viewer's path carries less than the stream: the picture holds on the last frame instead of the
     * bottleneck queue and the retransmissions on top of it keeping the path congested.
     */
    private boolean dropsBehindPacer(long nowNanos, boolean keyframe) {
        // The backlog at the rate the pacer drains (never under the floor); no lower limit after a large cut: that
        // one is for an encoder's overshoot of a cut, and nothing here overshoots (the rung follows the target)
        PacerBacklogFrameDropper.Decision d = dropper.onVideoFrame(nowNanos / 1000, keyframe, engine.pacerQueuedBytes(),
                drainRateBps(), Long.MIN_VALUE);
        if (d == PacerBacklogFrameDropper.Decision.SEND) {
            return false;
        }
        framesDropped++;
        if (!dropper.droppingForCut()) {
            engine.onMediaDropped(nowNanos);
        }
        if (d == PacerBacklogFrameDropper.Decision.DROP_AND_REQUEST_KEYFRAME) {
            log.debug("session {}: pacer holds {} octets at {} bit/s: dropping video until a keyframe", id,
                    engine.pacerQueuedBytes(), engine.pacingRateBps());
            StreamHub.Subscription sub = playingSubscription();
            if (sub != null) {
                sub.requestKeyframe();
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ viewer reports (HTTP loop)

    /** At most this many new freezes count from one viewer report (a page cannot flood the hub's counters). */
    static final int MAX_FREEZES_PER_REPORT = 100;
    /** The viewer's counts from its last report; any thread (reports arrive on the HTTP loop). */
    private long reportedFreezes;

    /**
     * A playback report from the viewer's page: cumulative counts since the session started.
     *
     * @param freezeCount       the player's freezes so far
     * @param totalFreezesUs    its total frozen time so far, µs
     */
    synchronized void onViewerReport(long freezeCount, long totalFreezesUs) {
        long fresh = freezeCount - reportedFreezes;
        if (fresh <= 0) {
            return;
        }
        reportedFreezes = freezeCount;
        StreamHub.Subscription sub = subscriptions[0];
        if (sub != null) {
            sub.reportFreezes((int) Math.min(MAX_FREEZES_PER_REPORT, fresh), totalFreezesUs);
        }
        log.debug("WHEP viewer of '{}' reported {} new freezes ({} in all, {} ms frozen)", stream, fresh, freezeCount,
                totalFreezesUs / 1000);
    }

    // ------------------------------------------------------------------ engine events (loop)

    @Override
    void onEvent(SessionEvent event) {
        if (event instanceof SessionEvent.KeyframeRequest) {
            StreamHub.Subscription sub = playingSubscription();
            if (sub != null) {
                sub.requestKeyframe();
            }
        } else if (event instanceof SessionEvent.FrameReceived r) {
            r.frame().release(); // a WHEP viewer sends no media
        } else if (event instanceof SessionEvent.Estimate est && dropper != null
                && est.kind() == BandwidthEstimate.Kind.TRANSPORT_CC) {
            long before = estimateBps;
            estimateBps = est.bitrateBps();
            if (log.isDebugEnabled() && before > 0 && Math.abs(est.bitrateBps() - before) * 5 > before) {
                log.debug("session {}: estimate {} → {} bit/s ({}, loss {}, RTT {} ms)", id, before, est.bitrateBps(),
                        est.reason(), est.lossFraction(), est.rttUs() / 1000);
            }
            long now = ticker.nanoTime();
            if (selector != null) {
                choose(selector.onEstimate(now / 1000, Math.max(0, est.bitrateBps() - audioBps(now))), now);
                applyPaddingTrial(now);
            }
            StreamHub.Subscription sub = subscriptions[0];
            if (sub != null && (lastEstimateReportNanos == Long.MIN_VALUE
                    || now - lastEstimateReportNanos >= ESTIMATE_REPORT_INTERVAL_NANOS)) {
                lastEstimateReportNanos = now;
                sub.reportEstimate(new BandwidthEstimate(est.kind(), est.bitrateBps(), engine.pacerQueuedBytes(),
                        engine.pacerQueueDelayUs(), est.lossFraction(), est.rttUs(), est.reason()));
            }
        }
    }

    /** The viewer's estimate goes to the hub ({@link StreamHub.Subscription#reportEstimate}) at most this often: 250 ms. */
    static final long ESTIMATE_REPORT_INTERVAL_NANOS = 250_000_000L;

    /**
     * The viewer's manual rung choice (its page's quality menu), or automatic again; any thread.
     *
     * @param rung the index in {@link #rungs()} (0 = top), or -1 for automatic
     * @return false if out of range, or the session has no choice (one rung, or no congestion control)
     */
    boolean chooseRung(int rung) {
        if (rung < -1 || rung >= rungs.size() || rungs.size() < 2) {
            return false;
        }
        loop.execute(() -> {
            if (selector != null && !closed) {
                choose(selector.force(rung), ticker.nanoTime());
                log.debug("session {}: rung chosen by the viewer: {}", id, rung < 0 ? "automatic"
                        : rungs.get(rung).streamName());
            }
        });
        return true;
    }

    /** This viewer's adaptation state as JSON (see {@link WebRtcServer#viewerState}); any thread. */
    String stateJson() {
        StringBuilder sb = new StringBuilder("{\"rungs\":[");
        for (int i = 0; i < rungs.size(); i++) {
            RenditionLadder.Rung r = rungs.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"stream\":\"").append(r.streamName().replace("\\", "\\\\")
                    .replace("\"", "\\\"")).append("\",\"width\":").append(r.width()).append(",\"height\":")
                    .append(r.height()).append(",\"bitrate\":").append(r.bitrateBps()).append('}');
        }
        RungSelector sel = selector;
        RtpSessionStats e = engineStats();
        return sb.append("],\"rung\":").append(playing).append(",\"forced\":").append(sel == null ? -1 : sel.forced())
                .append(",\"estimate\":").append(e.targetBitrateBps()).append(",\"pacingRate\":").append(pacingRateBps())
                .append(",\"pacerDelayUs\":").append(e.pacerQueueDelayUs()).append(",\"switches\":").append(rungSwitches)
                .append(",\"paddingTrials\":").append(sel == null ? 0 : sel.trials())
                .append(",\"failedTrials\":").append(sel == null ? 0 : sel.failedTrials())
                .append(",\"framesDropped\":").append(framesDropped).append(",\"rtt\":").append(e.rttUs())
                .append(",\"playoutDelayMs\":").append(playoutDelayMs())
                .append(",\"playoutDelaySentMs\":").append(sentPlayoutDelayMs).append('}').toString();
    }

    /**
     * At each keyframe, a rung without a nominal rate (the stream itself, passthrough) has its rate measured again
     * (the stream's average so far), and the pacer's floor follows: a viewer that joins a stream in its first second
     * starts with no measurement.
     */
    private void remeasureRung(long now) {
        long[] bps = rungBps;
        if (bps == null || rungs.get(playing).bitrateBps() > 0) {
            return;
        }
        long measured = measuredBps(rungs.get(playing).streamName());
        if (measured > 0 && measured != bps[playing]) {
            bps[playing] = measured;
            applyFloor(now);
        }
    }

    /** The maximum playout delay the extension carries, ms: Chromium's default maximum (10 s). */
    static final long PLAYOUT_DELAY_EXTENSION_MAX_MS = 10_000;

    /** A later keyframe raises the playout delay the packets carry only when it needs this much more. */
    static final double PLAYOUT_DELAY_RAISE = 1.3;

    /**
     * On the loop, before a keyframe of {@code keyframeBytes} is packetized, once the join has drained: puts the
     * buffer that keyframe needs ({@link #playoutDelayMs(int, long)} at the rung's pacing floor) as the minimum into
     * the playout-delay header extension of the video packets from this one on. Chromium keeps its jitter buffer
     * target at least that deep (the frame's minimum playout delay, {@code VideoReceiveStream2};
     * {@code WhepChromiumTest}), so a keyframe that takes longer than a frame interval to arrive is not a freeze;
     * audio follows through lip sync. Unlike the page's {@code jitterBufferTarget} it reaches every WebRTC player.
     * {@code WhepViewerCiTest} (1.4 ×, 354 ms carried): 160-290 ms buffered per frame and 1 freeze in 25 s in one run,
     * 24-214 ms and 12 freezes in another; 9-11 freezes and 39-55 ms without the extension.
     *
     * <p>Set once, and afterwards only raised, by {@value #PLAYOUT_DELAY_RAISE} × or more: each change of the minimum
     * while playing is a visible event (a minimum that followed every keyframe and rung switch froze the picture 2-7
     * times in 20 s of {@code WhepRungChoiceChromiumTest}, which shows none without it). Not during the join: a
     * minimum set from the first keyframe while the GOP cache was still catching up to live froze the picture once
     * for about the minimum, seconds later ({@code WhepChromiumTest}, 3 of 3 runs). At the floor, not the
     * controller's rate, which swings (1-46 Mbit/s on loopback). Layout (3 octets): min (12 bits) | max (12 bits), in
     * 10 ms units.
     */
    private void updatePlayoutDelay(int keyframeBytes) {
        long[] bps = rungBps;
        if (playoutDelayId < 0 || videoHeader == null || bps == null) {
            return;
        }
        long ms = playoutDelayMs(keyframeBytes, pacingFloorBps(bps[playing]));
        if (ms <= 0 || (sentPlayoutDelayMs >= 0 && ms < PLAYOUT_DELAY_RAISE * sentPlayoutDelayMs)) {
            return;
        }
        log.debug("session {}: playout delay {} → {} ms (keyframe of {} octets)", id, sentPlayoutDelayMs, ms,
                keyframeBytes);
        sentPlayoutDelayMs = ms;
        videoHeader.extension(playoutDelayId, playoutDelayValue(ms, PLAYOUT_DELAY_EXTENSION_MAX_MS));
    }

    /**
     * The playout-delay extension's value: {@code min} and {@code max} in 10 ms units (min rounded up), 12 bits each.
     *
     * @param minMs 0..40950 ms
     * @param maxMs minMs..40950 ms
     * @return 3 octets
     */
    static byte[] playoutDelayValue(long minMs, long maxMs) {
        int min = (int) Math.min(0xFFF, (minMs + 9) / 10);
        int max = (int) Math.min(0xFFF, Math.max(min, maxMs / 10));
        return new byte[] {(byte) (min >> 4), (byte) ((min & 0xF) << 4 | max >> 8), (byte) max};
    }

    /** Longest playout delay suggested to the page, ms. */
    static final long MAX_PLAYOUT_DELAY_MS = 1000;

    /**
     * The receive buffer a player needs so that a keyframe's transmission does not show as a freeze, ms: the last
     * keyframe's time at the rate the pacer drains (a path with about that rate takes as long) plus 25 %, plus 50 ms;
     * at most {@value #MAX_PLAYOUT_DELAY_MS}; 0 before a keyframe or without congestion control. Paced or not, a
     * 114 kB keyframe takes 260 ms over 3.5 Mbit/s, and Chromium, whose jitter buffer held 35-80 ms, counted a freeze
     * at every keyframe ({@code WhepViewerCiTest}). The shipped page sets it as {@code RTCRtpReceiver.jitterBufferTarget}.
     */
    long playoutDelayMs() {
        int kf = lastKeyframeBytes;
        if (rungBps == null || kf == 0) {
            return 0;
        }
        return playoutDelayMs(kf, drainRateBps());
    }

    /** The buffer a keyframe of {@code keyframeBytes} needs at {@code drainBps} (see {@link #playoutDelayMs()}), ms. */
    static long playoutDelayMs(int keyframeBytes, long drainBps) {
        return Math.min(MAX_PLAYOUT_DELAY_MS, 50 + keyframeBytes * 8L * 1000 * 5 / 4 / Math.max(1, drainBps));
    }

    /** The rungs this viewer may play, highest first. */
    List<RenditionLadder.Rung> rungs() {
        return rungs;
    }

    /**
     * On the loop, with each video frame: asks the controller to probe for the next rung when the selector says so,
     * and switches up when a padding trial that held ended without a further estimate ({@link RungSelector#poll}).
     */
    private void pollSelector(long now) {
        if (selector != null) {
            long probe = selector.poll(now / 1000);
            if (selector.current() != (pending >= 0 ? pending : playing)) {
                choose(selector.current(), now);
            }
            if (probe > 0) {
                probe += audioBps(now);
                log.debug("session {}: probing {} bit/s for {}", id, probe, rungs.get(Math.max(0, playing - 1)).streamName());
                engine.requestProbe(now, probe);
            }
            applyPaddingTrial(now);
        }
    }

    /**
     * Octets a relayed Opus frame costs on the wire besides its payload: RTP header 12, header extensions ~8, SRTP
     * tag 10, UDP 8, IPv4 20. At 50 packets/s that is 24 kbit/s, as much as the audio itself at low rates.
     */
    static final int AUDIO_PACKET_OVERHEAD = 58;

    /**
     * The audio this viewer is sent, bit/s on the wire: what every rung carries on top of its video, so the rung
     * selector is given the estimate minus it, and probes and padding trials ask for it on top (a 180 kbit/s path
     * carried q (106 kbit/s) plus Chromium's Opus and its headers with a standing 300-500 ms queue). 0 until audio has
     * been sent for 1 s.
     */
    private long audioBps(long nowNanos) {
        long age = nowNanos - firstAudioNanos;
        return firstAudioNanos == Long.MIN_VALUE || age < 1_000_000_000L ? 0 : (long) (audioWireBytes * 8e9 / age);
    }

    /**
     * On the loop: pads the path up to the next rung's bitrate while the selector's padding trial runs
     * ({@link RungSelector#paddingBps}, plus the audio: media counts towards it), none otherwise.
     */
    private void applyPaddingTrial(long now) {
        long rungPadding = selector.paddingBps(now / 1000);
        if (rungPadding != trialPaddingBps) { // the audio is added once, when the trial starts
            long padding = rungPadding > 0 ? rungPadding + audioBps(now) : 0;
            if (padding > 0) {
                log.debug("session {}: padding trial for {}: {} bit/s for {} ms", id,
                        rungs.get(selector.trialRung()).streamName(), padding, RungSelector.trialUs(rungPadding) / 1000);
            } else {
                log.debug("session {}: padding trial over ({} of {} failed)", id, selector.failedTrials(),
                        selector.trials());
            }
            trialPaddingBps = rungPadding;
            engine.minPaddingRate(now, padding);
        }
    }

    @Override
    void closeMedia() {
        endJoinWait();
        releaseAll(joinHeld);
        joinHeld = null;
        for (int i = 0; i < subscriptions.length; i++) {
            if (subscriptions[i] != null) {
                subscriptions[i].close();
                subscriptions[i] = null;
            }
        }
        releaseAudioRelay();
    }

    /**
     * The most media a join sends from the GOP cache, µs from its keyframe to its last frame; an older cache
     * waits for a live keyframe instead (see {@link #startJoin}).
     */
    static final long MAX_JOIN_CATCH_UP_US = 500_000;

    /**
     * The longest a join waits for a publisher's next keyframe, µs, judged by the last keyframe interval
     * ({@link StreamHub.Subscription#keyframeIntervalUs}); a later one (a long GOP) and the GOP cache is sent.
     */
    static final long MAX_JOIN_EXPECTED_WAIT_US = 1_500_000;

    /** The longest a join waits for a live keyframe before it sends the GOP cache after all, ns. */
    static final long MAX_JOIN_KEYFRAME_WAIT_NANOS = 2_000_000_000L;

    /** The most video frames a join waiting for a live keyframe holds (≥ 2.5 s at 60 frames/s). */
    static final int MAX_JOIN_HELD_FRAMES = 160;

    /**
     * On the loop, once the GOP cache is collected: how the viewer's video starts. Without congestion control, or
     * when the cache holds at most {@value #MAX_JOIN_CATCH_UP_US} µs of media, it is sent now (paced) and the
     * viewer starts at its keyframe. An older cache puts the picture behind live and takes long to catch up on a
     * path with little spare capacity: at 1.4 × the stream a 1.5 s cache drains in ~4 s, and Chromium's receive
     * timing, fitted to frames that arrive ever earlier against their RTP timestamps meanwhile, stays off for tens
     * of seconds after: its jitter buffer then held 25-50 ms per frame at times for a target of 280 ms and each
     * keyframe froze the picture (WhepViewerCiTest: 5-10 freezes in 25 s after joins whose pacer delay reached
     * 0.8-1 s; none after a join of 0.25 s; starting at a live keyframe: none in 7 of 7 runs). Sending the cache
     * and jumping to the next live keyframe froze 5-6 times. So when the publisher's next keyframe is due within
     * {@value #MAX_JOIN_EXPECTED_WAIT_US} µs (by its last keyframe interval), the session asks for one (a
     * transcoded rung or a WebRTC publisher makes it at once; an RTMP publisher cannot) and starts at the first
     * live keyframe; audio starts at once. So too when the cache is already longer than that interval (keyframes
     * come irregularly: a WebRTC publisher makes them when asked; a simulcast viewer at 250 kbit/s then started on
     * a 720p keyframe made 65 ms after the request instead of a 6.4 s cache, SimulcastViewersCiTest). Should none
     * come within {@value #MAX_JOIN_KEYFRAME_WAIT_NANOS} ns, or the held frames reach {@value #MAX_JOIN_HELD_FRAMES},
     * the cache and the live frames since are sent after all. A longer or unknown GOP sends the cache: waiting
     * seconds for a first frame is worse than a slow catch-up. Rule: {@link #joinWaitsForLiveKeyframe}.
     */
    private void startJoin() {
        List<EncodedFrame> cache = joinCache;
        joinCache = null;
        if (cache == null || closed) {
            releaseAll(cache);
            return;
        }
        long spanUs = cache.isEmpty() ? 0 : cache.get(cache.size() - 1).ptsUs() - cache.get(0).ptsUs();
        StreamHub.Subscription sub = playingSubscription();
        long gopUs = sub == null ? 0 : sub.keyframeIntervalUs();
        long dueUs = gopUs - spanUs;
        if (dropper == null || sub == null || !joinWaitsForLiveKeyframe(spanUs, gopUs)) {
            if (spanUs > MAX_JOIN_CATCH_UP_US) {
                log.debug("session {}: GOP cache spans {} ms, next keyframe in {} ms: the join sends it", id,
                        spanUs / 1000, gopUs <= 0 ? "?" : String.valueOf(dueUs / 1000));
            }
            sendJoin(cache);
            return;
        }
        joinHeld = cache;
        joinWaitSinceNanos = ticker.nanoTime();
        // a transcoded rung, an encoder or a WebRTC publisher makes one at once; an RTMP publisher cannot
        sub.requestKeyframe(cache.get(0).trackId(), KeyframeRequestReason.NEW_SUBSCRIBER);
        joinWait = loop.schedule(this::joinWaitOver, MAX_JOIN_KEYFRAME_WAIT_NANOS, TimeUnit.NANOSECONDS);
        log.debug("session {}: GOP cache spans {} ms: waiting for a live keyframe (asked for; due in {})", id,
                spanUs / 1000, dueUs >= 0 ? dueUs / 1000 + " ms" : "? ms: last interval " + gopUs / 1000 + " ms");
    }

    /**
     * Whether a join with congestion control waits for a live keyframe rather than send its GOP cache (see
     * {@link #startJoin}): the cache spans over {@value #MAX_JOIN_CATCH_UP_US} µs and the next keyframe is due within
     * {@value #MAX_JOIN_EXPECTED_WAIT_US} µs by the last interval, or the cache is already longer than that interval
     * (keyframes come irregularly, as a WebRTC publisher's when asked).
     *
     * @param cacheSpanUs        PTS of the cache's last frame minus its keyframe's, µs
     * @param keyframeIntervalUs the publication's last keyframe interval, µs; 0 if unknown (then: no)
     */
    static boolean joinWaitsForLiveKeyframe(long cacheSpanUs, long keyframeIntervalUs) {
        return cacheSpanUs > MAX_JOIN_CATCH_UP_US && keyframeIntervalUs > 0
                && keyframeIntervalUs - cacheSpanUs <= MAX_JOIN_EXPECTED_WAIT_US;
    }

    /**
     * On the loop, with a video frame while the join waits: a live keyframe of the playing rung ends the wait
     * (the held frames are released and this keyframe starts the picture); other frames of that rung are held.
     *
     * @param frame borrowed: retained when held
     * @return whether the frame was dealt with (held or dropped); false: send it
     */
    private boolean heldForJoin(EncodedFrame frame, int rung, long nowNanos) {
        if (rung != playing) {
            return true;
        }
        if (frame.isKeyframe()) {
            log.debug("session {}: join starts at a live keyframe after {} ms", id,
                    (nowNanos - joinWaitSinceNanos) / 1_000_000);
            endJoinWait();
            releaseAll(joinHeld);
            joinHeld = null;
            loop.execute(this::joinGrace); // behind this keyframe
            return false;
        }
        joinHeld.add(frame.retain());
        if (joinHeld.size() >= MAX_JOIN_HELD_FRAMES) {
            joinWaitOver();
        }
        return true;
    }

    /** On the loop: no live keyframe came in time; sends the held GOP cache and live frames. */
    private void joinWaitOver() {
        List<EncodedFrame> held = joinHeld;
        if (held == null) {
            return;
        }
        endJoinWait();
        joinHeld = null;
        if (closed) {
            releaseAll(held);
            return;
        }
        log.debug("session {}: no live keyframe in {} ms: the join sends the GOP cache ({} frames)", id,
                (ticker.nanoTime() - joinWaitSinceNanos) / 1_000_000, held.size());
        sendJoin(held);
    }

    /** @param frames owned: sent in order, then released; {@link #joinGrace} follows */
    private void sendJoin(List<EncodedFrame> frames) {
        try {
            for (EncodedFrame f : frames) {
                send(f, playing);
            }
        } finally {
            releaseAll(frames);
        }
        joinGrace();
    }

    private void endJoinWait() {
        ScheduledFuture<?> w = joinWait;
        joinWait = null;
        if (w != null) {
            w.cancel(false);
        }
    }

    private static void releaseAll(List<EncodedFrame> frames) {
        if (frames != null) {
            for (EncodedFrame f : frames) {
                f.release();
            }
            frames.clear();
        }
    }

    /** The longest the join's backlog keeps the dropper off, µs. */
    static final long MAX_JOIN_GRACE_US = 10_000_000;

    /**
     * On the loop, once the GOP cache is in the pacer: the dropper leaves the join alone while it drains. The join
     * is up to a whole GOP (2 s of a 2.5 Mbit/s stream: ~625 kB, over 1 s at a 3.75 Mbit/s floor) sent at the drain
     * rate while live frames keep coming at the rung's rate, so it drains at the difference: 4 s for that GOP at a
     * 1.5 × floor. Judged against the 1 s limit, a viewer that joined late in a GOP had the tail of its join dropped
     * and froze until the next keyframe (WhepViewerCiTest failed once in CI on it). Capped at
     * {@link #MAX_JOIN_GRACE_US}.
     *
     * <p>Meanwhile the pacing floor is {@link #JOIN_MIN_PACING_FACTOR} × the rung, not 1.5 ×: at 1.5 × the join
     * filled a 1.4 × path's 300 ms queue (WhepViewerCiTest: 2-3 % loss in 2 of 3 runs, one freeze over 1 s); with no
     * floor, GCC's dips on loopback starved the join and Chromium froze after its first second (RtmpWhepChromiumTest,
     * 3 of 4 runs). With 1.2 ×: 0 loss in 3 of 3 WhepViewerCiTest runs, RtmpWhepChromiumTest 2 of 2.
     */
    private void joinGrace() {
        RtpSession e = engine;
        long[] bps = rungBps;
        if (closed || e == null || dropper == null || bps == null) {
            return;
        }
        long now = ticker.nanoTime();
        long surplus = drainRateBps() - bps[playing];
        long queued = e.pacerQueuedBytes();
        long graceUs = surplus <= 0 ? MAX_JOIN_GRACE_US : Math.min(MAX_JOIN_GRACE_US, queued * 8_000_000L / surplus);
        dropper.graceUntil(now / 1000 + graceUs);
        joinDrainedNanos = now + graceUs * 1000;
        if (selector != null) {
            selector.holdUp(now / 1000 + graceUs); // no padding trial on top of the join
        }
        log.debug("session {}: join of {} octets in the pacer; no video dropped for {} ms", id, queued, graceUs / 1000);
    }

    /**
     * The pacing floor while the join drains, × the rung's rate. With the 1.5 × floor the join (a GOP behind live)
     * ran at 3.75 Mbit/s into a 3.5 Mbit/s path for 5 s, filled its 300 ms queue and lost 2-3 % of the packets
     * (WhepViewerCiTest, 2 of 3 runs); with no floor at all GCC's dips on loopback starved it
     * (RtmpWhepChromiumTest). 1.2 × stays under a 1.4 × path and still outruns the live stream.
     */
    static final double JOIN_MIN_PACING_FACTOR = 1.2;

    /** Whether the join's backlog has drained by {@code nowNanos} (false before {@link #joinGrace} ran). */
    private boolean joinDrained(long nowNanos) {
        return joinDrainedNanos != Long.MIN_VALUE && nowNanos - joinDrainedNanos >= 0;
    }

    /**
     * On the loop: the pacer's floor for the rung playing ({@link #JOIN_MIN_PACING_FACTOR} × while the join drains),
     * or for the rung a pending down-switch goes to: the estimate says the path does not carry the one playing, and
     * a floor at its rate would push its frames into the path until the switch (on a 300 kbit/s path a join on a
     * 553 kbit/s rung kept the bottleneck queue full and Chromium froze for 2.6 s).
     */
    private void applyFloor(long nowNanos) {
        long[] bps = rungBps;
        if (bps == null || engine == null) {
            return;
        }
        applyAllocation(nowNanos);
        int r = pending > playing && pending < bps.length ? pending : playing;
        long floor = joinDrained(nowNanos) ? pacingFloorBps(bps[r]) : (long) (JOIN_MIN_PACING_FACTOR * bps[r]);
        if (floor != floorBps) {
            floorBps = floor;
            engine.minPacingRate(nowNanos, floor);
        }
    }

    /**
     * Tells the engine the most this viewer could be sent ({@link RtpSession#maxTotalAllocatedBitrate}): the top
     * rung's nominal bitrate (a transcoded rung's) plus the audio; GCC then probes no higher than 2 × it. Told again
     * when it moves by more than 10 %. A top rung without a nominal rate (the published stream itself, a simulcast
     * layer) counts with the highest rate it was sent at over a whole second of the last five ({@link PeakRateMeter})
     * while this viewer plays it: there is no rung above to probe for, and unbounded probes made 10 % of a passthrough
     * viewer's bytes (3.02 against 2.74 Mbit/s per viewer in {@code WhepFanOutBenchmark}). On a lower rung it stays
     * unknown, so probes towards that rung are bounded by the maximum only: its average since the start lags what it
     * sends now (a Chromium simulcast publisher's 720p layer averaged 141 kbit/s while sending ~775; bounded at 2 ×
     * that, the 6 Mbit/s viewer of {@code SimulcastViewersCiTest} froze 3.2 s).
     */
    private void applyAllocation(long nowNanos) {
        long top = rungs.get(0).bitrateBps();
        long topBps = top > 0 ? top : sendingTopRung ? topRungRate.peakBps(nowNanos) : 0;
        long allocated = topBps > 0 ? topBps + audioBps(nowNanos) : 0;
        if (Math.abs(allocated - allocatedBps) * 10 > allocatedBps || (allocated == 0) != (allocatedBps == 0)) {
            allocatedBps = allocated;
            engine.maxTotalAllocatedBitrate(nowNanos, allocated);
        }
    }

    /** The pacer's floor for a rung of {@code rungRateBps} bit/s: {@value #VIEWER_MIN_PACING_FACTOR} × it, bit/s. */
    private static long pacingFloorBps(long rungRateBps) {
        return (long) (VIEWER_MIN_PACING_FACTOR * rungRateBps);
    }

    /**
     * The rate the pacer drains at, bit/s: the controller's pacing rate or the played rung's floor, whichever is
     * higher; 0 without congestion control. Any thread (racy reads of the loop's state, for stats).
     */
    private long drainRateBps() {
        long[] bps = rungBps;
        return bps == null ? 0 : Math.max(pacingRateBps(), floorBps);
    }

    /** The engine's pacing rate, bit/s, 0 before the engine or without a controller; any thread. */
    private long pacingRateBps() {
        RtpSession e = engine;
        return e == null || dropper == null ? 0 : e.pacingRateBps();
    }

    @Override
    WebRtcSessionStats stats() {
        RtpSessionStats e = engineStats();
        return new WebRtcSessionStats(id, stream, endpoint, connected, rtpPacketsSent, rtpBytesSent,
                rtpPacketsReceived, e.nacksReceived(), e.retransmissions(), e.keyframeRequests(), 0, srtpDropped,
                e.rttUs(), e.fractionLost(), e.jitterUs(), e.rembBps(), e.twccFeedbacks(), e.twccPacketsAcked(),
                e.twccPacketsLost(), framesSent, e.twccFeedbacksSent(), e.targetBitrateBps(), pacingRateBps(),
                e.pacerQueueDelayUs(), framesDropped, rungs.get(playing).streamName(), rungSwitches);
    }
}
