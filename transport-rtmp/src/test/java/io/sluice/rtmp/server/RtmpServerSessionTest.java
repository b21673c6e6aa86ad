package io.sluice.rtmp.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.auth.AuthDecision;
import io.sluice.core.auth.AuthRequest;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamProtocol;
import io.sluice.core.auth.TokenAuthorizer;
import io.sluice.core.hub.StreamHub;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.chunk.ChunkDecoder;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.message.Acknowledgement;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.DataMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.SetChunkSize;
import io.sluice.rtmp.message.SetPeerBandwidth;
import io.sluice.rtmp.message.UserControl;
import io.sluice.rtmp.message.WindowAcknowledgementSize;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sans-IO server session, driven message by message without sockets. */
class RtmpServerSessionTest {
    /** AVCDecoderConfigurationRecord of friday_640x480_6s (Main profile, 640x480). */
    static final byte[] AVCC_640X480 = HexFormat.of().parseHex(
            "014d401effe1001b674d401eecc0501ed350101064000003000400000300f23c58b66801000568e97b2c80");
    /** AVCDecoderConfigurationRecord of bbb_rabbit_320x240 (Baseline, 320x240). */
    static final byte[] AVCC_320X240 = HexFormat.of().parseHex(
            "0142e00dff0100132742e00da918283f600d418041adb0ad7bdf0101000428de0988");
    /** AudioSpecificConfig: AAC LC, 44.1 kHz, stereo. */
    static final byte[] ASC_44100_STEREO = {0x12, 0x10};

    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);

    private final StreamHub hub = StreamHub.create();
    private final ConcurrentMap<String, RtmpServerSession> publishers = new ConcurrentHashMap<>();
    private final AtomicInteger wakeups = new AtomicInteger();
    private final List<RtmpServerSession> sessions = new ArrayList<>();

    @AfterEach
    void tearDown() {
        sessions.forEach(RtmpServerSession::close);
        hub.close();
    }

    private RtmpServerSession session(ServerSettings settings) {
        RtmpServerSession s = new RtmpServerSession(settings, hub, PEER, ALLOC, wakeups::incrementAndGet, publishers);
        sessions.add(s);
        return s;
    }

    private RtmpServerSession session() {
        return session(ServerSettings.defaults());
    }

    private static void feed(RtmpServerSession s, RtmpMessage m) {
        try {
            s.handleMessage(m);
        } finally {
            m.release();
        }
    }

    private static void command(RtmpServerSession s, CommandMessage c, int msid) {
        feed(s, RtmpMessages.encode(c, 3, msid, ALLOC));
    }

    /** Everything the session has to send (media too), decoded to typed values or kept as raw messages. */
    private static List<Object> drain(RtmpServerSession s) {
        List<Object> out = new ArrayList<>();
        ByteBufHolder h;
        while ((h = s.pollOutbound(true)) != null) {
            RtmpMessage m = h instanceof PrechunkedMessage p ? dechunk(p) : (RtmpMessage) h;
            try {
                out.add(switch (m.messageTypeId()) {
                    case MessageTypeId.COMMAND_AMF0 -> RtmpMessages.decodeCommand(m);
                    case MessageTypeId.DATA_AMF0 -> RtmpMessages.decodeData(m);
                    case MessageTypeId.VIDEO, MessageTypeId.AUDIO -> new Media(m.messageTypeId(), m.timestamp(),
                            ByteBufUtil.getBytes(m.content()));
                    default -> RtmpMessages.decodeControl(m);
                });
            } finally {
                m.release();
            }
        }
        return out;
    }

    /** Decodes (and releases) shared chunks: they must hold exactly one message on message stream 1. */
    static RtmpMessage dechunk(PrechunkedMessage p) {
        List<RtmpMessage> msgs = new ArrayList<>();
        try (ChunkDecoder d = new ChunkDecoder()) {
            d.setChunkSize(p.chunkSize());
            d.decode(p.content(), msgs);
            assertEquals(0, p.content().readableBytes(), "no trailing bytes in " + p);
        } finally {
            p.release();
        }
        assertEquals(1, msgs.size(), "one message in the chunks");
        RtmpMessage m = msgs.get(0);
        assertEquals(1, m.messageStreamId(), "shared media use message stream 1");
        assertEquals(p.chunkStreamId(), m.chunkStreamId());
        assertEquals(p.timestamp(), m.timestamp());
        return m;
    }

    record Media(int type, long timestampMs, byte[] body) {
    }

    private static CommandMessage findCommand(List<Object> out, String name) {
        return out.stream().filter(o -> o instanceof CommandMessage c && c.name().equals(name)).map(CommandMessage.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + out));
    }

    private static NetStatus lastStatus(List<Object> out) {
        NetStatus last = null;
        for (Object o : out) {
            if (o instanceof CommandMessage c && c.name().equals("onStatus")) {
                last = c.status().orElseThrow();
            }
        }
        return last;
    }

    private static RtmpMessage video(int msid, long ts, int frameType, int avcPacketType, int cts, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeByte(frameType << 4 | 7).writeByte(avcPacketType).writeMedium(cts).writeBytes(data);
        return new RtmpMessage(6, MessageTypeId.VIDEO, msid, ts, b);
    }

    private static RtmpMessage audio(int msid, long ts, int aacPacketType, byte[] data) {
        ByteBuf b = Unpooled.buffer().writeByte(0xAF).writeByte(aacPacketType).writeBytes(data);
        return new RtmpMessage(4, MessageTypeId.AUDIO, msid, ts, b);
    }

    /** connect + createStream; returns the stream id. */
    private static int connectAndCreateStream(RtmpServerSession s, String app) {
        command(s, Commands.connect(1, app, "rtmp://127.0.0.1/" + app), 0);
        command(s, Commands.createStream(2), 0);
        for (Object o : drain(s)) {
            if (o instanceof CommandMessage c && c.isResult() && c.transactionId() == 2) {
                return ((Double) c.arguments().get(0)).intValue();
            }
        }
        throw new AssertionError("no createStream _result");
    }

    @Test
    void connectIsAnsweredWithWindowBandwidthChunkSizeAndResult() {
        RtmpServerSession s = session();
        command(s, Commands.connect(1, "live", "rtmp://127.0.0.1/live"), 0);
        List<Object> out = drain(s);
        assertEquals(new WindowAcknowledgementSize(2_500_000), out.get(0));
        assertEquals(new SetPeerBandwidth(2_500_000, SetPeerBandwidth.LimitType.DYNAMIC), out.get(1));
        assertEquals(new SetChunkSize(4096), out.get(2));
        CommandMessage result = (CommandMessage) out.get(3);
        assertTrue(result.isResult());
        assertEquals(1.0, result.transactionId());
        assertEquals("FMS/3,0,1,123", ((Map<?, ?>) result.commandObject()).get("fmsVer"));
        NetStatus status = result.status().orElseThrow();
        assertEquals(NetStatus.CONNECT_SUCCESS, status.code());
        assertEquals(0.0, ((Map<?, ?>) result.arguments().get(0)).get("objectEncoding"));
    }

    @Test
    void commandsBeforeConnectAreAViolation() {
        RtmpServerSession s = session();
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> command(s, Commands.createStream(2), 0));
        assertTrue(e.getMessage().contains("before connect"), e.getMessage());
    }

    @Test
    void garbageAmfInACommandIsAViolation() {
        RtmpServerSession s = session();
        RtmpMessage m = new RtmpMessage(3, MessageTypeId.COMMAND_AMF0, 0, 0, Unpooled.wrappedBuffer(new byte[] {0x02, 0x7F, 0x7F, 1}));
        assertThrows(RtmpProtocolException.class, () -> feed(s, m));
    }

    @Test
    void createStreamIsLimited() {
        RtmpServerSession s = session();
        command(s, Commands.connect(1, "live", "rtmp://x/live"), 0);
        for (int i = 0; i < 8; i++) {
            command(s, Commands.createStream(2 + i), 0);
        }
        RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> command(s, Commands.createStream(20), 0));
        assertTrue(e.getMessage().contains("too many streams"), e.getMessage());
        drain(s);
    }

    @Test
    void releaseStreamAndFcPublishAreAnsweredAsNginxDoes() {
        RtmpServerSession s = session();
        command(s, Commands.connect(1, "live", "rtmp://x/live"), 0);
        drain(s);
        command(s, Commands.releaseStream(2, "key"), 0);
        command(s, Commands.fcPublish(3, "key"), 0);
        List<Object> out = drain(s);
        assertEquals(2.0, findCommand(out, "_result").transactionId());
        assertEquals(NetStatus.PUBLISH_START, findCommand(out, "onFCPublish").status().orElseThrow().code());
    }

    @Test
    void publishGoesLiveWhenBothSequenceHeadersAreInAndFramesCarryPtsAndDts() {
        RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
        List<EncodedFrame> frames = new ArrayList<>();
        hub.subscribe("live/key", new io.sluice.core.hub.StreamSubscriber() {
            @Override
            public void onPublish(String name, List<TrackInfo> tracks) {
                probe.onPublish(name, tracks);
            }

            @Override
            public void onFrame(EncodedFrame frame) {
                frames.add(frame);
            }

            @Override
            public void onUnpublish(String name) {
                probe.onUnpublish(name);
            }
        });
        RtmpServerSession s = session();
        int msid = connectAndCreateStream(s, "live");
        command(s, Commands.publish("key?token=abc"), msid);
        assertEquals(NetStatus.PUBLISH_START, lastStatus(drain(s)).code());
        feed(s, RtmpMessages.encode(Commands.setDataFrame(Map.of("videocodecid", 7.0, "audiocodecid", 10.0, "framerate", 30.0)),
                8, msid, 0, ALLOC));
        feed(s, video(msid, 0, 1, 0, 0, AVCC_640X480));
        assertEquals(0, probe.publishes.get(), "not live before the audio sequence header");
        feed(s, audio(msid, 0, 0, ASC_44100_STEREO));
        assertEquals(1, probe.publishes.get(), "live once both are in");
        assertEquals(List.of("live/key"), hub.liveStreams());
        TrackInfo v = probe.tracks.get(0);
        assertEquals(Codec.H264, v.codec());
        assertEquals(640, v.width());
        assertEquals(480, v.height());
        assertArrayEquals(AVCC_640X480, v.codecConfig());
        assertTrue(v.hasBFrames(), "friday's SPS states max_num_reorder_frames 2");
        TrackInfo a = probe.tracks.get(1);
        assertEquals(44100, a.sampleRate());
        assertEquals(2, a.channels());

        byte[] nal = {0, 0, 0, 2, 0x65, (byte) 0x88};
        feed(s, video(msid, 1000, 1, 1, 66, nal)); // DTS 1000 ms, CTS 66 ms
        feed(s, audio(msid, 1010, 1, new byte[] {1, 2, 3}));
        assertEquals(2, frames.size());
        EncodedFrame f = frames.get(0);
        assertEquals(1_000_000, f.dtsUs());
        assertEquals(1_066_000, f.ptsUs());
        assertTrue(f.isKeyframe());
        assertArrayEquals(nal, ByteBufUtil.getBytes(f.content()));
        assertEquals(1_010_000, frames.get(1).ptsUs());
        frames.forEach(EncodedFrame::release);

        command(s, Commands.deleteStream(5, msid), 0);
        assertEquals(1, probe.unpublishes.get());
        assertTrue(publishers.isEmpty());
    }

    @Test
    void withoutMetadataTheFirstFrameMakesTheStreamLive() {
        RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
        hub.subscribe("live/v", probe);
        RtmpServerSession s = session();
        int msid = connectAndCreateStream(s, "live");
        command(s, Commands.publish("v"), msid);
        feed(s, video(msid, 0, 1, 0, 0, AVCC_320X240));
        assertEquals(0, probe.publishes.get(), "waits for audio");
        feed(s, video(msid, 0, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        assertEquals(1, probe.publishes.get());
        assertEquals(1, probe.tracks.size());
        assertEquals(320, probe.tracks.get(0).width());
        assertEquals(1, probe.videoFrames.get());
        drain(s);
    }

    @Test
    void aCompositionTimeOffsetMarksTheTrackAsHavingBFramesFromThatFrameOn() {
        RtmpServerSession s = session();
        int msid = connectAndCreateStream(s, "live");
        command(s, Commands.publish("b"), msid);
        feed(s, video(msid, 0, 1, 0, 0, AVCC_320X240)); // an SPS that does not state reordering
        feed(s, video(msid, 0, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        assertFalse(hub.tracks("live/b").orElseThrow().get(0).hasBFrames(), "pts == dts so far");
        feed(s, video(msid, 40, 2, 1, 80, new byte[] {0, 0, 0, 1, 0x41})); // CompositionTime 80 ms
        TrackInfo v = hub.tracks("live/b").orElseThrow().get(0);
        assertTrue(v.hasBFrames(), "learned from pts != dts: " + v);
        assertEquals(320, v.width());
        feed(s, video(msid, 0, 1, 0, 0, AVCC_320X240)); // the same sequence header again keeps what was learned
        feed(s, video(msid, 80, 2, 1, 0, new byte[] {0, 0, 0, 1, 0x41}));
        assertTrue(hub.tracks("live/b").orElseThrow().get(0).hasBFrames());
        drain(s);
    }

    @Test
    void aSecondPublisherGetsBadNameAndTheFirstKeepsStreaming() {
        RtmpServerSession first = session();
        int msid = connectAndCreateStream(first, "live");
        command(first, Commands.publish("x"), msid);
        drain(first);
        RtmpServerSession second = session();
        int msid2 = connectAndCreateStream(second, "live");
        command(second, Commands.publish("x"), msid2);
        NetStatus status = lastStatus(drain(second));
        assertEquals(NetStatus.PUBLISH_BAD_NAME, status.code());
        assertTrue(status.isError());
        assertTrue(status.description().contains("already being published"), status.description());
        assertNotNull(second.closeReason());
        assertNull(first.closeReason());
        assertEquals(first, publishers.get("live/x"));
    }

    @Test
    void theAuthorizerSeesStreamTokenQueryAndPeerAndCanReject() {
        List<AuthRequest> seen = new ArrayList<>();
        RtmpServerSession s = session(ServerSettings.defaults().withAuthorizer(r -> {
            seen.add(r);
            return r.token().equals(Optional.of("secret")) ? AuthDecision.allow()
                    : AuthDecision.unauthorized("invalid stream key");
        }));
        int msid = connectAndCreateStream(s, "live?tenant=t1");
        command(s, Commands.publish("cam?token=wrong"), msid);
        NetStatus status = lastStatus(drain(s));
        assertTrue(status.isError());
        assertEquals(NetStatus.PUBLISH_UNAUTHORIZED, status.code());
        assertEquals("invalid stream key", status.description());
        assertNotNull(s.closeReason());
        AuthRequest r = seen.get(0);
        assertEquals(StreamAction.PUBLISH, r.action());
        assertEquals("live/cam", r.stream());
        assertEquals(StreamProtocol.RTMP, r.protocol());
        assertEquals("t1", r.parameter("tenant"));
        assertEquals(Optional.of("wrong"), r.token());
        assertEquals(PEER, r.remoteAddress());
        assertTrue(publishers.isEmpty());
    }

    @Test
    void theTokenMayRideOnTheAppAndAllowsWithTheBuiltInTokenAuthorizer() {
        RtmpServerSession s = session(ServerSettings.defaults().withAuthorizer(
                TokenAuthorizer.builder().publishToken("secret").build()));
        int msid = connectAndCreateStream(s, "live?token=secret");
        command(s, Commands.publish("cam"), msid);
        NetStatus status = lastStatus(drain(s));
        assertEquals(NetStatus.PUBLISH_START, status.code(), status.toString());
    }

    @Test
    void aPlayerGetsStatusMetadataSequenceHeadersAndFramesFromTheGopCacheWithRelativeTimestamps() {
        RtmpServerSession pub = session();
        int pmsid = connectAndCreateStream(pub, "live");
        command(pub, Commands.publish("x"), pmsid);
        feed(pub, video(pmsid, 5000, 1, 0, 0, AVCC_320X240));
        feed(pub, audio(pmsid, 5000, 0, ASC_44100_STEREO));
        feed(pub, video(pmsid, 5000, 2, 1, 0, new byte[] {0, 0, 0, 1, 0x41})); // inter frame before any keyframe: not cached
        feed(pub, video(pmsid, 5033, 1, 1, 33, new byte[] {0, 0, 0, 1, 0x65}));
        feed(pub, audio(pmsid, 5040, 1, new byte[] {9}));
        drain(pub);

        RtmpServerSession player = session();
        int msid = connectAndCreateStream(player, "live");
        command(player, Commands.play("x"), msid);
        assertTrue(wakeups.get() > 0, "the GOP cache delivery woke the player up");
        List<Object> out = drain(player);
        List<String> codes = new ArrayList<>();
        for (Object o : out) {
            if (o instanceof CommandMessage c && c.name().equals("onStatus")) {
                codes.add(c.status().orElseThrow().code());
            }
        }
        assertEquals(List.of(NetStatus.PLAY_RESET, NetStatus.PLAY_START), codes);
        assertTrue(out.contains(UserControl.streamBegin(msid)));
        int meta = indexOf(out, o -> o instanceof DataMessage d && d.handler().equals("onMetaData"));
        DataMessage md = (DataMessage) out.get(meta);
        assertEquals(320.0, ((Map<?, ?>) md.values().get(0)).get("width"));
        assertTrue(indexOf(out, o -> o instanceof DataMessage d && d.handler().equals("|RtmpSampleAccess")) < meta);
        List<Media> media = out.stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
        assertEquals(4, media.size(), "video sequence header, keyframe, audio sequence header, audio frame: " + media);
        assertEquals(MessageTypeId.VIDEO, media.get(0).type());
        assertEquals(0x17, media.get(0).body()[0] & 0xFF);
        assertEquals(0, media.get(0).body()[1], "AVC sequence header");
        assertEquals(0, media.get(1).timestampMs(), "relative to the player's first frame");
        assertEquals(1, media.get(1).body()[1], "AVC NALU");
        assertEquals(33, media.get(1).body()[4], "composition time kept");
        assertEquals(MessageTypeId.AUDIO, media.get(2).type());
        assertEquals(0, media.get(2).body()[1], "AAC sequence header");
        assertEquals(7, media.get(3).timestampMs());

        // Live frames follow; a new sequence header goes out when the configuration changes.
        feed(pub, video(pmsid, 5100, 1, 0, 0, AVCC_640X480));
        feed(pub, video(pmsid, 5100, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        List<Media> live = drain(player).stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
        assertEquals(2, live.size());
        assertEquals(0, live.get(0).body()[1], "new sequence header");
        assertEquals(67, live.get(1).timestampMs());
        drain(pub);
    }

    @Test
    void aPlayerIsToldWhenThePublisherLeavesAndReturnsAndTimestampsContinue() {
        RtmpServerSession player = session();
        int msid = connectAndCreateStream(player, "live");
        command(player, Commands.play("x"), msid);
        drain(player);
        RtmpServerSession pub = session();
        int pmsid = connectAndCreateStream(pub, "live");
        command(pub, Commands.publish("x"), pmsid);
        feed(pub, video(pmsid, 100, 1, 0, 0, AVCC_320X240));
        feed(pub, video(pmsid, 100, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        feed(pub, video(pmsid, 600, 2, 1, 0, new byte[] {0, 0, 0, 1, 0x41}));
        List<Object> out = drain(player);
        assertEquals("NetStream.Play.PublishNotify", lastStatus(out).code());
        command(pub, Commands.fcUnpublish(6, "x"), 0);
        assertEquals(NetStatus.UNPUBLISH_SUCCESS, lastStatus(drain(pub)).code());
        assertEquals("NetStream.Play.UnpublishNotify", lastStatus(drain(player)).code());

        RtmpServerSession pub2 = session();
        int msid2 = connectAndCreateStream(pub2, "live");
        command(pub2, Commands.publish("x"), msid2);
        feed(pub2, video(msid2, 0, 1, 0, 0, AVCC_320X240));
        feed(pub2, video(msid2, 0, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        List<Media> media = drain(player).stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
        assertEquals(0, media.get(0).body()[1], "sequence header again for the new publication");
        assertEquals(500, media.get(1).timestampMs(), "continues where the last publication stopped");
        drain(pub2);
    }

    /** The shared media chunks a session sends, exactly as they go on the wire (other messages dropped). */
    private static List<byte[]> wireMedia(RtmpServerSession s) {
        List<byte[]> out = new ArrayList<>();
        ByteBufHolder h;
        while ((h = s.pollOutbound(true)) != null) {
            try {
                if (h instanceof PrechunkedMessage p) {
                    out.add(ByteBufUtil.getBytes(p.content()));
                }
            } finally {
                h.release();
            }
        }
        return out;
    }

    @Test
    void playersOfOneStreamGetByteIdenticalSharedMediaAndALatePlayerStartsAtTheCachedKeyframesTimestamp() {
        SharedStream.Registry registry = new SharedStream.Registry();
        ServerSettings settings = ServerSettings.defaults();
        RtmpServerSession pub = session();
        RtmpServerSession early = new RtmpServerSession(settings, hub, PEER, ALLOC, wakeups::incrementAndGet, publishers, registry);
        RtmpServerSession late = new RtmpServerSession(settings, hub, PEER, ALLOC, wakeups::incrementAndGet, publishers, registry);
        sessions.add(early);
        sessions.add(late);
        assertEquals(1, connectAndCreateStream(early, "live"));
        command(early, Commands.play("x"), 1);
        drain(early);
        int pmsid = connectAndCreateStream(pub, "live");
        command(pub, Commands.publish("x"), pmsid);
        feed(pub, video(pmsid, 1000, 1, 0, 0, AVCC_320X240));
        feed(pub, audio(pmsid, 1000, 0, ASC_44100_STEREO));
        byte[] big = new byte[10_000]; // several 4096-byte chunks
        big[3] = (byte) 0xFF;
        big[4] = 0x65;
        feed(pub, video(pmsid, 1000, 1, 1, 0, new byte[] {0, 0, 0, 1, 0x65}));
        feed(pub, video(pmsid, 1033, 1, 1, 0, big));
        List<byte[]> first = wireMedia(early);
        assertEquals(2, first.size(), "two frames as shared chunks");

        assertEquals(1, connectAndCreateStream(late, "live"));
        command(late, Commands.play("x"), 1);
        List<Object> lateOut = drain(late); // the GOP cache: serialized again, the same bytes
        List<Media> lateMedia = lateOut.stream().filter(Media.class::isInstance).map(Media.class::cast).toList();
        assertEquals(0, lateMedia.get(0).body()[1], "AVC sequence header first");
        assertEquals(33, lateMedia.get(1).timestampMs(), "the GOP cache starts at the keyframe at 33 ms on the shared timeline");

        feed(pub, audio(pmsid, 1040, 1, new byte[] {9, 9}));
        feed(pub, video(pmsid, 1066, 2, 1, 0, big));
        feed(pub, video(pmsid, 1100, 1, 1, 0, big));
        List<byte[]> a = wireMedia(early);
        List<byte[]> b = wireMedia(late);
        assertEquals(3, a.size());
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "media message " + i + " is byte-identical for both players");
        }
        assertEquals(1, registry.size(), "one serialization for the stream");
        RtmpMessage m = dechunk(PrechunkedMessage.wrap(Unpooled.wrappedBuffer(b.get(2)), 6, MessageTypeId.VIDEO, 100, 4096));
        try {
            assertEquals(100, m.timestamp(), "absolute: 1100 ms minus the first frame's 1000 ms");
            assertEquals(5 + 10_000, m.length());
        } finally {
            m.release();
        }
        early.close();
        late.close();
        assertEquals(0, registry.size(), "released with the last player");
        drain(pub);
    }

    @Test
    void acknowledgementsFollowThePeersWindowAndPingsAreAnswered() {
        RtmpServerSession s = session();
        command(s, Commands.connect(1, "live", "rtmp://x/live"), 0);
        drain(s);
        feed(s, RtmpMessages.encode(new WindowAcknowledgementSize(5000), ALLOC));
        s.handleBytesReceived(4000);
        assertTrue(drain(s).isEmpty());
        s.handleBytesReceived(5100);
        assertEquals(List.of(new Acknowledgement(5100)), drain(s));
        feed(s, RtmpMessages.encode(UserControl.pingRequest(1234), ALLOC));
        assertEquals(List.of(new UserControl(UserControl.PING_RESPONSE, 1234, 0)), drain(s));
    }

    @Test
    void codecConfigsGivePictureSizeAndAudioParameters() {
        assertArrayEquals(new int[] {640, 480}, CodecConfigs.avcPictureSize(AVCC_640X480));
        assertArrayEquals(new int[] {320, 240}, CodecConfigs.avcPictureSize(AVCC_320X240));
        assertNull(CodecConfigs.avcPictureSize(new byte[] {1, 2, 3}));
        assertArrayEquals(new int[] {44100, 2}, CodecConfigs.aacAudio(ASC_44100_STEREO));
        assertNull(CodecConfigs.aacAudio(new byte[0]));
    }

    private static int indexOf(List<Object> list, java.util.function.Predicate<Object> p) {
        for (int i = 0; i < list.size(); i++) {
            if (p.test(list.get(i))) {
                return i;
            }
        }
        throw new AssertionError("not found in " + list);
    }
}
