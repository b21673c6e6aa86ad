package io.sluice.webrtc.rtcp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RtcpParserTest {
    static List<RtcpPacket> roundTrip(RtcpPacket... packets) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (RtcpPacket p : packets) {
                p.writeTo(b);
            }
            assertEquals(0, b.readableBytes() % 4);
            List<RtcpPacket> parsed = RtcpParser.parse(b);
            assertEquals(List.of(packets), parsed);
            return parsed;
        } finally {
            b.release();
        }
    }

    static List<RtcpPacket> parseHex(String hex) {
        ByteBuf b = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
        try {
            return RtcpParser.parse(b);
        } finally {
            b.release();
        }
    }

    @Test
    void compoundSrSdesByeRoundTrip() {
        ReportBlock rb = new ReportBlock(0x0A0B0C0D, 25, -3, 0x0001FFFF, 1234, 0x12345678, 0x00018000);
        roundTrip(new SenderReport(0x11111111, 0xE5A1B2C3D4E5F607L, 0xDEADBEEFL, 100, 120_000, List.of(rb)),
                new Sdes(List.of(new Sdes.Chunk(0x11111111, "sluice-cname"), new Sdes.Chunk(2, "a"))),
                new Bye(List.of(0x11111111), "done"));
    }

    @Test
    void handBuiltReceiverReport() {
        // RR, RC=1, length 7: SSRC 0x01020304, block for 0x0a0b0c0d: fraction 64, lost 5, ext seq 70000, jitter 90, LSR, DLSR.
        List<RtcpPacket> p = parseHex("81c90007" + "01020304" + "0a0b0c0d" + "40000005" + "00011170" + "0000005a"
                + "12345678" + "00010000");
        ReceiverReport rr = (ReceiverReport) p.get(0);
        ReportBlock b = rr.reports().get(0);
        assertEquals(0x01020304, rr.ssrc());
        assertEquals(0.25, b.fractionLostRatio());
        assertEquals(5, b.cumulativeLost());
        assertEquals(70000, b.extendedHighestSeq());
        assertEquals(1000, b.jitterMicros(90_000));
        // Arrival 0x12345678 + 1.0 s DLSR + 0.5 s RTT (0x8000 in 16.16).
        assertEquals(500_000, b.rttMicros(0x12345678L + 0x10000 + 0x8000));
        assertEquals(-1, new ReportBlock(1, 0, 0, 0, 0, 0, 0).rttMicros(5));
    }

    @Test
    void negativeCumulativeLostIsSignExtended() {
        ReportBlock rb = new ReportBlock(1, 0, -1, 0, 0, 0, 0);
        ReceiverReport parsed = (ReceiverReport) roundTrip(new ReceiverReport(2, List.of(rb))).get(0);
        assertEquals(-1, parsed.reports().get(0).cumulativeLost());
    }

    @Test
    void nackPacksAndUnpacks() {
        GenericNack n = new GenericNack(1, 2, List.of(65530, 65531, 65535, 0, 4, 100));
        ByteBuf b = Unpooled.buffer();
        n.writeTo(b);
        // 65530 with BLP covering 65531, 65535, 0 and 4 (d=1,5,6,10) then 100 alone: 2 FCI entries.
        assertEquals(12 + 8, b.readableBytes());
        assertEquals(n, RtcpParser.parse(b).get(0));
        b.release();
        // Hand-built: PID 1000, BLP 0x0005 -> 1000, 1001, 1003.
        GenericNack h = (GenericNack) parseHex("81cd0003" + "00000001" + "00000002" + "03e80005").get(0);
        assertEquals(List.of(1000, 1001, 1003), h.lostSequenceNumbers());
    }

    @Test
    void pliFirRemb() {
        roundTrip(new Pli(1, 0x55667788), new Fir(1, List.of(new Fir.Entry(0x55667788, 7))),
                new Remb(1, 2_500_000 & ~0x0F, List.of(0x55667788, 9)));
        // REMB hand-built: exp 3, mantissa 0x3d090 (250000) -> 2,000,000 bit/s.
        Remb r = (Remb) parseHex("8fce0005" + "00000001" + "00000000" + "52454d42" + "01" + "0fd090" + "55667788").get(0);
        assertEquals(2_000_000, r.bitrateBps());
        assertEquals(List.of(0x55667788), r.ssrcs());
        assertEquals(List.of(new Pli(1, 2)), parseHex("81ce0002" + "00000001" + "00000002"));
    }

    @Test
    void transportWideCcRoundTripWithAllChunkKinds() {
        long[] arrivals = new long[60];
        long t = 5_000_000;
        for (int i = 0; i < arrivals.length; i++) {
            if (i >= 20 && i < 40) {
                arrivals[i] = -1; // run of losses -> run-length chunk
            } else if (i == 45) {
                t += 100_000; // large delta -> 2-bit vector
                arrivals[i] = t;
            } else {
                t += 1_000;
                arrivals[i] = t;
            }
        }
        TransportWideCc fb = TransportWideCc.of(1, 2, 65500, 3, arrivals);
        TransportWideCc parsed = (TransportWideCc) roundTrip(fb).get(0);
        long[] got = parsed.arrivalTimesUs();
        for (int i = 0; i < arrivals.length; i++) {
            assertEquals(arrivals[i] < 0 ? -1 : arrivals[i] / 250 * 250, got[i], "packet " + i);
        }
        assertEquals(60, parsed.packetStatusCount());
    }

    @Test
    void transportWideCcHandBuilt() {
        // base 5, count 3, ref 1 (64 ms), fb 0; run-length chunk: symbol 1 x 3; deltas 4, 8, 0 ticks; padding.
        TransportWideCc t = (TransportWideCc) parseHex("8fcd0006" + "00000001" + "00000002" + "00050003" + "00000100"
                + "2003" + "040800" + "000000").get(0);
        assertArrayEquals(new long[] {65_000, 67_000, 67_000}, t.arrivalTimesUs());
    }

    @Test
    void senderReportGeneratorMapsNtpToRtp() {
        AtomicLong nowUs = new AtomicLong(1_700_000_000_000_000L);
        InstantSource clock = () -> Instant.ofEpochSecond(0, nowUs.get() * 1000);
        SenderReportGenerator g = new SenderReportGenerator(42, 90_000, clock);
        g.onPacketSent(1000, 1200);
        g.onPacketSent(1000, 800);
        nowUs.addAndGet(500_000);
        SenderReport sr = g.generate(List.of());
        assertEquals(1000 + 45_000, sr.rtpTimestamp());
        assertEquals(2, sr.packetCount());
        assertEquals(2000, sr.octetCount());
        assertEquals(nowUs.get(), NtpTime.toUnixMicros(sr.ntpTimestamp()), 1.0);
        assertTrue(sr.ntpTimestamp() >>> 32 > NtpTime.EPOCH_OFFSET_SECONDS);
    }

    @Test
    void malformedInputThrowsTypedError() {
        for (String hex : new String[] {"", "80", "40c90001" + "00000000", "81c90007" + "01020304", "80c8000101020304",
                "a1c90001" + "00000000", "81ca0001" + "00000001", "8fcd0004" + "00000001" + "00000002" + "0005ffff",
                "83cb0001" + "00000001"}) {
            assertThrows(RtcpProtocolException.class, () -> parseHex(hex), hex);
        }
        assertEquals(1, parseHex("80cc0001" + "01020304").size(), "APP kept as unknown");
    }

    @Test
    void unknownPacketKeepsBytes() {
        UnknownRtcpPacket u = (UnknownRtcpPacket) parseHex("80cc0001" + "01020304").get(0);
        ByteBuf b = Unpooled.buffer();
        u.writeTo(b);
        assertArrayEquals(HexFormat.of().parseHex("80cc000101020304"), ByteBufUtil.getBytes(b));
        b.release();
    }
}
