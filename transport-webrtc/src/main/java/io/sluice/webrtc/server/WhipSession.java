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
import io.sluice.core.spi.RenditionLadder;
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
import io.sluice.webrtc.sdp.Rid;
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
 *
 * <p><b>Simulcast</b> (a video m-section answered with {@code a=simulcast:recv}, RFC 8853): each layer is its own
 * receive stream in the engine (jitter buffer, NACK, PLI to its SSRC; packets matched by the RFC 8852 rid header
 * extension, then by the SSRC it named) and its own hub publication, without transcoding. The largest layer is
 * published under the WHIP stream name itself and the others as {@code <stream>~<rid>}. Which layer is largest comes
 * from the offer's {@code max-width}/{@code max-height} (or else {@code max-br}) restrictions when every layer has
 * them; otherwise from the layers' SPS: names are given once every layer has sent a keyframe with SPS, or
 * {@value #LAYER_WAIT_MS} ms after the first did (a sender ramps layers up with its bandwidth estimate, top layer last).
 * A layer that comes later and is larger than the stream's takes the stream's name: the former top layer's publication
 * ends and it publishes again as {@code <stream>~<rid>} (viewers of the stream see it end and start again, once, at
 * the larger size). Audio goes with every layer's publication (each is a complete
 * stream a viewer can play alone), each placed against that layer's video. {@link #simulcastRungs()} lists them.
 */
final class WhipSession extends RtcSession {
    private static final Logger log = LoggerFactory.getLogger(WhipSession.class);
    static final int VIDEO_TRACK_ID = 0;
    static final int AUDIO_TRACK_ID = 1;
    /** OpusHead for 48 kHz stereo, no pre-skip (RFC 7845 §5.1). */
    static final byte[] OPUS_HEAD = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd', 1, 2, 0, 0, (byte) 0x80, (byte) 0xBB, 0, 0,
            0, 0, 0};
    /** How long simulcast naming waits for the other layers after the first one's first keyframe, ms. */
    static final long LAYER_WAIT_MS = 3000;

    private final StreamHub hub;
    private final NegotiatedMedia videoMedia;
    private final NegotiatedMedia audioMedia;
    private final TrackInfo placeholder = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).resolution(16, 16).build();
    private final long startUs = ticker.nanoTime() / 1000;
    private final TrackInfo audioTrack;
    /** One per hub publication: the one video stream, or each simulcast layer in the offer's order. */
    private final List<Output> outputs = new ArrayList<>();
    /** Whether the simulcast layers' stream names are known (always, without simulcast). */
    private boolean named;
    /** When the first simulcast layer had its SPS, µs (MIN_VALUE: not yet). */
    private long firstLayerReadyUs = Long.MIN_VALUE;
    private JitterBuffer audioBuffer;

    WhipSession(WebRtcServer server, String id, String stream, NegotiatedSession negotiated, IceLiteAgent ice,
                DtlsContext dtlsContext, Channel udp, Duration setupTimeout, StreamHub hub) {
        super(server, id, stream, WebRtcEndpoint.WHIP, negotiated, ice, dtlsContext, udp, setupTimeout);
        this.hub = hub;
        this.videoMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.VIDEO).findFirst().orElse(null);
        this.audioMedia = negotiated.media().stream().filter(m -> m.kind() == MediaKind.AUDIO).findFirst().orElse(null);
        this.audioTrack = audioMedia == null ? null : TrackInfo.builder(AUDIO_TRACK_ID, Codec.OPUS).audio(48_000, 2)
                .codecConfig(OPUS_HEAD).opaque(audioMedia.sframe()).build();
        if (videoMedia != null && videoMedia.simulcast()) {
            for (Rid r : videoMedia.simulcastLayers()) {
                outputs.add(new Output(r));
            }
            named = nameByRestrictions();
        } else {
            outputs.add(new Output(null));
            outputs.get(0).streamName = stream;
            named = true;
        }
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
            for (Output o : outputs) {
                JitterBuffer.Builder b = videoMedia.sframe()
                        // The negotiator accepts a=sframe video only with frame marking.
                        ? JitterBuffer.builder(placeholder, new SframeDepacketizer(90_000))
                        .frameMarkingExtension(videoMedia.extensionIds().get(ExtMap.FRAME_MARKING))
                        : JitterBuffer.builder(placeholder, new H264Depacketizer());
                o.videoBuffer = b.allocator(alloc).build();
                ReceiveStream.Builder rs = ReceiveStream.builder(MediaKind.VIDEO, videoMedia.codec().payloadType(),
                        90_000, o.videoBuffer).rtxPayloadType(videoMedia.rtxPayloadType()).nack(true);
                if (o.rid != null) {
                    rs.rid(o.rid);
                }
                engine.receive(rs.build());
            }
            if (videoMedia.simulcast()) { // the negotiator answers simulcast only with the rid extension
                engine.rtpStreamIdExtensions(videoMedia.extensionIds().get(ExtMap.RTP_STREAM_ID),
                        videoMedia.extensionIds().getOrDefault(ExtMap.REPAIRED_RTP_STREAM_ID, -1));
            }
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
        requestKeyframe(null, "session connected");
    }

    /**
     * Asks the publisher for a keyframe (PLI through the engine's throttle). On the loop.
     *
     * @param rid the simulcast layer, or null for every video stream
     */
    private void requestKeyframe(String rid, String reason) {
        if (engine != null && !closed) {
            if (rid == null) {
                engine.requestKeyframe(ticker.nanoTime(), reason);
            } else {
                engine.requestKeyframe(ticker.nanoTime(), rid, reason);
            }
            pumpEngine();
        }
    }

    @Override
    void onEvent(SessionEvent event) {
        if (event instanceof SessionEvent.FrameReceived r) {
            long nowUs = ticker.nanoTime() / 1000;
            if (r.kind() == MediaKind.VIDEO) {
                Output o = output(r.rid());
                if (o == null) {
                    r.frame().release();
                } else {
                    o.onVideoFrame(r.frame(), nowUs);
                }
            } else {
                try {
                    for (Output o : outputs) {
                        o.onAudioFrame(r.frame().retain(), nowUs);
                    }
                } finally {
                    r.frame().release();
                }
            }
        }
    }

    private Output output(String rid) {
        for (Output o : outputs) {
            if (java.util.Objects.equals(o.rid, rid)) {
                return o;
            }
        }
        return null;
    }

    /**
     * Names the layers from the offer when every one has max-width and max-height, or else every one max-br
     * (RFC 8851 §5): the largest is the WHIP stream itself.
     *
     * @return whether named
     */
    private boolean nameByRestrictions() {
        for (String[] keys : new String[][] {{"max-width", "max-height"}, {"max-br"}}) {
            Output top = null;
            long best = -1;
            boolean all = true;
            for (Output o : outputs) {
                long size = 1;
                for (String k : keys) {
                    java.util.OptionalLong v = o.declared.restriction(k);
                    size = v.isPresent() ? size * v.getAsLong() : -1;
                    if (size < 0) {
                        break;
                    }
                }
                all &= size >= 0;
                if (size > best) {
                    best = size;
                    top = o;
                }
            }
            if (all && top != null) {
                nameLayers(top);
                return true;
            }
        }
        return false;
    }

    private void nameLayers(Output top) {
        for (Output o : outputs) {
            o.streamName = o == top ? stream : stream + "~" + o.rid;
        }
        log.debug("session {}: simulcast layers {} published as {}", id, outputs.stream().map(o -> o.rid).toList(),
                outputs.stream().map(o -> o.streamName).toList());
    }

    /**
     * Names the layers from their SPS (see the class doc) once every layer has one, or {@link #LAYER_WAIT_MS} after
     * the first had; a layer without SPS then is named {@code <stream>~<rid>}.
     */
    private void maybeNameBySps(long nowUs) {
        if (named || firstLayerReadyUs == Long.MIN_VALUE) {
            return;
        }
        boolean all = outputs.stream().allMatch(o -> o.videoTrack != null);
        if (!all && nowUs - firstLayerReadyUs < LAYER_WAIT_MS * 1000) {
            return;
        }
        Output top = null;
        for (Output o : outputs) {
            if (o.videoTrack != null && (top == null
                    || (long) o.videoTrack.width() * o.videoTrack.height() > (long) top.videoTrack.width() * top.videoTrack.height())) {
                top = o;
            }
        }
        named = true;
        nameLayers(top);
    }

    /**
     * A layer whose first SPS came after the names were given, larger than the layer published as the WHIP stream
     * itself, takes that name (a sender ramping up with its bandwidth estimate starts its top layer last): the
     * former top's publication ends and it publishes again as {@code <stream>~<rid>} at its next keyframe; this
     * layer publishes as the stream at its keyframe (the frame in hand). Viewers of the stream see it end and start
     * again, once, at the larger size.
     */
    private void promoteIfLarger(Output layer) {
        Output top = null;
        for (Output o : outputs) {
            if (stream.equals(o.streamName)) {
                top = o;
            }
        }
        long size = (long) layer.width * layer.height;
        if (top == null || top == layer || top.videoTrack == null || size <= (long) top.width * top.height) {
            return;
        }
        log.info("session {}: simulcast layer {} ({}x{}) is larger than {} ({}x{}): it becomes {}; {} becomes {}~{}",
                id, layer.rid, layer.width, layer.height, top.rid, top.width, top.height, stream, top.rid, stream,
                top.rid);
        layer.unpublish();
        top.unpublish();
        layer.streamName = top.streamName;
        top.streamName = stream + "~" + top.rid;
        requestKeyframe(top.rid, "simulcast layer renamed");
    }

    /**
     * The simulcast layers published so far as rungs, largest first: the hub stream, resolution from the SPS, bit
     * rate measured over the layer's video frames since its first (after a second of them; before that the offer's
     * max-br, else 0), passthrough. Empty without simulcast. Any thread.
     */
    List<RenditionLadder.Rung> simulcastRungs() {
        if (videoMedia == null || !videoMedia.simulcast()) {
            return List.of();
        }
        List<RenditionLadder.Rung> rungs = new ArrayList<>();
        for (Output o : outputs) {
            String name = o.publishedName;
            if (name != null) {
                rungs.add(new RenditionLadder.Rung(name, o.width, o.height, o.bitrateBps(), true));
            }
        }
        rungs.sort(java.util.Comparator.comparingLong((RenditionLadder.Rung r) -> (long) r.width() * r.height())
                .thenComparingLong(RenditionLadder.Rung::bitrateBps).reversed());
        return rungs;
    }

    /** Largest lip-sync correction believed, µs: a larger one means the sender's SR clocks disagree. */
    private static final long MAX_SYNC_CORRECTION_US = 5_000_000;
    /** Corrections smaller than this are not worth a jump in a track's PTS, µs. */
    private static final long MIN_SYNC_CORRECTION_US = 5_000;
    /** Audio held before the first video keyframe: at most 3 s of 20 ms Opus frames. */
    private static final int MAX_AUDIO_PREROLL = 150;

    /** An audio frame (owned) that arrived before the publication existed, and its arrival time, µs. */
    private record HeldAudio(EncodedFrame frame, long nowUs) {
    }

    /**
     * One hub publication: the session's video stream (or one simulcast layer of it) with the session's audio.
     * On the loop, except the volatile fields {@link #simulcastRungs} reads.
     */
    private final class Output {
        /** The simulcast layer's rid and its offered a=rid line, or null. */
        final String rid;
        final Rid declared;
        JitterBuffer videoBuffer;
        /** The hub stream name once known. */
        String streamName;
        /** The hub stream name once published. */
        volatile String publishedName;
        volatile int width;
        volatile int height;
        private volatile long videoBytes;
        private volatile long firstVideoUs = Long.MIN_VALUE;
        private volatile long lastVideoUs;

        private byte[] sps;
        private byte[] pps;
        private StreamHub.Publication publication;
        private TrackInfo videoTrack;
        private long videoOffsetUs = Long.MIN_VALUE;
        /** Jitter-buffer PTS of the last video and audio frames published, µs (for {@link #syncOnce}). */
        private long lastVideoRawUs;
        private long lastAudioRawUs;
        /** Whether {@link #syncOnce} has placed the tracks by RTCP SR (or given up). */
        private boolean synced;
        private long lastVideoPtsUs = Long.MIN_VALUE;
        private long audioOffsetUs = Long.MIN_VALUE;
        private long framesPublished;
        private final java.util.ArrayDeque<HeldAudio> audioPreroll = new java.util.ArrayDeque<>();

        Output(Rid declared) {
            this.declared = declared;
            this.rid = declared == null ? null : declared.id();
        }

        long bitrateBps() {
            long first = firstVideoUs;
            long span = lastVideoUs - first;
            if (first != Long.MIN_VALUE && span >= 1_000_000) {
                return videoBytes * 8 * 1_000_000 / span;
            }
            return declared == null ? 0 : declared.restriction("max-br").orElse(0);
        }

        /** @param f ownership passes here */
        void onVideoFrame(EncodedFrame f, long nowUs) {
            try {
                if (videoTrack == null && videoMedia.sframe()) {
                    if (!f.isKeyframe()) {
                        requestKeyframe(rid, "waiting for the first SFrame keyframe");
                        return;
                    }
                    videoTrack = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264).opaque(true)
                            .description("WHIP " + id + " SFrame").build();
                    publish();
                }
                if (videoTrack == null) {
                    findParameterSets(f.content());
                    if (!f.isKeyframe() || sps == null || pps == null) {
                        requestKeyframe(rid, "waiting for a keyframe with SPS and PPS");
                        return;
                    }
                    Sps parsed;
                    try {
                        parsed = Sps.parse(sps);
                    } catch (MediaProtocolException e) {
                        log.debug("session {}: unusable SPS from the publisher ({}); asking for another keyframe", id,
                                e.getMessage());
                        sps = null;
                        requestKeyframe(rid, "unusable SPS");
                        return;
                    }
                    videoTrack = TrackInfo.builder(VIDEO_TRACK_ID, Codec.H264)
                            .resolution(parsed.width(), parsed.height())
                            .hasBFrames(parsed.hasReordering()) // else learned below from RTP timestamps going back
                            .codecConfig(new AvcDecoderConfigurationRecord(List.of(sps), List.of(pps), 4).toBytes())
                            .description("WHIP " + id + (rid == null ? "" : " rid " + rid)).build();
                    width = parsed.width();
                    height = parsed.height();
                    if (firstLayerReadyUs == Long.MIN_VALUE) {
                        firstLayerReadyUs = nowUs;
                    }
                    if (named && rid != null) {
                        promoteIfLarger(this);
                    }
                }
                maybeNameBySps(nowUs);
                if (publication == null) {
                    if (streamName == null) {
                        return; // a simulcast layer waiting for its name; it asks for a keyframe once named
                    }
                    if (!f.isKeyframe()) {
                        requestKeyframe(rid, "simulcast layer named, waiting for its keyframe");
                        return;
                    }
                    publish();
                    if (publication == null) {
                        return;
                    }
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
                if (firstVideoUs == Long.MIN_VALUE) {
                    firstVideoUs = nowUs;
                } else {
                    videoBytes += f.content().readableBytes(); // bytes after the first frame, over the time since it
                }
                lastVideoUs = nowUs;
                publication.send(new EncodedFrame(videoTrack, f.content().retain(), pts, pts, f.isKeyframe(), nowUs * 1000));
            } finally {
                f.release();
            }
        }

        /** @param f ownership passes here */
        void onAudioFrame(EncodedFrame f, long nowUs) {
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

        /**
         * Lip sync, once. Each track's media time starts at the arrival of its first published frame, which puts the
         * video late by whatever delayed its first keyframe (a paced sender spreads a keyframe over hundreds of ms).
         * As soon as both tracks have an RTCP SR (RFC 3550 §6.4.1: the sender's capture clock), the two tracks are
         * placed against each other by capture time, once: the track that is early moves forward (a gap in its PTS,
         * never a step back, so every consumer keeps monotonic timestamps). Corrections under
         * {@value #MIN_SYNC_CORRECTION_US} µs are skipped, and over {@value #MAX_SYNC_CORRECTION_US} µs distrusted.
         * A simulcast layer's video is placed by its own SSRC's SRs.
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
            long videoCapture = rid == null ? engine.senderCaptureTimeUs(MediaKind.VIDEO, videoRaw)
                    : engine.senderCaptureTimeUs(rid, videoRaw);
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
        }

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
            String name = streamName != null ? streamName : stream;
            try {
                publication = hub.publish(name, tracks, (trackId, reason) -> loop.execute(
                        () -> requestKeyframe(rid, "hub subscriber: " + reason)), io.sluice.core.events.SessionInfo.of("whip", remote));
                publishedName = name;
                log.debug("session {}: publishing {} with {}", id, name, tracks);
            } catch (StreamHubException e) {
                close("publish failed: " + e.getMessage());
            }
        }

        /**
         * Ends the publication, if any, and forgets its timeline, so that the layer can publish again (under another
         * name) at its next keyframe.
         */
        void unpublish() {
            if (publication != null) {
                publication.close();
                publication = null;
            }
            publishedName = null;
            videoOffsetUs = Long.MIN_VALUE;
            audioOffsetUs = Long.MIN_VALUE;
            lastVideoPtsUs = Long.MIN_VALUE;
            synced = false;
            firstVideoUs = Long.MIN_VALUE;
            videoBytes = 0;
        }

        /** Releases held audio and ends the publication. */
        void release() {
            HeldAudio held;
            while ((held = audioPreroll.pollFirst()) != null) {
                held.frame().release();
            }
            if (publication != null) {
                publication.close();
                publication = null;
            }
            if (log.isDebugEnabled()) {
                log.debug("session {}: {} published {} frames; video {}", id, publishedName, framesPublished,
                        describe(videoBuffer));
            }
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
        for (Output o : outputs) {
            o.release();
        }
        if (log.isDebugEnabled()) {
            log.debug("session {}: audio {}", id, describe(audioBuffer));
        }
    }

    @Override
    WebRtcSessionStats stats() {
        RtpSessionStats e = engineStats();
        long framesPublished = 0;
        for (Output o : outputs) {
            framesPublished += o.framesPublished;
        }
        return new WebRtcSessionStats(id, stream, endpoint, connected, rtpPacketsSent, rtpBytesSent,
                rtpPacketsReceived, 0, 0, e.keyframeRequests(), e.nacksSent(), srtpDropped, e.rttUs(), e.fractionLost(),
                e.jitterUs(), 0, 0, 0, 0, framesPublished, e.twccFeedbacksSent(), 0, 0, 0, 0, stream, 0);
    }
}
