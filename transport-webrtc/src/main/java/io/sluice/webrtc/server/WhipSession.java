package io.sluice.webrtc.server;

import io.netty.buffer.ByteBuf;
import io.sluice.core.MediaProtocolException;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.Avcc;
import io.sluice.core.h264.NalUnitType;
import io.sluice.core.h264.Sps;
import io.netty.channel.Channel;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamHubException;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.ice.IceLiteAgent;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.rtp.OpusDepacketizer;
import io.sluice.webrtc.rtp.SframeDepacketizer;
import io.sluice.webrtc.sdp.ExtMap;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedMedia;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.session.ReceiveStream;
import io.sluice.webrtc.session.RtpSession;
import io.sluice.webrtc.session.RtpSessionStats;
import io.sluice.webrtc.session.SessionEvent;
import io.sluice.webrtc.session.TwccFeedbackGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WHIP session: glue between the session's {@link RtpSession} and a hub publication. The engine
 * receives the publisher's RTP, reorders and reassembles H.264 and Opus in {@link JitterBuffer}s, sends
 * a generic NACK for each video sequence gap (once), a receiver report every second, transport-wide CC
 * feedback every 50 ms when the offer asked for it ({@link TwccFeedbackGenerator}), and a PLI (through
 * its keyframe-request throttle) when a jitter buffer, this session or a hub subscriber needs a
 * keyframe. This class publishes the frames into the hub once the first keyframe with in-band SPS/PPS
 * arrived (the {@code AVCDecoderConfigurationRecord} is built from them).
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
    /** OpusHead for 48 kHz stereo, no pre-skip (RFC 7845 §5.1). */
    static final byte[] OPUS_HEAD = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, (byte) 0x80, (byte) 0xBB, 0, 0,
            0, 0, 0};

    private final StreamHub hub;
    private final NegotiatedMedia videoMedia;
    private final NegotiatedMedia audioMedia;
    private final TrackInfo placeholder = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).resolution(16, 16).build();
    private final long startUs = ticker.nanoTime() / 1000;
    private JitterBuffer videoBuffer;
    private JitterBuffer audioBuffer;

    private byte[] sps;
    private byte[] pps;
    private StreamHub.Publication publication;
    private TrackInfo videoTrack;
    private TrackInfo audioTrack;
    private long videoOffsetUs = Long.MIN_VALUE;
    /** Jitter-buffer PTS of the last video and audio frames published, µs (for {@link #syncOnce}). */
    private long lastVideoRawUs;
    private long lastAudioRawUs;
    /** Whether {@link #syncOnce} has placed the tracks by RTCP SR (or given up). */
    private boolean synced;
    /** The lip-sync correction applied, µs (audio later if positive, video later if negative); 0 if none. */
    private volatile long syncCorrectionUs;
    private long lastVideoPtsUs = Long.MIN_VALUE;
    private long audioOffsetUs = Long.MIN_VALUE;

    private volatile long framesPublished;

    WhipSession(WebRtcServer server, String id, String stream, NegotiatedSession negotiated, IceLiteAgent ice,
                DtlsContext dtlsContext, Channel udp, Duration setupTimeout, StreamHub hub) {
        super(server, id, stream, WebRtcEndpoint.WHIP, negotiated, ice, dtlsContext, udp, setupTimeout);
        this.hub = hub;
        this.videoMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElse(null);
        this.audioMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.AUDIO).findFirst().orElse(null);
        this.audioTrack = audioMedia == null ? null : TrackInfo.builder(AUDIO_TRACK_ID, Codec.OPUS).audio(48_000, 2)
                .codecConfig(OPUS_HEAD).opaque(audioMedia.sframe()).build();
    }

    /** Receive streams over jitter buffers: H.264 or SFrame video with NACK and RTX, Opus or SFrame audio. */
    @Override
    RtpSession newEngine(long nowNanos) {
        RtpSession.Builder engine = engineBuilder(nowNanos).rtcpSsrc(ThreadLocalRandom.current().nextInt());
        int twccId = transportWideCcExtensionId(negotiated);
        if (twccId > 0) {
            engine.transportWideCcFeedback(twccId, TwccFeedbackGenerator.DEFAULT_INTERVAL);
        }
        if (videoMedia != null) {
            JitterBuffer.Builder b = videoMedia.sframe()
                    // The negotiator accepts a=sframe video only with frame marking.
                    ? JitterBuffer.builder(placeholder, new SframeDepacketizer(90_000))
                    .frameMarkingExtension(videoMedia.extensionIds().get(ExtMap.FRAME_MARKING))
                    : JitterBuffer.builder(placeholder, new H264Depacketizer());
            videoBuffer = b.allocator(alloc).build();
            engine.receive(ReceiveStream.builder(MediaKind.VIDEO, videoMedia.codec().payloadType(), 90_000, videoBuffer)
                    .rtxPayloadType(videoMedia.rtxPayloadType()).nack(true).build());
        }
        if (audioMedia != null) {
            audioBuffer = JitterBuffer.builder(audioTrack, audioMedia.sframe() ? new SframeDepacketizer(48_000)
                    : new OpusDepacketizer()).allocator(alloc).waitForKeyframeAfterLoss(false).build();
            engine.receive(ReceiveStream.builder(MediaKind.AUDIO, audioMedia.codec().payloadType(), 48_000, audioBuffer)
                    .build());
        }
        return engine.build();
    }

    /**
     * The RFC 8285 id of the transport-wide sequence number when an accepted m-section negotiated both it and
     * {@code a=rtcp-fb transport-cc} (with BUNDLE one id serves every m-section, RFC 8843 §9.1), else -1.
     */
    static int transportWideCcExtensionId(NegotiatedSession negotiated) {
        for (NegotiatedMedia m : negotiated.media()) {
            Integer id = m.extensionIds().get(ExtMap.TRANSPORT_WIDE_CC);
            if (id != null && m.rtcpFeedback().contains("transport-cc")) {
                return id;
            }
        }
        return -1;
    }

    @Override
    void onConnected() {
        requestKeyframe("session connected");
    }

    /** Asks the publisher for a keyframe (PLI through the engine's throttle). On the loop. */
    private void requestKeyframe(String reason) {
        if (engine != null && !closed) {
            engine.requestKeyframe(ticker.nanoTime(), reason);
            pumpEngine();
        }
    }

    @Override
    void onEvent(SessionEvent event) {
        if (event instanceof SessionEvent.FrameReceived r) {
            long nowUs = ticker.nanoTime() / 1000;
            if (r.kind() == MediaKind.VIDEO) {
                onVideoFrame(r.frame(), nowUs);
            } else {
                onAudioFrame(r.frame(), nowUs);
            }
        }
    }

    /** @param f ownership passes here */
    private void onVideoFrame(EncodedFrame f, long nowUs) {
        try {
            if (videoTrack == null && videoMedia.sframe()) {
                if (!f.isKeyframe()) {
                    requestKeyframe("waiting for the first SFrame keyframe");
                    return;
                }
                videoTrack = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).opaque(true)
                        .description("WHIP " + id + " SFrame").build();
                publish();
            }
            if (videoTrack == null) {
                findParameterSets(f.content());
                if (!f.isKeyframe() || sps == null || pps == null) {
                    requestKeyframe("waiting for a keyframe with SPS and PPS");
                    return;
                }
                Sps parsed;
                try {
                    parsed = Sps.parse(sps);
                } catch (MediaProtocolException e) {
                    log.debug("session {}: unusable SPS from the publisher ({}); asking for another keyframe", id, e.getMessage());
                    sps = null;
                    requestKeyframe("unusable SPS");
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
                lastVideoRawUs = f.ptsUs();
            }
            flushAudioPreroll(); // after the video offset, so that syncOnce can place the held audio at once
            syncOnce(MediaKind.VIDEO, f.ptsUs());
            lastVideoRawUs = f.ptsUs();
            long pts = f.ptsUs() + videoOffsetUs;
            if (pts < lastVideoPtsUs && !videoTrack.hasBFrames()) {
                // RTP timestamps are presentation times in decode order: one going back means B-frames.
                log.info("session {}: WHIP video is reordered (B-frames)", id);
                videoTrack = videoTrack.toBuilder().hasBFrames(true).build(); // the hub learns it from this frame on
            }
            lastVideoPtsUs = Math.max(lastVideoPtsUs, pts);
            framesPublished++;
            publication.send(new EncodedFrame(videoTrack, f.content().retain(), pts, pts, f.isKeyframe(), nowUs * 1000));
        } finally {
            f.release();
        }
    }

    /** @param f ownership passes here */
    private void onAudioFrame(EncodedFrame f, long nowUs) {
        try {
            if (publication == null) {
                if (videoMedia != null) { // published at the first video keyframe, which a paced sender may
                    audioPreroll.addLast(new HeldAudio(f.retain(), nowUs)); // send a second after the audio: hold it
                    while (audioPreroll.size() > MAX_AUDIO_PREROLL) {
                        audioPreroll.pollFirst().frame().release();
                    }
                    return;
                }
                publish();
                if (publication == null) {
                    return;
                }
            }
            if (audioOffsetUs == Long.MIN_VALUE) {
                audioOffsetUs = (nowUs - startUs) - f.ptsUs();
            }
            syncOnce(MediaKind.AUDIO, f.ptsUs());
            lastAudioRawUs = f.ptsUs();
            long pts = f.ptsUs() + audioOffsetUs;
            framesPublished++;
            publication.send(new EncodedFrame(audioTrack, f.content().retain(), pts, pts, true, nowUs * 1000));
        } finally {
            f.release();
        }
    }

    /** Largest lip-sync correction believed, µs: a larger one means the sender's SR clocks disagree. */
    private static final long MAX_SYNC_CORRECTION_US = 5_000_000;
    /** Corrections smaller than this are not worth a jump in a track's PTS, µs. */
    private static final long MIN_SYNC_CORRECTION_US = 5_000;

    /**
     * Lip sync, once. Each track's media time starts at the arrival of its first published frame, which puts the
     * video late by whatever delayed its first keyframe (a paced sender spreads a keyframe over hundreds of ms).
     * As soon as both tracks have an RTCP SR (RFC 3550 §6.4.1: the sender's capture clock), the two tracks are
     * placed against each other by capture time, once: the track that is early moves forward (a gap in its PTS,
     * never a step back, so every consumer keeps monotonic timestamps). Corrections under
     * {@value #MIN_SYNC_CORRECTION_US} µs are skipped, and over {@value #MAX_SYNC_CORRECTION_US} µs distrusted.
     *
     * @param kind  the track of the frame about to be published
     * @param rawUs that frame's jitter-buffer PTS, µs
     */
    private void syncOnce(MediaKind kind, long rawUs) {
        if (synced || videoOffsetUs == Long.MIN_VALUE || audioOffsetUs == Long.MIN_VALUE || engine == null) {
            return;
        }
        long videoRaw = kind == MediaKind.VIDEO ? rawUs : lastVideoRawUs;
        long audioRaw = kind == MediaKind.AUDIO ? rawUs : lastAudioRawUs;
        long videoCapture = engine.senderCaptureTimeUs(MediaKind.VIDEO, videoRaw);
        long audioCapture = engine.senderCaptureTimeUs(MediaKind.AUDIO, audioRaw);
        if (videoCapture == Long.MIN_VALUE || audioCapture == Long.MIN_VALUE) {
            return; // no SR on one of them yet
        }
        synced = true;
        long delta = (audioCapture - videoCapture) - ((audioRaw + audioOffsetUs) - (videoRaw + videoOffsetUs));
        if (Math.abs(delta) > MAX_SYNC_CORRECTION_US) {
            log.info("session {}: RTCP SRs put audio {} ms from video; not believed, tracks stay placed by arrival", id,
                    delta / 1000);
        } else if (delta >= MIN_SYNC_CORRECTION_US) {
            audioOffsetUs += delta;
            log.debug("session {}: lip sync by RTCP SR: audio moved {} ms later", id, delta / 1000);
        } else if (delta <= -MIN_SYNC_CORRECTION_US) {
            videoOffsetUs -= delta;
            log.debug("session {}: lip sync by RTCP SR: video moved {} ms later", id, -delta / 1000);
        }
        syncCorrectionUs = delta;
    }

    /** Audio held before the first video keyframe: at most 3 s of 20 ms Opus frames. */
    private static final int MAX_AUDIO_PREROLL = 150;
    /** An audio frame (owned) that arrived before the publication existed, and its arrival time, µs. */
    private record HeldAudio(EncodedFrame frame, long nowUs) {
    }

    private final java.util.ArrayDeque<HeldAudio> audioPreroll = new java.util.ArrayDeque<>();

    /** Publishes the held audio, oldest first, once the publication exists. */
    private void flushAudioPreroll() {
        HeldAudio a;
        while ((a = audioPreroll.pollFirst()) != null) {
            onAudioFrame(a.frame(), a.nowUs()); // takes ownership
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
            publication = hub.publish(stream, tracks, (trackId, reason) -> loop.execute(() -> requestKeyframe("hub subscriber: " + reason)),
                    io.sluice.core.events.SessionInfo.of("whip", remote));
            log.debug("session {}: publishing {} with {}", id, stream, tracks);
        } catch (StreamHubException e) {
            close("publish failed: " + e.getMessage());
        }
    }

    private static String describe(JitterBuffer b) {
        return b == null ? "none" : "in " + b.packetsReceived() + " held " + b.bufferedPackets() + " lost "
                + b.packetsLost() + " late " + b.packetsLate() + " out " + b.framesOut() + " dropped "
                + b.framesDropped() + (b.isWaitingForKeyframe() ? " waiting for keyframe" : "");
    }

    /** The jitter buffers are the engine's (closed with it). */
    @Override
    void closeMedia() {
        HeldAudio held;
        while ((held = audioPreroll.pollFirst()) != null) {
            held.frame().release();
        }
        if (publication != null) {
            publication.close();
            publication = null;
        }
        if (log.isDebugEnabled()) {
            log.debug("session {}: published {} frames; video {}; audio {}", id, framesPublished, describe(videoBuffer),
                    describe(audioBuffer));
        }
    }

    @Override
    WebRtcSessionStats stats() {
        RtpSessionStats e = engineStats();
        return new WebRtcSessionStats(id, stream, endpoint, connected, rtpPacketsSent, rtpBytesSent,
                rtpPacketsReceived, 0, 0, e.keyframeRequests(), e.nacksSent(), srtpDropped, e.rttUs(), e.fractionLost(),
                e.jitterUs(), 0, 0, 0, 0, framesPublished, e.twccFeedbacksSent(), 0, 0, 0, 0, stream, 0);
    }
}
