package io.sluice.webrtc.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamHubException;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.core.spi.FrameTranscoderFactory;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.rtcp.Fir;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.Remb;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.Sdes;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtcp.SenderReportGenerator;
import io.sluice.webrtc.rtcp.TransportWideCc;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.OpusPacketizer;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtpPacketAllocator;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WHEP session: subscribes to a hub stream once DTLS is up and sends its H.264 (passthrough,
 * RFC 6184 NAL-aware packetization, starting at the GOP cache's keyframe) and Opus (passthrough, or
 * from the server's shared {@link AudioTranscodeRelay} of the stream when its audio is not Opus, if
 * a {@link FrameTranscoderFactory} is configured) as SRTP. Audio starts live: the GOP cache's audio
 * is skipped (see {@link #onFrame}). Answers NACKs from a packet history
 * (as RTX when negotiated, RFC 4588), turns PLI/FIR into rate-limited
 * {@link StreamHub.Subscription#requestKeyframe()}, records REMB/TWCC/RR figures and sends an SR per
 * stream every second.
 *
 * <p>Timestamps: video 90 kHz and Opus 48 kHz from the frames' µs PTS; when the publisher changes
 * (a new publication of the same stream) the PTS are rebased to continue after the last frame sent.
 */
final class WhepSession extends RtcSession implements StreamSubscriber, AudioTranscodeRelay.Listener {
    private static final Logger log = LoggerFactory.getLogger(WhepSession.class);
    /** Frames queued between the publisher's thread and the loop before frames are dropped. */
    static final int MAX_QUEUED_FRAMES = 300;
    static final long KEYFRAME_REQUEST_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    static final String CNAME = "sluice";
    /** Released RTP packet buffers kept for reuse per session (retransmission history plus in flight). */
    static final int POOLED_PACKETS = 1024;

    private final StreamHub hub;
    private final FrameTranscoderFactory transcoders;
    private final NegotiatedMedia videoMedia;
    private final NegotiatedMedia audioMedia;
    private final AtomicInteger queued = new AtomicInteger();
    /** Every outgoing RTP packet (media, history copies, RTX) comes from here; made in onConnected. */
    private RtpPacketAllocator packets;
    private volatile boolean dropUntilKeyframe;

    private StreamHub.Subscription subscription;
    /** True on the loop while {@link StreamHub#subscribe} delivers the GOP cache (under the stream's lock). */
    private boolean deliveringCache;
    private long cachedAudioSkipped;
    private final RtpPacket view = new RtpPacket();
    private final List<ByteBuf> scratch = new ArrayList<>();

    // video
    private H264Packetizer h264;
    private PacketHistory history;
    private RtxPacketizer rtx;
    private SenderReportGenerator videoSr;
    private int videoSsrc;
    private int twccId = -1;
    private int absSendTimeId = -1;
    private int twccSeq;
    private boolean waitingForKeyframe = true;
    private long lastKeyframeRequestNanos = Long.MIN_VALUE / 2;
    private boolean keyframeRequestPending;

    // audio
    private OpusPacketizer opus;
    private SenderReportGenerator audioSr;
    private int audioSsrc;
    private int audioTwccId = -1;
    private AudioTranscodeRelay audioRelay;
    private boolean noTranscoderLogged;

    // timing
    private int publications;
    private boolean rebase;
    private long ptsOffsetUs;
    private long lastPtsOutUs = Long.MIN_VALUE;

    // stats
    private volatile long nacksReceived;
    private volatile long retransmissions;
    private volatile long keyframeRequests;
    private volatile double fractionLost;
    private volatile long jitterMicros = -1;
    private volatile long rembBps = -1;
    private volatile long twccFeedbacks;
    private volatile long twccAcked;
    private volatile long twccLost;
    private volatile long framesSent;

    WhepSession(WebRtcServer server, String id, String stream, NegotiatedSession negotiated, IceLiteAgent ice,
                DtlsContext dtlsContext, Channel udp, Duration setupTimeout, StreamHub hub,
                FrameTranscoderFactory transcoders) {
        super(server, id, stream, WebRtcEndpoint.WHEP, negotiated, ice, dtlsContext, udp, setupTimeout);
        this.hub = hub;
        this.transcoders = transcoders;
        this.videoMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElse(null);
        this.audioMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.AUDIO).findFirst().orElse(null);
    }

    /**
     * Makes the packetizers over one {@link RtpPacketAllocator} sized for the largest packet this
     * session makes: an H.264 packet of the maximum payload plus its tail room, plus 16 octets (the
     * history's copies) and 2 (the RTX OSN, RFC 4588 §4). Larger requests (none expected) get
     * ordinary heap buffers from it.
     */
    @Override
    void onConnected() {
        int tail = rtpTailRoom();
        RtpHeaderWriter videoHdr = null;
        int capacity = 12 + 64 + H264Packetizer.DEFAULT_MAX_PAYLOAD + tail; // header with extensions
        if (videoMedia != null && videoMedia.localSsrc() >= 0) {
            videoSsrc = (int) videoMedia.localSsrc();
            videoHdr = header(videoMedia, videoSsrc);
            twccId = videoMedia.extensionIds().getOrDefault(ExtMap.TRANSPORT_WIDE_CC, -1);
            absSendTimeId = videoMedia.extensionIds().getOrDefault(ExtMap.ABS_SEND_TIME, -1);
            if (twccId > 0) {
                videoHdr.transportSequenceNumber(twccId);
            }
            if (absSendTimeId > 0) {
                videoHdr.absSendTime(absSendTimeId);
            }
            capacity = Math.max(capacity, videoHdr.headerLength() + H264Packetizer.DEFAULT_MAX_PAYLOAD + tail);
        }
        packets = new RtpPacketAllocator(capacity + 16 + 2, POOLED_PACKETS);
        if (videoHdr != null) {
            h264 = H264Packetizer.builder(videoHdr).mode(H264Packetizer.Mode.NAL_AWARE).allocator(packets)
                    .tailRoom(tail).build();
            history = new PacketHistory(2048, 2_000_000, packets);
            if (videoMedia.rtxPayloadType() >= 0 && videoMedia.localRtxSsrc() >= 0) {
                rtx = new RtxPacketizer((int) videoMedia.localRtxSsrc(), videoMedia.rtxPayloadType(),
                        ThreadLocalRandom.current().nextInt(1 << 16), packets, tail);
            }
            videoSr = new SenderReportGenerator(videoSsrc, H264Packetizer.CLOCK_RATE, InstantSource.system());
        }
        if (audioMedia != null && audioMedia.localSsrc() >= 0) {
            audioSsrc = (int) audioMedia.localSsrc();
            RtpHeaderWriter hdr = header(audioMedia, audioSsrc);
            audioTwccId = audioMedia.extensionIds().getOrDefault(ExtMap.TRANSPORT_WIDE_CC, -1);
            if (audioTwccId > 0) {
                hdr.transportSequenceNumber(audioTwccId);
            }
            opus = new OpusPacketizer(hdr, packets, tail, -1, -1);
            audioSr = new SenderReportGenerator(audioSsrc, OpusPacketizer.CLOCK_RATE, InstantSource.system());
        }
        deliveringCache = true;
        try {
            subscription = hub.subscribe(stream, this, io.sluice.core.events.SessionInfo.of("whep", remote));
        } catch (StreamHubException e) {
            close("subscribe failed: " + e.getMessage());
        } finally {
            deliveringCache = false;
        }
        if (cachedAudioSkipped > 0) {
            log.debug("session {}: skipped {} audio frames of the GOP cache; audio starts live", id, cachedAudioSkipped);
        }
    }

    private static RtpHeaderWriter header(NegotiatedMedia m, int ssrc) {
        RtpHeaderWriter hdr = new RtpHeaderWriter(ssrc, m.codec().payloadType());
        Integer midId = m.extensionIds().get(ExtMap.MID);
        if (midId != null) {
            hdr.mid(midId, m.mid());
        }
        return hdr;
    }

    // ------------------------------------------------------------------ hub callbacks (publisher's thread)

    @Override
    public void onPublish(String streamName, List<TrackInfo> tracks) {
        loop.execute(() -> {
            if (publications++ > 0) {
                rebase = true;
                waitingForKeyframe = true;
            }
            useAudioRelayFor(tracks);
        });
    }

    /** On the loop: joins the shared transcoding when this publication's audio is not Opus. */
    private void useAudioRelayFor(List<TrackInfo> tracks) {
        releaseAudioRelay();
        if (closed || opus == null) {
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
        audioRelay = server.acquireAudioRelay(stream, audio, this);
    }

    private void releaseAudioRelay() {
        if (audioRelay != null) {
            server.releaseAudioRelay(audioRelay, this);
            audioRelay = null;
        }
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
            if (deliveringCache && loop.inEventLoop()) {
                cachedAudioSkipped++;
                frame.release();
                return;
            }
            if (frame.codec() != Codec.OPUS) {
                frame.release(); // the shared relay transcodes it (onTranscodedAudio)
                return;
            }
        }
        enqueue(frame);
    }

    /**
     * One Opus frame from the stream's shared {@link AudioTranscodeRelay}, on its thread.
     *
     * @param frame ownership passes here: released here or after sending on the loop
     */
    @Override
    public void onTranscodedAudio(EncodedFrame frame) {
        enqueue(frame);
    }

    /** @param frame ownership passes here */
    private void enqueue(EncodedFrame frame) {
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
                    send(frame);
                } finally {
                    frame.release();
                }
            });
        } catch (RuntimeException e) { // loop shut down
            queued.decrementAndGet();
            frame.release();
        }
    }

    @Override
    public void onUnpublish(String streamName) {
    }

    @Override
    public void onClosed(String streamName) {
        loop.execute(() -> close("hub closed the subscription"));
    }

    // ------------------------------------------------------------------ media (loop)

    private void send(EncodedFrame frame) {
        if (closed) {
            return;
        }
        TrackInfo t = frame.track();
        long pts = frame.ptsUs();
        if (rebase) {
            rebase = false;
            ptsOffsetUs = lastPtsOutUs == Long.MIN_VALUE ? 0 : lastPtsOutUs + 33_333 - pts;
        }
        if (t.isVideo()) {
            if (h264 == null || t.codec() != Codec.H264) {
                return;
            }
            if (dropUntilKeyframe) {
                dropUntilKeyframe = false;
                waitingForKeyframe = true;
                requestKeyframe();
            }
            if (waitingForKeyframe) {
                if (!frame.isKeyframe()) {
                    return;
                }
                waitingForKeyframe = false;
            }
            sendVideo(frame, pts + ptsOffsetUs);
        } else if (t.isAudio() && opus != null && t.codec() == Codec.OPUS) {
            sendAudio(frame, pts + ptsOffsetUs);
        }
    }

    /**
     * Packetizes and sends one access unit, keeping each packet in the NACK history.
     *
     * @param frame borrowed: the caller releases it
     * @param ptsUs its presentation time after rebasing, µs (90 kHz RTP timestamp from it)
     */
    private void sendVideo(EncodedFrame frame, long ptsUs) {
        EncodedFrame f = ptsUs == frame.ptsUs() ? frame
                : new EncodedFrame(frame.track(), frame.content().retainedDuplicate(), ptsUs, frame.isKeyframe());
        try {
            scratch.clear();
            h264.packetize(f, scratch);
        } catch (RuntimeException e) {
            releaseScratch();
            log.debug("session {}: cannot packetize video frame: {}", id, e.toString());
            return;
        } finally {
            if (f != frame) {
                f.release();
            }
        }
        long nowUs = nowMicros();
        long rtpTs = h264.rtpTimestamp(ptsUs);
        for (ByteBuf pk : scratch) {
            stampExtensions(pk, twccId, absSendTimeId, nowUs);
            history.put(pk, nowUs);
            videoSr.onPacketSent(rtpTs, view.payloadLength());
            sendRtp(pk);
        }
        scratch.clear();
        framesSent++;
        if (frame.isKeyframe() && timeline.mark(SessionTimeline.Step.FIRST_KEYFRAME, System.nanoTime())) {
            log.debug("session {} ({} {}) setup: {}", id, endpoint, stream, timeline);
        }
        lastPtsOutUs = Math.max(lastPtsOutUs, ptsUs);
        flush();
    }

    /**
     * Sends one Opus frame as one RTP packet (RFC 7587).
     *
     * @param frame borrowed: the caller releases it
     * @param ptsUs its presentation time after rebasing, µs (48 kHz RTP timestamp from it)
     */
    private void sendAudio(EncodedFrame frame, long ptsUs) {
        EncodedFrame f = ptsUs == frame.ptsUs() ? frame
                : new EncodedFrame(frame.track(), frame.content().retainedDuplicate(), ptsUs, true);
        ByteBuf pk;
        try {
            pk = opus.packetize(f);
        } finally {
            if (f != frame) {
                f.release();
            }
        }
        stampExtensions(pk, audioTwccId, -1, nowMicros());
        audioSr.onPacketSent(opus.rtpTimestamp(ptsUs), view.payloadLength());
        sendRtp(pk);
        lastPtsOutUs = Math.max(lastPtsOutUs, ptsUs);
        flush();
    }

    /**
     * Writes the transport-wide sequence number and abs-send-time into a packet's reserved extensions.
     *
     * @param pk    borrowed (the caller still owns it); modified in place
     * @param nowUs monotonic send time, µs
     */
    private void stampExtensions(ByteBuf pk, int twcc, int abs, long nowUs) {
        if (!view.wrap(pk)) {
            return;
        }
        if (twcc > 0) {
            view.setTransportSequenceNumber(twcc, twccSeq++ & 0xFFFF);
        }
        if (abs > 0) {
            view.setAbsSendTime(abs, RtpPacket.absSendTimeFromMicros(nowUs));
        }
    }

    /** Releases the packets {@link #scratch} owns (a frame that failed half-way). */
    private void releaseScratch() {
        for (ByteBuf b : scratch) {
            b.release();
        }
        scratch.clear();
    }

    // ------------------------------------------------------------------ RTCP in

    @Override
    void onRtp(ByteBuf packet) {
        packet.release(); // a WHEP viewer sends no media
    }

    @Override
    void onRtcp(RtcpPacket p, long arrivalNtpMiddle32) {
        if (p instanceof GenericNack nack) {
            if (history != null && nack.mediaSsrc() == videoSsrc) {
                retransmit(nack.lostSequenceNumbers());
            }
        } else if (p instanceof Pli pli) {
            if (pli.mediaSsrc() == videoSsrc) {
                keyframeRequests++;
                requestKeyframe();
            }
        } else if (p instanceof Fir) {
            keyframeRequests++;
            requestKeyframe();
        } else if (p instanceof Remb remb) {
            rembBps = remb.bitrateBps();
        } else if (p instanceof TransportWideCc twcc) {
            twccFeedbacks++;
            for (int s : twcc.symbols()) {
                if (s == TransportWideCc.NOT_RECEIVED) {
                    twccLost++;
                } else {
                    twccAcked++;
                }
            }
        } else if (p instanceof ReceiverReport rr) {
            reportBlocks(rr.reports(), arrivalNtpMiddle32);
        } else if (p instanceof SenderReport sr) {
            reportBlocks(sr.reports(), arrivalNtpMiddle32);
        }
    }

    private void reportBlocks(List<ReportBlock> blocks, long arrivalNtpMiddle32) {
        for (ReportBlock b : blocks) {
            long rtt = b.rttMicros(arrivalNtpMiddle32);
            if (rtt >= 0) {
                rttMicros = rtt;
            }
            if (b.ssrc() == videoSsrc) {
                fractionLost = b.fractionLostRatio();
                jitterMicros = b.jitterMicros(H264Packetizer.CLOCK_RATE);
            }
        }
    }

    private void retransmit(List<Integer> seqs) {
        long nowUs = nowMicros();
        for (int seq : seqs) {
            nacksReceived++;
            ByteBuf original = history.get(seq, nowUs);
            if (original == null) {
                continue;
            }
            ByteBuf out;
            try {
                if (rtx != null) {
                    out = rtx.wrap(original);
                } else {
                    out = packets.buffer(original.readableBytes() + rtpTailRoom());
                    out.writeBytes(original, original.readerIndex(), original.readableBytes());
                }
            } finally {
                original.release();
            }
            if (out == null) {
                continue;
            }
            stampExtensions(out, twccId, absSendTimeId, nowUs);
            retransmissions++;
            sendRtp(out);
        }
        flush();
    }

    private void requestKeyframe() {
        long now = System.nanoTime();
        if (now - lastKeyframeRequestNanos >= KEYFRAME_REQUEST_INTERVAL_NANOS) {
            lastKeyframeRequestNanos = now;
            keyframeRequestPending = false;
            if (subscription != null) {
                subscription.requestKeyframe();
            }
        } else {
            keyframeRequestPending = true;
        }
    }

    @Override
    void onTick(long nowNanos) {
        if (keyframeRequestPending && nowNanos - lastKeyframeRequestNanos >= KEYFRAME_REQUEST_INTERVAL_NANOS) {
            requestKeyframe();
        }
    }

    @Override
    void sendReports(long nowNanos) {
        List<RtcpPacket> compound = new ArrayList<>(3);
        if (videoSr != null && videoSr.hasSent()) {
            compound.add(videoSr.generate(List.of()));
        }
        if (audioSr != null && audioSr.hasSent()) {
            compound.add(audioSr.generate(List.of()));
        }
        if (compound.isEmpty()) {
            return;
        }
        List<Sdes.Chunk> chunks = new ArrayList<>(2);
        if (videoSr != null && videoSr.hasSent()) {
            chunks.add(new Sdes.Chunk(videoSsrc, CNAME));
        }
        if (audioSr != null && audioSr.hasSent()) {
            chunks.add(new Sdes.Chunk(audioSsrc, CNAME));
        }
        compound.add(new Sdes(chunks));
        sendRtcp(compound);
    }

    @Override
    void closeMedia() {
        if (subscription != null) {
            subscription.close();
            subscription = null;
        }
        if (history != null) {
            history.close();
        }
        releaseAudioRelay();
    }

    @Override
    WebRtcSessionStats stats() {
        return new WebRtcSessionStats(id, stream, endpoint, connected, rtpPacketsSent, rtpBytesSent,
                rtpPacketsReceived, nacksReceived, retransmissions, keyframeRequests, 0, srtpDropped, rttMicros,
                fractionLost, jitterMicros, rembBps, twccFeedbacks, twccAcked, twccLost, framesSent);
    }
}
