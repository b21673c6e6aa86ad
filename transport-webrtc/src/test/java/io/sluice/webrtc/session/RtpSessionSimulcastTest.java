package io.sluice.webrtc.session;

import static io.sluice.webrtc.session.RtpSessionTest.ALLOC;
import static io.sluice.webrtc.session.RtpSessionTest.PPS;
import static io.sluice.webrtc.session.RtpSessionTest.PT;
import static io.sluice.webrtc.session.RtpSessionTest.RECEIVER_SSRC;
import static io.sluice.webrtc.session.RtpSessionTest.RTX_PT;
import static io.sluice.webrtc.session.RtpSessionTest.SPS;
import static io.sluice.webrtc.session.RtpSessionTest.TRACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.EncodedFrame;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.mux.PacketDemux;
import io.sluice.webrtc.mux.PacketKind;
import io.sluice.webrtc.rtcp.GenericNack;
import io.sluice.webrtc.rtcp.Pli;
import io.sluice.webrtc.rtcp.RtcpPacket;
import io.sluice.webrtc.rtcp.RtcpParser;
import io.sluice.webrtc.rtp.H264Depacketizer;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.JitterBuffer;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacket;
import io.sluice.webrtc.sdp.MediaKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Simulcast receive (RFC 8853) in the engine: three layers sent as Chromium does, the rid (RFC 8852 rtp-stream-id)
 * only on each SSRC's first packets, RTX with repaired-rtp-stream-id; the receiver gives each layer's frames, NACKs
 * and PLIs their own SSRC.
 */
@DisplayName("RtpSession: simulcast layers by rid, SSRC learnt, RTX by repaired rid, PLI per layer")
class RtpSessionSimulcastTest {
    static final int RID_ID = 10;
    static final int RRID_ID = 11;
    static final List<String> RIDS = List.of("q", "h", "f");
    /** Slice size of each layer's frames, which tells them apart. */
    static final Map<String, Integer> SLICE = Map.of("q", 300, "h", 1200, "f", 4000);

    final ManualTicker ticker = new ManualTicker();
    final List<ByteBuf> held = new ArrayList<>();
    RtpSession rx;

    @AfterEach
    void close() {
        held.forEach(ByteBuf::release);
        if (rx != null) {
            rx.close();
        }
    }

    static int ssrc(String rid) {
        return 0x1000 + RIDS.indexOf(rid);
    }

    static int rtxSsrc(String rid) {
        return 0x2000 + RIDS.indexOf(rid);
    }

    RtpSession receiver() {
        RtpSession.Builder b = RtpSession.builder().start(ticker.nanoTime(), ticker.wallClockMicros())
                .rtcpSsrc(RECEIVER_SSRC).keyframeRequestInterval(Duration.ZERO).rtpStreamIdExtensions(RID_ID, RRID_ID);
        for (String rid : RIDS) {
            JitterBuffer buffer = JitterBuffer.builder(TRACK, new H264Depacketizer()).allocator(ALLOC)
                    .maxDelayMicros(1_000_000).build();
            b.receive(ReceiveStream.builder(MediaKind.VIDEO, PT, 90_000, buffer).rtxPayloadType(RTX_PT).nack(true)
                    .rid(rid).build());
        }
        return b.build();
    }

    /** The RTP packets of frame {@code i} of a layer (keyframe with SPS/PPS at 0). */
    static List<ByteBuf> packets(H264Packetizer p, String rid, int i) {
        ByteBuf avcc = Unpooled.buffer();
        if (i == 0) {
            avcc.writeInt(SPS.length).writeBytes(SPS).writeInt(PPS.length).writeBytes(PPS);
        }
        byte[] slice = new byte[SLICE.get(rid)];
        slice[0] = (byte) (i == 0 ? 0x65 : 0x41);
        avcc.writeInt(slice.length).writeBytes(slice);
        EncodedFrame f = new EncodedFrame(TRACK, avcc, i * 33_333L, i == 0);
        List<ByteBuf> out = new ArrayList<>();
        p.packetize(f, out);
        f.release();
        return out;
    }

    /** An RTX packet (RFC 4588 §4) of {@code original} with repaired-rtp-stream-id {@code rid}. */
    static ByteBuf rtx(ByteBuf original, String rid, int rtxSeq) {
        RtpPacket v = new RtpPacket();
        assertTrue(v.wrap(original));
        ByteBuf out = Unpooled.buffer();
        new RtpHeaderWriter(rtxSsrc(rid), RTX_PT).mid(RRID_ID, rid).write(out, rtxSeq, v.timestamp(), v.marker());
        out.writeShort(v.sequenceNumber());
        out.writeBytes(original, v.payloadOffset(), v.payloadLength());
        return out;
    }

    List<RtcpPacket> rtcp() {
        List<RtcpPacket> out = new ArrayList<>();
        ByteBuf b;
        while ((b = rx.pollTransmit()) != null) {
            if (PacketDemux.classify(b) == PacketKind.RTCP) {
                out.addAll(RtcpParser.parse(b));
            }
            b.release();
        }
        return out;
    }

    @Test
    @DisplayName("frames of each layer come out tagged with its rid; a lost packet is NACKed on its layer's SSRC and"
            + " repaired by RTX named by repaired-rtp-stream-id; a PLI goes to the asked layer's SSRC only")
    void layersByRid() {
        rx = receiver();
        Map<String, RtpHeaderWriter> headers = new LinkedHashMap<>();
        Map<String, H264Packetizer> packetizers = new LinkedHashMap<>();
        for (String rid : RIDS) {
            RtpHeaderWriter h = new RtpHeaderWriter(ssrc(rid), PT).mid(RID_ID, rid);
            headers.put(rid, h);
            packetizers.put(rid, H264Packetizer.builder(h).allocator(ALLOC).build());
        }
        // A PLI asked for before the layer's SSRC is known waits for it.
        assertTrue(rx.requestKeyframe(ticker.nanoTime(), "f", "test: early"));
        assertFalse(rx.requestKeyframe(ticker.nanoTime(), "x", "test: no such layer"));
        assertTrue(rtcp().stream().noneMatch(p -> p instanceof Pli), "no PLI before f's SSRC is known");

        ByteBuf lost = null;
        // A stranger: an SSRC without rid, same payload type. Dropped.
        RtpHeaderWriter stranger = new RtpHeaderWriter(0x7777, PT);
        H264Packetizer strangerPacketizer = H264Packetizer.builder(stranger).allocator(ALLOC).build();
        Map<String, Integer> frames = new LinkedHashMap<>();
        List<RtcpPacket> feedback = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ticker.advance(Duration.ofMillis(33));
            long now = ticker.nanoTime();
            for (ByteBuf p : packets(strangerPacketizer, "f", i)) {
                rx.handleRtp(now, p);
            }
            for (String rid : RIDS) {
                List<ByteBuf> ps = packets(packetizers.get(rid), rid, i);
                if (i == 0) {
                    headers.get(rid).removeExtension(RID_ID); // Chromium: the rid only until the receiver knows it
                }
                for (int k = 0; k < ps.size(); k++) {
                    if (rid.equals("h") && i == 5 && k == 0) {
                        lost = ps.get(k);
                        continue;
                    }
                    rx.handleRtp(now, ps.get(k));
                }
            }
            rx.handleTimeout(now);
            feedback.addAll(rtcp());
            SessionEvent e;
            while ((e = rx.pollEvent()) != null) {
                SessionEvent.FrameReceived f = assertInstanceOf(SessionEvent.FrameReceived.class, e);
                int size = f.frame().content().readableBytes();
                int slice = SLICE.get(f.rid());
                assertTrue(size == slice + 4 || size == slice + 4 + SPS.length + PPS.length + 8,
                        "layer " + f.rid() + " frame of " + size + " octets");
                frames.merge(f.rid(), 1, Integer::sum);
                f.frame().release();
            }
        }
        assertTrue(feedback.stream().anyMatch(p -> p instanceof Pli pli && pli.mediaSsrc() == ssrc("f")),
                "the early PLI went out once f's SSRC was known: " + feedback);
        assertTrue(feedback.stream().anyMatch(p -> p instanceof GenericNack n && n.mediaSsrc() == ssrc("h")),
                "NACK for h's lost packet: " + feedback);
        assertTrue(feedback.stream().noneMatch(p -> p instanceof GenericNack n && n.mediaSsrc() != ssrc("h")));
        assertEquals(10, frames.get("q"));
        assertEquals(10, frames.get("f"));
        assertTrue(frames.get("h") < 10, "h waits for its lost packet: " + frames);
        // The retransmission, on h's RTX SSRC, named by repaired-rtp-stream-id only.
        rx.handleRtp(ticker.nanoTime(), rtx(lost, "h", 500));
        lost.release();
        SessionEvent e;
        while ((e = rx.pollEvent()) != null) {
            SessionEvent.FrameReceived f = assertInstanceOf(SessionEvent.FrameReceived.class, e);
            assertEquals("h", f.rid());
            frames.merge(f.rid(), 1, Integer::sum);
            f.frame().release();
        }
        assertEquals(10, frames.get("h"), "h complete after RTX: " + frames);

        ticker.advance(Duration.ofSeconds(1));
        assertTrue(rx.requestKeyframe(ticker.nanoTime(), "h", "test"));
        List<RtcpPacket> plis = rtcp().stream().filter(p -> p instanceof Pli).toList();
        assertEquals(1, plis.size(), "one PLI: " + plis);
        assertEquals(ssrc("h"), ((Pli) plis.get(0)).mediaSsrc());
        // Without a rid, every layer.
        ticker.advance(Duration.ofSeconds(1));
        rx.requestKeyframe(ticker.nanoTime(), "test: all");
        assertEquals(List.of(ssrc("q"), ssrc("h"), ssrc("f")), rtcp().stream().filter(p -> p instanceof Pli)
                .map(p -> ((Pli) p).mediaSsrc()).toList());
    }

    @Test
    @DisplayName("layers need distinct rids, the same payload types, no plain video stream, and the rid extension id")
    void builderChecks() {
        JitterBuffer b1 = JitterBuffer.builder(TRACK, new H264Depacketizer()).allocator(ALLOC).build();
        JitterBuffer b2 = JitterBuffer.builder(TRACK, new H264Depacketizer()).allocator(ALLOC).build();
        JitterBuffer b3 = JitterBuffer.builder(TRACK, new H264Depacketizer()).allocator(ALLOC).build();
        try {
            RtpSession.Builder b = RtpSession.builder().start(0, 0)
                    .receive(ReceiveStream.builder(MediaKind.VIDEO, PT, 90_000, b1).rid("q").build());
            assertThrows(IllegalStateException.class,
                    () -> b.receive(ReceiveStream.builder(MediaKind.VIDEO, PT, 90_000, b2).rid("q").build()));
            assertThrows(IllegalStateException.class,
                    () -> b.receive(ReceiveStream.builder(MediaKind.VIDEO, PT + 2, 90_000, b2).rid("h").build()));
            assertThrows(IllegalStateException.class,
                    () -> b.receive(ReceiveStream.builder(MediaKind.VIDEO, PT, 90_000, b3).build()));
            assertThrows(IllegalStateException.class, b::build, "no rtpStreamIdExtensions");
            assertThrows(IllegalArgumentException.class,
                    () -> ReceiveStream.builder(MediaKind.AUDIO, 111, 48_000, b3).rid("a"));
        } finally {
            b1.close();
            b2.close();
            b3.close();
        }
    }
}
