package io.sluice.webrtc.server;

import io.sluice.core.MediaProtocolException;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.Avcc;
import io.sluice.core.h264.NalUnitType;
import io.sluice.core.h264.Sps;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamHubException;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.NtpTime;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.ReceiverReport;
import io.sluice.webrtc.rtcp.ReportBlock;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.SenderReport;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.rtp.OpusDepacketizer;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.rtp.RtxPacketizer;
import io.sluice.webrtc.rtp.SframeDepacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.rtp.SequenceUnwrapper;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WHIP session: receives SRTP from a publisher, reorders and reassembles H.264 and Opus in
 * {@link JitterBuffer}s and publishes the frames into the hub once the first keyframe with in-band
 * SPS/PPS arrived (the {@code AVCDecoderConfigurationRecord} is built from them). Sends PLI when a
 * jitter buffer or a hub subscriber needs a keyframe (at most every 500 ms), a generic NACK for each
 * sequence gap (once), and a receiver report every second.
 *
 * <p><b>SFrame</b> (an m-section negotiated with {@code a=sframe}, draft-ietf-avtcore-rtp-sframe-02): the
 * payloads are per-frame SFrame ciphertexts this server cannot read. The jitter buffer reassembles them
 * with {@link SframeDepacketizer} (descriptor S/E bits, §5.2) and takes keyframe-ness from the Video Frame
 * Marking I bit (RFC 9626), which the negotiation requires for video. Such tracks are published
 * {@linkplain TrackInfo#isOpaque() opaque}: H.264 without resolution or {@code AVCDecoderConfigurationRecord}
 * (the parameter sets are inside the ciphertext; a keyed subscriber's decryptor rebuilds them), published
 * at the first frame marked independent; Opus with its usual {@code OpusHead}. Malformed runs (missing S
 * or E, T = 1, no descriptor, larger than {@link SframeDepacketizer#DEFAULT_MAX_FRAME_BYTES}) are dropped and
 * counted by the depacketizer and jitter buffer, like any loss, and end nothing but the frame.
 *
 * <p>Timestamps: each track's µs PTS (from its RTP clock) is anchored at the arrival time of its
 * first frame relative to the session start, which keeps audio and video roughly aligned without
 * waiting for sender reports.
 */
final class WhipSession extends RtcSession {
    private static final Logger log = LoggerFactory.getLogger(WhipSession.class);
    static final int VIDEO_TRACK_ID = 0;
    static final int AUDIO_TRACK_ID = 1;
    static final int MAX_NACK_PER_GAP = 64;
    static final long PLI_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** OpusHead for 48 kHz stereo, no pre-skip (RFC 7845 §5.1). */
    static final byte[] OPUS_HEAD = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, (byte) 0x80, (byte) 0xBB, 0, 0,
            0, 0, 0};

    private final StreamHub hub;
    private final NegotiatedMedia videoMedia;
    private final NegotiatedMedia audioMedia;
    private final int rtcpSsrc = ThreadLocalRandom.current().nextInt();
    private final RtpPacket view = new RtpPacket();
    private final JitterBuffer videoBuffer;
    private final JitterBuffer audioBuffer;
    private final Map<Integer, Inbound> inbound = new HashMap<>();
    private final long startUs = nowMicros();

    private int videoSsrc;
    private boolean videoSsrcKnown;
    private byte[] sps;
    private byte[] pps;
    private StreamHub.Publication publication;
    private TrackInfo videoTrack;
    private TrackInfo audioTrack;
    private long videoOffsetUs = Long.MIN_VALUE;
    private long lastVideoPtsUs = Long.MIN_VALUE;
    private long audioOffsetUs = Long.MIN_VALUE;
    private long lastPliNanos = Long.MIN_VALUE / 2;
    private boolean pliPending;

    private volatile long keyframeRequests;
    private volatile long nacksSent;
    private volatile long framesPublished;
    private volatile long jitterMicros = -1;
    private volatile double fractionLost;

    /** Receive statistics of one SSRC (RFC 3550 §6.4.1, A.3). */
    private static final class Inbound {
        final int ssrc;
        final int clockRate;
        final SequenceUnwrapper unwrapper = new SequenceUnwrapper();
        long base = -1;
        long max;
        long received;
        long expectedPrior;
        long receivedPrior;
        long lastSr;
        long lastSrNanos;
        long transit = Long.MIN_VALUE;
        double jitter;

        Inbound(int ssrc, int clockRate) {
            this.ssrc = ssrc;
            this.clockRate = clockRate;
        }
    }

    WhipSession(WebRtcServer server, String id, String stream, NegotiatedSession negotiated, IceLiteAgent ice,
                DtlsContext dtlsContext, Channel udp, Duration setupTimeout, StreamHub hub) {
        super(server, id, stream, WebRtcEndpoint.WHIP, negotiated, ice, dtlsContext, udp, setupTimeout);
        this.hub = hub;
        this.videoMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElse(null);
        this.audioMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.AUDIO).findFirst().orElse(null);
        TrackInfo placeholder = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).resolution(16, 16).build();
        if (videoMedia == null) {
            this.videoBuffer = null;
        } else if (videoMedia.sframe()) {
            // The negotiator accepts a=sframe video only with frame marking.
            this.videoBuffer = JitterBuffer.builder(placeholder, new SframeDepacketizer(90_000)).allocator(alloc)
                    .frameMarkingExtension(videoMedia.extensionIds().get(ExtMap.FRAME_MARKING)).build();
        } else {
            this.videoBuffer = JitterBuffer.builder(placeholder, new H264Depacketizer()).allocator(alloc).build();
        }
        this.audioTrack = audioMedia == null ? null : TrackInfo.builder(AUDIO_TRACK_ID, Codec.OPUS).audio(48_000, 2)
                .codecConfig(OPUS_HEAD).opaque(audioMedia.sframe()).build();
        this.audioBuffer = audioMedia == null ? null
                : JitterBuffer.builder(audioTrack, audioMedia.sframe() ? new SframeDepacketizer(48_000) : new OpusDepacketizer())
                .allocator(alloc).waitForKeyframeAfterLoss(false).build();
    }

    @Override
    void onConnected() {
        sendPli();
    }

    // ------------------------------------------------------------------ RTP in

    @Override
    void onRtp(ByteBuf packet) {
        if (!view.wrap(packet)) {
            packet.release();
            return;
        }
        int pt = view.payloadType();
        long nowUs = nowMicros();
        if (videoMedia != null && pt == videoMedia.codec().payloadType()) {
            if (!videoSsrcKnown) {
                videoSsrc = view.ssrc();
                videoSsrcKnown = true;
            }
            track(view, 90_000, nowUs, true);
            videoBuffer.insert(packet, nowUs);
        } else if (videoMedia != null && pt == videoMedia.rtxPayloadType() && videoSsrcKnown) {
            ByteBuf original = RtxPacketizer.unwrap(packet, videoSsrc, videoMedia.codec().payloadType(), alloc);
            packet.release();
            if (original != null) {
                videoBuffer.insert(original, nowUs);
            }
        } else if (audioMedia != null && pt == audioMedia.codec().payloadType()) {
            track(view, 48_000, nowUs, false);
            audioBuffer.insert(packet, nowUs);
        } else {
            packet.release();
            return;
        }
        drainBuffers(nowUs);
    }

    /** Updates receive statistics; sends a NACK for a sequence gap (video). {@code v} wraps a packet. */
    private void track(RtpPacket v, int clockRate, long nowUs, boolean nack) {
        Inbound in = inbound.computeIfAbsent(v.ssrc(), s -> new Inbound(s, clockRate));
        long seq = in.unwrapper.unwrap(v.sequenceNumber());
        in.received++;
        long arrival = nowUs * clockRate / 1_000_000L;
        long transit = arrival - v.timestamp();
        if (in.transit != Long.MIN_VALUE) {
            long d = Math.abs(transit - in.transit);
            if (d < clockRate) {
                in.jitter += (d - in.jitter) / 16.0;
            }
        }
        in.transit = transit;
        if (in.base < 0) {
            in.base = seq;
            in.max = seq;
            return;
        }
        if (seq > in.max + 1 && nack) {
            List<Integer> lost = new ArrayList<>();
            for (long s = Math.max(in.max + 1, seq - MAX_NACK_PER_GAP); s < seq; s++) {
                lost.add((int) (s & 0xFFFF));
            }
            nacksSent += lost.size();
            sendRtcp(List.of(new GenericNack(rtcpSsrc, in.ssrc, lost)));
        }
        if (seq > in.max) {
            in.max = seq;
        }
    }

    private void drainBuffers(long nowUs) {
        if (videoBuffer != null) {
            EncodedFrame f;
            while ((f = videoBuffer.poll(nowUs)) != null) {
                onVideoFrame(f, nowUs);
            }
            if (videoBuffer.pollKeyframeRequest()) {
                sendPli();
            }
        }
        if (audioBuffer != null) {
            EncodedFrame f;
            while ((f = audioBuffer.poll(nowUs)) != null) {
                onAudioFrame(f, nowUs);
            }
        }
    }

    private void onVideoFrame(EncodedFrame f, long nowUs) {
        try {
            if (videoTrack == null && videoMedia.sframe()) {
                if (!f.isKeyframe()) {
                    sendPli();
                    return;
                }
                videoTrack = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).opaque(true)
                        .description("WHIP " + id + " SFrame").build();
                publish();
            }
            if (videoTrack == null) {
                findParameterSets(f.content());
                if (!f.isKeyframe() || sps == null || pps == null) {
                    sendPli();
                    return;
                }
                Sps parsed;
                try {
                    parsed = Sps.parse(sps);
                } catch (MediaProtocolException e) {
                    log.debug("session {}: unusable SPS from the publisher ({}); asking for another keyframe", id, e.getMessage());
                    sps = null;
                    sendPli();
                    return;
                }
                videoTrack = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264)
                        .resolution(parsed.width(), parsed.height())
                        .hasBFrames(parsed.hasReordering()) // else learned below from RTP timestamps going back
                        .codecConfig(new AvcDecoderConfigurationRecord(List.of(sps), List.of(pps), 4).toBytes())
                        .description("WHIP " + id).build();
                publish();
            }
            if (publication == null) {
                return;
            }
            if (videoOffsetUs == Long.MIN_VALUE) {
                videoOffsetUs = (nowUs - startUs) - f.ptsUs();
            }
            long pts = f.ptsUs() + videoOffsetUs;
            if (pts < lastVideoPtsUs && !videoTrack.hasBFrames()) {
                // RTP timestamps are presentation times in decode order: one going back means B-frames.
                log.info("session {}: WHIP video is reordered (B-frames)", id);
                videoTrack = videoTrack.toBuilder().hasBFrames(true).build(); // the hub learns it from this frame on
            }
            lastVideoPtsUs = Math.max(lastVideoPtsUs, pts);
            framesPublished++;
            publication.send(new EncodedFrame(videoTrack, f.content().retain(), pts, pts, f.isKeyframe(),
                    System.nanoTime()));
        } finally {
            f.release();
        }
    }

    private void onAudioFrame(EncodedFrame f, long nowUs) {
        try {
            if (publication == null) {
                if (videoMedia != null) {
                    return; // published at the first video keyframe
                }
                publish();
                if (publication == null) {
                    return;
                }
            }
            if (audioOffsetUs == Long.MIN_VALUE) {
                audioOffsetUs = (nowUs - startUs) - f.ptsUs();
            }
            long pts = f.ptsUs() + audioOffsetUs;
            framesPublished++;
            publication.send(new EncodedFrame(audioTrack, f.content().retain(), pts, pts, true, System.nanoTime()));
        } finally {
            f.release();
        }
    }

    /** Keeps the first SPS and PPS seen in the publisher's frames. @param avcc borrowed */
    private void findParameterSets(ByteBuf avcc) {
        if (sps == null) {
            sps = Avcc.firstNalUnit(avcc, NalUnitType.SPS);
        }
        if (pps == null) {
            pps = Avcc.firstNalUnit(avcc, NalUnitType.PPS);
        }
    }

    private void publish() {
        List<TrackInfo> tracks = new ArrayList<>(2);
        if (videoTrack != null) {
            tracks.add(videoTrack);
        }
        if (audioTrack != null) {
            tracks.add(audioTrack);
        }
        try {
            publication = hub.publish(stream, tracks, (trackId, reason) -> loop.execute(this::sendPli),
                    io.sluice.core.events.SessionInfo.of("whip", remote));
            log.debug("session {}: publishing {} with {}", id, stream, tracks);
        } catch (StreamHubException e) {
            close("publish failed: " + e.getMessage());
        }
    }

    private void sendPli() {
        if (videoMedia == null || !videoSsrcKnown || !canSend()) {
            pliPending = videoMedia != null;
            return;
        }
        long now = System.nanoTime();
        if (now - lastPliNanos < PLI_INTERVAL_NANOS) {
            pliPending = true;
            return;
        }
        lastPliNanos = now;
        pliPending = false;
        keyframeRequests++;
        sendRtcp(List.of(new Pli(rtcpSsrc, videoSsrc)));
    }

    // ------------------------------------------------------------------ RTCP

    @Override
    void onRtcp(RtcpPacket p, long arrivalNtpMiddle32) {
        if (p instanceof SenderReport sr) {
            Inbound in = inbound.get(sr.ssrc());
            if (in != null) {
                in.lastSr = NtpTime.middle32(sr.ntpTimestamp());
                in.lastSrNanos = System.nanoTime();
            }
        }
    }

    @Override
    void onTick(long nowNanos) {
        drainBuffers(nowMicros());
        if (pliPending) {
            sendPli();
        }
    }

    @Override
    void sendReports(long nowNanos) {
        List<ReportBlock> blocks = new ArrayList<>();
        for (Inbound in : inbound.values()) {
            if (in.base < 0 || blocks.size() >= 31) {
                continue;
            }
            long expected = in.max - in.base + 1;
            long lost = Math.max(0, expected - in.received);
            long expectedInterval = expected - in.expectedPrior;
            long receivedInterval = in.received - in.receivedPrior;
            in.expectedPrior = expected;
            in.receivedPrior = in.received;
            long lostInterval = expectedInterval - receivedInterval;
            int fraction = expectedInterval <= 0 || lostInterval <= 0 ? 0 : (int) ((lostInterval << 8) / expectedInterval);
            long dlsr = in.lastSr == 0 ? 0 : ((nowNanos - in.lastSrNanos) * 65536L / 1_000_000_000L);
            if (in.ssrc == videoSsrc) {
                fractionLost = fraction / 256.0;
                jitterMicros = (long) in.jitter * 1_000_000L / in.clockRate;
            }
            blocks.add(new ReportBlock(in.ssrc, Math.min(255, fraction), (int) Math.min(lost, 0x7FFFFF),
                    in.max & 0xFFFFFFFFL, (long) in.jitter & 0xFFFFFFFFL, in.lastSr, dlsr & 0xFFFFFFFFL));
        }
        sendRtcp(List.of(new ReceiverReport(rtcpSsrc, blocks)));
        if (log.isDebugEnabled()) {
            log.debug("session {}: published {} frames; video {}; audio {}", id, framesPublished, describe(videoBuffer),
                    describe(audioBuffer));
        }
    }

    private static String describe(JitterBuffer b) {
        return b == null ? "none" : "in " + b.packetsReceived() + " held " + b.bufferedPackets() + " lost "
                + b.packetsLost() + " late " + b.packetsLate() + " out " + b.framesOut() + " dropped "
                + b.framesDropped() + (b.isWaitingForKeyframe() ? " waiting for keyframe" : "");
    }

    @Override
    void closeMedia() {
        if (publication != null) {
            publication.close();
            publication = null;
        }
        if (videoBuffer != null) {
            videoBuffer.close();
        }
        if (audioBuffer != null) {
            audioBuffer.close();
        }
    }

    @Override
    WebRtcSessionStats stats() {
        return new WebRtcSessionStats(id, stream, endpoint, connected, rtpPacketsSent, rtpBytesSent,
                rtpPacketsReceived, 0, 0, keyframeRequests, nacksSent, srtpDropped, rttMicros, fractionLost,
                jitterMicros, -1, 0, 0, 0, framesPublished);
    }
}
