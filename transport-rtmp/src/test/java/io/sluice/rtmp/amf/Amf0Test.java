package io.sluice.rtmp.amf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class Amf0Test {

    private static byte[] encode(Object... values) {
        ByteBuf buf = Unpooled.buffer();
        try {
            Amf0Encoder.writeAll(buf, values);
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private static List<Object> decode(byte[] bytes) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes);
        try {
            List<Object> values = Amf0.readAll(buf);
            assertFalse(buf.isReadable());
            return values;
        } finally {
            buf.release();
        }
    }

    private static Object roundTrip(Object value) {
        List<Object> out = decode(encode(value));
        assertEquals(1, out.size());
        return out.get(0);
    }

    private static RtmpProtocolException decodeFails(String hex) {
        return assertThrows(RtmpProtocolException.class, () -> decode(hex(hex)));
    }

    @Test
    void scalarsRoundTrip() {
        assertEquals(0.0, roundTrip(0.0));
        assertEquals(-1.5, roundTrip(-1.5));
        assertEquals(42.0, roundTrip(42)); // any Number is written as a double
        assertEquals(Double.MAX_VALUE, roundTrip(Double.MAX_VALUE));
        assertTrue(Double.isNaN((Double) roundTrip(Double.NaN)));
        assertEquals(true, roundTrip(true));
        assertEquals(false, roundTrip(false));
        assertEquals("", roundTrip(""));
        assertEquals("héllo ✓ 🎥", roundTrip("héllo ✓ 🎥"));
        assertNull(roundTrip(null));
        assertSame(Amf0.UNDEFINED, roundTrip(Amf0.UNDEFINED));
        Instant t = Instant.ofEpochMilli(1_700_000_000_123L);
        assertEquals(t, roundTrip(t));
    }

    @Test
    void longStringAbove65535Bytes() {
        String s = "x".repeat(70_000);
        byte[] bytes = encode(s);
        assertEquals(Amf0.LONG_STRING, bytes[0]);
        assertEquals(1 + 4 + 70_000, bytes.length);
        assertEquals(s, roundTrip(s));
        String exact = "y".repeat(0xFFFF);
        assertEquals(Amf0.STRING, encode(exact)[0]);
        assertEquals(exact, roundTrip(exact));
    }

    @Test
    void containersRoundTripInOrder() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("z", 1.0);
        inner.put("a", List.of("p", 2.0, false));
        inner.put("n", null);
        Amf0.EcmaArray meta = new Amf0.EcmaArray();
        meta.put("width", 1280.0);
        meta.put("nested", inner);
        meta.put("u", Amf0.UNDEFINED);
        List<Object> list = new ArrayList<>(Arrays.asList(meta, inner, List.of(), Map.of(), null));

        Object back = roundTrip(list);
        assertEquals(list, back);
        @SuppressWarnings("unchecked")
        List<Object> l = (List<Object>) back;
        assertInstanceOf(Amf0.EcmaArray.class, l.get(0));
        assertInstanceOf(LinkedHashMap.class, l.get(1));
        assertFalse(l.get(1) instanceof Amf0.EcmaArray);
        assertEquals(List.of("z", "a", "n"), new ArrayList<>(((Map<?, ?>) l.get(1)).keySet()));
    }

    @Test
    void knownEncodings() {
        assertArrayEquals(hex("00 3ff0000000000000"), encode(1.0));
        assertArrayEquals(hex("0101"), encode(true));
        assertArrayEquals(hex("02 0003 616263"), encode("abc"));
        assertArrayEquals(hex("05"), encode((Object) null));
        assertArrayEquals(hex("06"), encode(Amf0.UNDEFINED));
        assertArrayEquals(hex("03 0001 61 0101 000009"), encode(Map.of("a", true)));
        Amf0.EcmaArray ecma = new Amf0.EcmaArray();
        ecma.put("a", null);
        assertArrayEquals(hex("08 00000001 0001 61 05 000009"), encode(ecma));
        assertArrayEquals(hex("0a 00000002 0101 0100"), encode(List.of(true, false)));
        assertArrayEquals(hex("0b 0000000000000000 0000"), encode(Instant.EPOCH));
    }

    /**
     * The {@code connect} command as ffmpeg's rtmpproto.c sends it when publishing (gen_connect):
     * "connect", transaction 1, then an Object with app, type, flashVer and tcUrl. Expected bytes
     * assembled by hand from AMF0 §2.2, §2.4, §2.5.
     */
    @Test
    @DisplayName("connect command as ffmpeg sends it (AMF0 §2.2/2.4/2.5)")
    void connectCommandAsFfmpegSendsIt() {
        ByteArrayOutputStream exp = new ByteArrayOutputStream();
        exp.writeBytes(hex("02 0007")); // String marker, length 7
        exp.writeBytes(ascii("connect"));
        exp.writeBytes(hex("00 3ff0000000000000")); // Number 1.0
        exp.writeBytes(hex("03")); // Object marker
        prop(exp, "app", "live");
        prop(exp, "type", "nonprivate");
        prop(exp, "flashVer", "FMLE/3.0 (compatible; Lavf61.7.100)");
        prop(exp, "tcUrl", "rtmp://127.0.0.1:1935/live");
        exp.writeBytes(hex("0000 09")); // empty key + Object End

        Map<String, Object> cmd = new LinkedHashMap<>();
        cmd.put("app", "live");
        cmd.put("type", "nonprivate");
        cmd.put("flashVer", "FMLE/3.0 (compatible; Lavf61.7.100)");
        cmd.put("tcUrl", "rtmp://127.0.0.1:1935/live");
        assertArrayEquals(exp.toByteArray(), encode("connect", 1, cmd));
        assertEquals(List.of("connect", 1.0, cmd), decode(exp.toByteArray()));
    }

    private static void prop(ByteArrayOutputStream out, String key, String value) {
        out.write(0);
        out.write(key.length());
        out.writeBytes(ascii(key));
        out.write(Amf0.STRING);
        out.write(0);
        out.write(value.length());
        out.writeBytes(ascii(value));
    }

    @Test
    void rejectsUnsupportedMarkers() {
        assertTrue(decodeFails("07 0001").getMessage().contains("Reference (0x07)"));
        assertTrue(decodeFails("11 00").getMessage().contains("AMF3"));
        assertTrue(decodeFails("04").getMessage().contains("0x04"));
        assertTrue(decodeFails("10 0001 61 000009").getMessage().contains("0x10"));
        assertTrue(decodeFails("ff").getMessage().contains("0xff"));
        assertTrue(decodeFails("09").getMessage().contains("Object End"));
    }

    @Test
    void rejectsTruncatedInputWithOffset() {
        RtmpProtocolException e = decodeFails("02 0005 6162");
        assertEquals("AMF0: truncated String (need 5 bytes, have 2) at offset 3", e.getMessage());
        decodeFails("00 3ff0");
        decodeFails("01");
        decodeFails("03 0001 61");
        decodeFails("03 0001 61 0101");
        decodeFails("03 0000");
        decodeFails("0c 7fffffff 00");
        decodeFails("0b 00");
        assertTrue(decodeFails("03 0000 05").getMessage().contains("expected: Object End"));
    }

    @Test
    void boundsCountsByRemainingBytes() {
        RtmpProtocolException e = decodeFails("0a ffffffff 05");
        assertEquals("AMF0: Strict Array count: 4294967295 (expected: <= 1, the bytes remaining) at offset 5", e.getMessage());
        // An ECMA array count is only a hint: a lying count does not allocate, the end marker ends it.
        assertEquals(new Amf0.EcmaArray(), decode(hex("08 7fffffff 000009")).get(0));
    }

    @Test
    void boundsNestingDepth() {
        // 32 nested strict arrays are fine, 33 are not.
        assertEquals(1, decode(nestedArrays(32)).size());
        RtmpProtocolException e = decodeFails(HexFormat.of().formatHex(nestedArrays(33)));
        assertTrue(e.getMessage().contains("nesting depth: 33 (expected: <= 32)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Amf0Decoder(0));
    }

    private static byte[] nestedArrays(int depth) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < depth; i++) {
            out.writeBytes(hex("0a 00000001"));
        }
        out.write(Amf0.NULL);
        return out.toByteArray();
    }

    @Test
    void encoderRejectsUnknownTypesAndCycles() {
        assertThrows(IllegalArgumentException.class, () -> encode(new Object()));
        assertThrows(IllegalArgumentException.class, () -> encode(Map.of(1, "x")));
        List<Object> cycle = new ArrayList<>();
        cycle.add(cycle);
        assertThrows(IllegalArgumentException.class, () -> encode(cycle));
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
