package io.sluice.rtmp.chunk;

import static io.sluice.rtmp.chunk.ChunkTestSupport.decodeInSteps;
import static io.sluice.rtmp.chunk.ChunkTestSupport.releaseAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link ChunkEncoder} and {@link ChunkDecoder} against each other and against hand-built bytes. */
class ChunkCodecTest {

    /** A message whose payload is owned by the test (wrapped byte array). */
    private record Spec(int csid, int typeId, int msid, long timestamp, byte[] payload) {
        RtmpMessage toMessage() {
            return new RtmpMessage(csid, typeId, msid, timestamp, Unpooled.wrappedBuffer(payload));
        }
    }

    private static byte[] encodeAll(ChunkEncoder encoder, List<Spec> specs) {
        ByteBuf out = Unpooled.buffer();
        try {
            for (Spec s : specs) {
                RtmpMessage m = s.toMessage();
                try {
                    encoder.encode(m, out);
                } finally {
                    m.release();
                }
            }
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    private static void assertDecodedEquals(List<Spec> expected, List<RtmpMessage> actual) {
        try {
            assertEquals(expected.size(), actual.size());
            for (int i = 0; i < expected.size(); i++) {
                Spec e = expected.get(i);
                RtmpMessage a = actual.get(i);
                String at = "message " + i + " " + a;
                assertEquals(e.csid, a.chunkStreamId(), at);
                assertEquals(e.typeId, a.messageTypeId(), at);
                assertEquals(e.msid, a.messageStreamId(), at);
                assertEquals(e.timestamp, a.timestamp(), at);
                assertArrayEquals(e.payload, ByteBufUtil.getBytes(a.content()), at);
            }
        } finally {
            releaseAll(actual);
        }
    }

    private static byte[] randomBytes(Random rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    @DisplayName("random messages, sizes, chunk sizes, chunk stream ids (1-, 2-, 3-byte) and timestamps round-trip")
    void randomRoundTrip(long seed) {
        Random rnd = new Random(seed);
        int[] csids = {2, 3, 4, 6, 63, 64, 319, 320, 1000, 65599};
        int chunkSize = new int[] {1, 7, 128, 4096, 60000}[rnd.nextInt(5)];
        List<Spec> specs = new ArrayList<>();
        long[] ts = new long[csids.length];
        for (int i = 0; i < 300; i++) {
            int c = rnd.nextInt(csids.length);
            int size = switch (rnd.nextInt(4)) {
                case 0 -> 0;
                case 1 -> rnd.nextInt(200);
                case 2 -> rnd.nextInt(5000);
                default -> rnd.nextInt(70_000);
            };
            ts[c] = switch (rnd.nextInt(6)) {
                case 0 -> ts[c]; // same timestamp
                case 1 -> ts[c] + 0xFFFFFF + rnd.nextInt(3); // extended delta
                case 2 -> Math.max(0, ts[c] - rnd.nextInt(100)); // backwards
                case 3 -> ts[c] + 40; // steady delta: type 3
                default -> ts[c] + rnd.nextInt(1000);
            };
            int typeId = rnd.nextBoolean() ? 9 : 8;
            int msid = rnd.nextInt(10) == 0 ? rnd.nextInt(3) : 1;
            specs.add(new Spec(csids[c], typeId, msid, ts[c], randomBytes(rnd, size)));
        }
        ChunkEncoder encoder = new ChunkEncoder();
        encoder.setChunkSize(chunkSize);
        byte[] wire = encodeAll(encoder, specs);

        ChunkDecoder decoder = new ChunkDecoder(ChunkDecoderConfig.builder().maxChunkSize(65536).build(),
                io.netty.buffer.ByteBufAllocator.DEFAULT);
        decoder.setChunkSize(chunkSize);
        int step = 1 + rnd.nextInt(3000);
        assertDecodedEquals(specs, decodeInSteps(decoder, wire, step));
        assertEquals(wire.length, decoder.bytesRead());
        decoder.close();
    }

    @Test
    @DisplayName("decode byte by byte, interleaved chunk streams with extended timestamps")
    void byteByByteInterleaved() {
        Random rnd = new Random(42);
        List<Spec> specs = List.of(
                new Spec(4, 8, 1, 0, randomBytes(rnd, 300)),
                new Spec(6, 9, 1, 0x1000000, randomBytes(rnd, 1000)), // extended type 0 timestamp
                new Spec(4, 8, 1, 23, randomBytes(rnd, 300)),
                new Spec(6, 9, 1, 0x1000000 + 33, randomBytes(rnd, 1000)),
                new Spec(6, 9, 1, 0x1000000 + 66, randomBytes(rnd, 1000)), // type 3 new message
                new Spec(4, 8, 1, 23 + 0xFFFFFF, randomBytes(rnd, 300))); // extended delta
        // Interleave by hand: encode the messages of both streams chunk by chunk.
        ChunkEncoder encoder = new ChunkEncoder();
        byte[] wire = encodeAll(encoder, specs);
        assertDecodedEquals(specs, decodeInSteps(new ChunkDecoder(), wire, 1));
    }

    @Test
    @DisplayName("chunks of two chunk streams interleaved on the wire reassemble per chunk stream")
    void interleavedChunksOnTheWire() {
        // Two 200-byte messages at chunk size 128: A1 B1 A2 B2.
        byte[] a = new byte[200];
        byte[] b = new byte[200];
        java.util.Arrays.fill(a, (byte) 0xAA);
        java.util.Arrays.fill(b, (byte) 0xBB);
        ByteBuf wire = Unpooled.buffer();
        wire.writeBytes(hex("04 000001 0000c8 08 01000000")).writeBytes(a, 0, 128);
        wire.writeBytes(hex("06 000002 0000c8 09 01000000")).writeBytes(b, 0, 128);
        wire.writeBytes(hex("c4")).writeBytes(a, 128, 72);
        wire.writeBytes(hex("c6")).writeBytes(b, 128, 72);
        List<RtmpMessage> out = new ArrayList<>();
        new ChunkDecoder().decode(wire, out);
        wire.release();
        assertDecodedEquals(List.of(new Spec(4, 8, 1, 1, a), new Spec(6, 9, 1, 2, b)), out);
    }

    @Test
    @DisplayName("encoder picks the most compact header type per chunk stream (§5.3.1.2)")
    void headerTypeChoice() {
        ChunkEncoder enc = new ChunkEncoder();
        ByteBuf out = Unpooled.buffer();
        try {
            assertEquals(ChunkHeaderType.TYPE_0, encode(enc, out, 6, 9, 1, 1000, 10));
            assertEquals(ChunkHeaderType.TYPE_2, encode(enc, out, 6, 9, 1, 1040, 10)); // never type 3 right after type 0
            assertEquals(ChunkHeaderType.TYPE_3, encode(enc, out, 6, 9, 1, 1080, 10));
            assertEquals(ChunkHeaderType.TYPE_2, encode(enc, out, 6, 9, 1, 1100, 10));
            assertEquals(ChunkHeaderType.TYPE_1, encode(enc, out, 6, 9, 1, 1120, 11));
            assertEquals(ChunkHeaderType.TYPE_1, encode(enc, out, 6, 8, 1, 1140, 11));
            assertEquals(ChunkHeaderType.TYPE_0, encode(enc, out, 6, 8, 1, 1000, 11)); // backwards
            assertEquals(ChunkHeaderType.TYPE_0, encode(enc, out, 6, 8, 2, 1000, 11)); // other stream id
            assertEquals(ChunkHeaderType.TYPE_0, encode(enc, out, 7, 8, 2, 1000, 11)); // new chunk stream
            List<RtmpMessage> decoded = new ArrayList<>();
            new ChunkDecoder().decode(out, decoded);
            assertEquals(9, decoded.size());
            assertEquals(List.of(1000L, 1040L, 1080L, 1100L, 1120L, 1140L, 1000L, 1000L, 1000L),
                    decoded.stream().map(RtmpMessage::timestamp).toList());
            releaseAll(decoded);
        } finally {
            out.release();
        }
    }

    private static ChunkHeaderType encode(ChunkEncoder enc, ByteBuf out, int csid, int type, int msid, long ts, int len) {
        RtmpMessage m = new RtmpMessage(csid, type, msid, ts, Unpooled.wrappedBuffer(new byte[len]));
        try {
            return enc.encode(m, out);
        } finally {
            m.release();
        }
    }

    @Test
    @DisplayName("known bytes: basic header forms and extended timestamp on type 3 continuation chunks (§5.3.1.1, §5.3.1.3)")
    void knownBytes() {
        ChunkEncoder enc = new ChunkEncoder();
        enc.setChunkSize(2);
        ByteBuf out = Unpooled.buffer();
        try {
            encode(enc, out, 3, 20, 0, 5, 3);
            assertEquals("03 000005 000003 14 00000000 0000 c3 00", spaced(out, 1, 3, 3, 1, 4, 2, 1, 1));
            out.clear();
            encode(enc, out, 100, 20, 0x01020304, 0x1234567, 1);
            assertEquals("00 24 ffffff 000001 14 04030201 01234567 00", spaced(out, 1, 1, 3, 3, 1, 4, 4, 1));
            out.clear();
            encode(enc, out, 65599, 9, 1, 0x1000000, 3);
            // 3-byte basic header, id - 64 = 65535 little-endian; type 3 continuation repeats the extended timestamp
            assertEquals("01 ffff ffffff 000003 09 01000000 01000000 0000 c1ffff 01000000 00",
                    spaced(out, 1, 2, 3, 3, 1, 4, 4, 2, 3, 4, 1));
        } finally {
            out.release();
        }
    }

    private static String spaced(ByteBuf buf, int... widths) {
        String hex = ByteBufUtil.hexDump(buf);
        StringBuilder sb = new StringBuilder();
        int p = 0;
        for (int w : widths) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(hex, p, Math.min(hex.length(), p + 2 * w));
            p += 2 * w;
        }
        assertEquals(hex.length(), p, "widths cover the buffer: " + hex);
        return sb.toString();
    }

    @Test
    @DisplayName("32-bit timestamp wrap-around is unwrapped into a long")
    void timestampWrapAround() {
        long nearWrap = 0xFFFFFFFFL - 50;
        List<Spec> specs = List.of(
                new Spec(6, 9, 1, nearWrap, new byte[] {1}),
                new Spec(6, 9, 1, nearWrap + 40, new byte[] {2}),
                new Spec(6, 9, 1, nearWrap + 80, new byte[] {3}), // crosses 2^32 by a delta
                new Spec(4, 8, 1, nearWrap + 90, new byte[] {4}), // new chunk stream: type 0 with wrapped value
                new Spec(6, 9, 1, nearWrap + 70, new byte[] {5})); // backwards: type 0 with wrapped value
        byte[] wire = encodeAll(new ChunkEncoder(), specs);
        assertDecodedEquals(specs, decodeInSteps(new ChunkDecoder(), wire, 5));
    }

    @Test
    @DisplayName("SetChunkSize is applied by encoder and decoder right after the message")
    void setChunkSizeAppliedInline() {
        ByteBuf setChunkSize = Unpooled.buffer().writeInt(4096);
        Spec scs = new Spec(2, 1, 0, 0, ByteBufUtil.getBytes(setChunkSize));
        setChunkSize.release();
        Spec big = new Spec(6, 9, 1, 0, randomBytes(new Random(1), 4000));
        ChunkEncoder enc = new ChunkEncoder();
        byte[] wire = encodeAll(enc, List.of(scs, big));
        assertEquals(4096, enc.chunkSize());
        assertEquals(12 + 4 + 12 + 4000, wire.length); // the 4000-byte message is one chunk
        ChunkDecoder dec = new ChunkDecoder();
        assertDecodedEquals(List.of(scs, big), decodeInSteps(dec, wire, wire.length));
        assertEquals(4096, dec.chunkSize());
    }

    @Test
    void abortDropsPartialMessage() {
        ByteBuf wire = Unpooled.buffer();
        wire.writeBytes(hex("06 000000 0000c8 09 01000000")).writeZero(128); // first half of a 200-byte message
        wire.writeBytes(hex("02 000000 000004 02 00000000 00000006")); // Abort chunk stream 6
        wire.writeBytes(hex("06 000000 000001 09 01000000 7f")); // a fresh type 0 message is fine now
        List<RtmpMessage> out = new ArrayList<>();
        new ChunkDecoder().decode(wire, out);
        wire.release();
        assertEquals(2, out.size());
        assertEquals(2, out.get(0).messageTypeId());
        assertEquals(1, out.get(1).length());
        releaseAll(out);
    }

    @Test
    void rtmpMessageValidatesIds() {
        ByteBuf p = Unpooled.EMPTY_BUFFER;
        assertThrows(IllegalArgumentException.class, () -> new RtmpMessage(1, 8, 0, 0, p));
        assertThrows(IllegalArgumentException.class, () -> new RtmpMessage(65600, 8, 0, 0, p));
        assertThrows(IllegalArgumentException.class, () -> new RtmpMessage(3, 256, 0, 0, p));
        assertThrows(IllegalArgumentException.class, () -> new RtmpMessage(3, 8, 0, -1, p));
        assertThrows(IllegalArgumentException.class, () -> new ChunkEncoder().setChunkSize(0));
        assertTrue(ChunkHeaderType.ofFmt(3) == ChunkHeaderType.TYPE_3);
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }
}
