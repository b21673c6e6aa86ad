package io.sluice.webrtc.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** RFC 5769 sample messages, read from {@code ../shared/vectors/stun-rfc5769.json}. */
class StunRfc5769VectorsTest {
    private static final String PASSWORD = "VOkJxbRl1RmTxUk/WvJxBt";
    private static final byte[] KEY = PASSWORD.getBytes(StandardCharsets.UTF_8);
    private static final Map<String, byte[]> HEX = new HashMap<>();

    @BeforeAll
    static void load() throws IOException {
        Path file = Path.of(System.getProperty("sluice.shared.dir", "../../shared"), "vectors", "stun-rfc5769.json");
        String json = Files.readString(file);
        Matcher m = Pattern.compile("\"rfc_section\":\\s*\"(2\\.\\d)\"[\\s\\S]*?\"hex\":\\s*\"([0-9a-f]+)\"").matcher(json);
        while (m.find()) {
            HEX.put(m.group(1), HexFormat.of().parseHex(m.group(2)));
        }
        assertEquals(4, HEX.size(), "vectors in " + file);
    }

    private static StunMessage decode(byte[] raw, StunKeyLookup keys) {
        ByteBuf buf = Unpooled.wrappedBuffer(raw);
        try {
            StunMessage msg = StunMessage.decode(buf, keys);
            assertEquals(0, buf.readerIndex());
            return msg;
        } finally {
            buf.release();
        }
    }

    @Test
    @DisplayName("RFC 5769 §2.1 Sample Request: parses, integrity and fingerprint verify, re-encodes byte for byte")
    void sampleRequest() {
        byte[] raw = HEX.get("2.1");
        StunMessage msg = decode(raw, m -> {
            assertEquals("evtj:h6vY", m.username().orElseThrow());
            return KEY;
        });
        assertTrue(StunMessage.isStun(Unpooled.wrappedBuffer(raw)));
        assertTrue(msg.isBindingRequest());
        assertEquals("b7e7a701bc34d686fa87dfae", msg.transactionId().toString());
        assertEquals("STUN test client", msg.software().orElseThrow());
        assertEquals(0x6e0001ffL, msg.priority().getAsLong());
        assertEquals(0x932ff9b151263b36L, msg.iceControlled().getAsLong());
        assertEquals(StunIntegrity.VALID, msg.integrity());
        assertTrue(msg.hasFingerprint());
        assertTrue(msg.unknownComprehensionRequired().isEmpty());

        byte[] again = StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, msg.transactionId())
                .padding((byte) 0x20)
                .software("STUN test client")
                .priority(0x6e0001ffL)
                .iceControlled(0x932ff9b151263b36L)
                .username("evtj:h6vY")
                .messageIntegrity(KEY)
                .fingerprint()
                .toByteArray();
        assertArrayEquals(raw, again);
    }

    @Test
    @DisplayName("RFC 5769 §2.1 Sample Request: a wrong password gives INVALID, a missing key NO_KEY")
    void sampleRequestWrongKey() {
        byte[] raw = HEX.get("2.1");
        assertEquals(StunIntegrity.INVALID, decode(raw, m -> "wrong".getBytes(StandardCharsets.UTF_8)).integrity());
        assertEquals(StunIntegrity.NO_KEY, decode(raw, m -> null).integrity());
    }

    @Test
    @DisplayName("RFC 5769 §2.2 Sample IPv4 Response: XOR-MAPPED-ADDRESS 192.0.2.1:32853, re-encodes")
    void sampleIpv4Response() throws Exception {
        byte[] raw = HEX.get("2.2");
        StunMessage msg = decode(raw, m -> KEY);
        assertEquals(StunClass.SUCCESS_RESPONSE, msg.messageClass());
        assertEquals(StunIntegrity.VALID, msg.integrity());
        assertTrue(msg.hasFingerprint());
        InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853);
        assertEquals(mapped, msg.xorMappedAddress().orElseThrow());
        assertEquals("test vector", msg.software().orElseThrow());

        byte[] again = StunMessage.builder(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, msg.transactionId())
                .padding((byte) 0x20)
                .software("test vector")
                .xorMappedAddress(mapped)
                .messageIntegrity(KEY)
                .fingerprint()
                .toByteArray();
        assertArrayEquals(raw, again);
    }

    @Test
    @DisplayName("RFC 5769 §2.3 Sample IPv6 Response: XOR-MAPPED-ADDRESS [2001:db8:1234:5678:11:2233:4455:6677]:32853, re-encodes")
    void sampleIpv6Response() throws Exception {
        byte[] raw = HEX.get("2.3");
        StunMessage msg = decode(raw, m -> KEY);
        assertEquals(StunIntegrity.VALID, msg.integrity());
        InetSocketAddress mapped = new InetSocketAddress(
                InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853);
        assertEquals(mapped, msg.xorMappedAddress().orElseThrow());

        byte[] again = StunMessage.builder(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING, msg.transactionId())
                .padding((byte) 0x20)
                .software("test vector")
                .xorMappedAddress(mapped)
                .messageIntegrity(KEY)
                .fingerprint()
                .toByteArray();
        assertArrayEquals(raw, again);
    }

    @Test
    @DisplayName("RFC 5769 §2.4 Sample Request with Long-Term Authentication: MD5(user:realm:pass) key verifies, re-encodes")
    void sampleLongTermRequest() throws Exception {
        byte[] raw = HEX.get("2.4");
        String username = "\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9";
        byte[] key = MessageDigest.getInstance("MD5")
                .digest((username + ":example.org:TheMatrIX").getBytes(StandardCharsets.UTF_8));
        StunMessage msg = decode(raw, m -> key);
        assertEquals(StunIntegrity.VALID, msg.integrity());
        assertFalse(msg.hasFingerprint());
        assertEquals(username, msg.username().orElseThrow());
        byte[] nonce = msg.attribute(StunAttributeType.NONCE);
        byte[] realm = msg.attribute(StunAttributeType.REALM);
        assertEquals("f//499k954d6OL34oL9FSTvy64sA", new String(nonce, StandardCharsets.US_ASCII));
        assertEquals("example.org", new String(realm, StandardCharsets.US_ASCII));

        byte[] again = StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, msg.transactionId())
                .username(username)
                .attribute(StunAttributeType.NONCE, nonce)
                .attribute(StunAttributeType.REALM, realm)
                .messageIntegrity(key)
                .toByteArray();
        assertArrayEquals(raw, again);
    }
}
