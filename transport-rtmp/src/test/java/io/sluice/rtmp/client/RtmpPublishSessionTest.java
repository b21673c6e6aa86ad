package io.sluice.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.ControlMessage;
import io.sluice.rtmp.message.DataMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.SetChunkSize;
import io.sluice.rtmp.message.SetPeerBandwidth;
import io.sluice.rtmp.message.UserControl;
import io.sluice.rtmp.message.WindowAcknowledgementSize;
import io.sluice.rtmp.message.Acknowledgement;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Drives {@link RtmpPublishSession} as nginx-rtmp would, without sockets. */
class RtmpPublishSessionTest {
    static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(640, 360).bitrateBps(1_000_000)
            .codecConfig(new byte[] {1, 0x64, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();
    static final TrackInfo AUDIO = TrackInfo.builder(1, Codec.AAC).audio(48000, 2).codecConfig(new byte[] {0x11, (byte) 0x90}).build();
    static final RtmpUrl URL = RtmpUrl.parse(URI.create("rtmp://h/live/key?t=1"));
    static final long T0 = 1_000_000_000L;

    final RtmpPublishSession session = new RtmpPublishSession(URL, List.of(VIDEO, AUDIO), 4096, Duration.ofSeconds(10), ALLOC);

    /** Polls and decodes every queued message (releasing them). */
    private List<Object> drain() {
        List<Object> out = new ArrayList<>();
        RtmpMessage m;
        while ((m = session.pollOutbound()) != null) {
            try {
                int t = m.messageTypeId();
                if (MessageTypeId.isControl(t)) {
                    out.add(RtmpMessages.decodeControl(m));
                } else if (t == MessageTypeId.COMMAND_AMF0) {
                    out.add(RtmpMessages.decodeCommand(m));
                } else if (t == MessageTypeId.DATA_AMF0) {
                    out.add(RtmpMessages.decodeData(m));
                } else {
                    out.add("media " + t + " ts=" + m.timestamp() + " msid=" + m.messageStreamId() + " first=" + m.content().getUnsignedByte(0)
                            + " type=" + m.content().getUnsignedByte(1));
                }
            } finally {
                m.release();
            }
        }
        return out;
    }

    private void receive(CommandMessage c) {
        RtmpMessage m = RtmpMessages.encode(c, 3, 0, ALLOC);
        try {
            session.handleMessage(T0, m, 1000);
        } finally {
            m.release();
        }
    }

    private void receive(ControlMessage c, long bytesReceived) {
        RtmpMessage m = RtmpMessages.encode(c, ALLOC);
        try {
            session.handleMessage(T0, m, bytesReceived);
        } finally {
            m.release();
        }
    }

    private void publish() {
        session.start(T0);
        drain();
        receive(Commands.result(1, Map.of("fmsVer", "FMS/3,0,1,123"), new NetStatus("status", NetStatus.CONNECT_SUCCESS, "ok").toInfoObject()));
        drain();
        receive(Commands.result(4, null, 1.0));
        drain();
        receive(Commands.onStatus(new NetStatus("status", NetStatus.PUBLISH_START, "Start publishing")));
        drain();
        assertInstanceOf(RtmpPublishSession.Event.Connected.class, session.pollEvent());
        assertEquals(new RtmpPublishSession.Event.PublishStarted(1), session.pollEvent());
    }

    @Test
    void connectsCreatesStreamAndPublishesLikeFfmpeg() {
        session.start(T0);
        List<Object> first = drain();
        assertEquals(new SetChunkSize(4096), first.get(0));
        CommandMessage connect = (CommandMessage) first.get(1);
        assertEquals("connect", connect.name());
        Map<?, ?> props = (Map<?, ?>) connect.commandObject();
        assertEquals("live", props.get("app"));
        assertEquals("rtmp://h:1935/live", props.get("tcUrl"));
        assertEquals(Commands.PUBLISHER_FLASH_VER, props.get("flashVer"));
        assertEquals("nonprivate", props.get("type"));
        assertEquals(Boolean.FALSE, props.get("fpad"));

        receive(Commands.result(1, null, new NetStatus("status", NetStatus.CONNECT_SUCCESS, "").toInfoObject()));
        List<String> names = drain().stream().map(o -> ((CommandMessage) o).name() + ((CommandMessage) o).arguments()).toList();
        assertEquals(List.of("releaseStream[key?t=1]", "FCPublish[key?t=1]", "createStream[]"), names);
        receive(Commands.result(4, null, 7.0));
        CommandMessage publish = (CommandMessage) drain().get(0);
        assertEquals(List.of("key?t=1", "live"), publish.arguments());
        assertEquals(RtmpPublishSession.State.PUBLISH_SENT, session.state());
        receive(Commands.onStatus(new NetStatus("status", NetStatus.PUBLISH_START, "")));
        assertEquals(RtmpPublishSession.State.PUBLISHING, session.state());
        assertEquals(7, session.messageStreamId());

        assertTrue(session.close());
        List<String> bye = drain().stream().map(o -> ((CommandMessage) o).name()).toList();
        assertEquals(List.of("FCUnpublish", "deleteStream"), bye);
    }

    @Test
    void badNameFailsWithTheServersDescription() {
        session.start(T0);
        receive(Commands.result(1, null, new NetStatus("status", NetStatus.CONNECT_SUCCESS, "").toInfoObject()));
        receive(Commands.result(4, null, 1.0));
        drain();
        receive(Commands.onStatus(new NetStatus("error", NetStatus.PUBLISH_BAD_NAME, "Already publishing")));
        session.pollEvent(); // Connected
        RtmpPublishSession.Event.Failed f = assertInstanceOf(RtmpPublishSession.Event.Failed.class, session.pollEvent());
        assertEquals("transport 'rtmp://h/live/key?t=1': publish 'key?t=1' rejected by server: NetStream.Publish.BadName (Already publishing)",
                f.error().getMessage());
        assertEquals(RtmpPublishSession.State.FAILED, session.state());
    }

    @Test
    void commandTimeoutNamesTheStep() {
        session.start(T0);
        drain();
        session.handleTimeout(T0 + Duration.ofSeconds(9).toNanos());
        assertNull(session.pollEvent());
        session.handleTimeout(T0 + Duration.ofSeconds(10).toNanos());
        RtmpPublishSession.Event.Failed f = assertInstanceOf(RtmpPublishSession.Event.Failed.class, session.pollEvent());
        assertTrue(f.error().getMessage().endsWith("'connect' to rtmp://h:1935/live timed out after 10000 ms without an answer from the server"),
                f.error().getMessage());
    }

    @Test
    void acknowledgesWindowsAnswersPingsAndPeerBandwidth() {
        publish();
        receive(new WindowAcknowledgementSize(5000), 100);
        receive(new SetPeerBandwidth(5000, SetPeerBandwidth.LimitType.DYNAMIC), 200);
        assertEquals(List.of(new WindowAcknowledgementSize(5000)), drain());
        receive(new SetPeerBandwidth(5000, SetPeerBandwidth.LimitType.DYNAMIC), 300);
        assertEquals(List.of(), drain(), "same size: no new WindowAcknowledgementSize");
        receive(UserControl.pingRequest(123456), 4999);
        assertEquals(List.of(UserControl.pingResponse(UserControl.pingRequest(123456))), drain());
        receive(UserControl.pingRequest(1), 5100);
        assertEquals(List.of(new Acknowledgement(5100), UserControl.pingResponse(UserControl.pingRequest(1))), drain());
    }

    @Test
    void sendsMetadataAndSequenceHeadersFirstAndOnNewTrackInfo() {
        publish();
        long base = -21_333; // AAC priming
        session.writeFrame(new EncodedFrame(AUDIO, Unpooled.wrappedBuffer(new byte[] {1, 2}), -21_333, true).touch(), base);
        session.writeFrame(frame(VIDEO, 0, 66_667, true), base);
        List<Object> out = drain();
        DataMessage meta = (DataMessage) out.get(0);
        Map<?, ?> m = meta.metadata().orElseThrow();
        assertEquals(640.0, m.get("width"));
        assertEquals(7.0, m.get("videocodecid"));
        assertEquals(10.0, m.get("audiocodecid"));
        assertEquals(48000.0, m.get("audiosamplerate"));
        assertEquals(Boolean.TRUE, m.get("stereo"));
        assertEquals(1000.0, m.get("videodatarate"));
        assertEquals("Sluice", m.get("encoder"));
        // Every track's sequence header goes out before the first coded frame (video first: track order),
        // so a server knows the whole stream before audio or video arrives.
        assertEquals(List.of("media 9 ts=0 msid=1 first=23 type=0", "media 8 ts=0 msid=1 first=175 type=0",
                "media 8 ts=0 msid=1 first=175 type=1", "media 9 ts=21 msid=1 first=23 type=1"), out.subList(1, 5));

        TrackInfo newSps = VIDEO.toBuilder().resolution(1280, 720).build();
        session.writeFrame(frame(newSps, 1_000_000, 1_000_000, true), base);
        out = drain();
        assertEquals(1280.0, ((DataMessage) out.get(0)).metadata().orElseThrow().get("width"));
        assertEquals(List.of("media 9 ts=1021 msid=1 first=23 type=0", "media 9 ts=1021 msid=1 first=23 type=1"), out.subList(1, 3));
    }

    private static EncodedFrame frame(TrackInfo t, long dts, long pts, boolean key) {
        return new EncodedFrame(t, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 0x65}), pts, dts, key, 0);
    }
}
