package io.sluice.webrtc.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StunMessageTest {
    private static final byte[] KEY = "pwd-pwd-pwd-pwd-pwd-pwd".getBytes(StandardCharsets.UTF_8);
    private final Random random = new Random(7);

    private StunMessageBuilder request() {
        return StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, TransactionId.random(random));
    }

    private static StunMessage roundTrip(StunMessageBuilder b, StunKeyLookup keys) {
        ByteBuf buf = b.encode(ByteBufAllocator.DEFAULT);
        try {
            return StunMessage.decode(buf, keys);
        } finally {
            buf.release();
        }
    }

    @Test
    void iceCheckRoundTrip() {
        StunMessage m = roundTrip(request().username("abcd:efgh").priority(0xFFFFFFFFL).iceControlling(-2L)
                .useCandidate().messageIntegrity(KEY).fingerprint(), msg -> KEY);
        assertTrue(m.isBindingRequest());
        assertEquals("abcd:efgh", m.username().orElseThrow());
        assertEquals(0xFFFFFFFFL, m.priority().getAsLong());
        assertEquals(-2L, m.iceControlling().getAsLong());
        assertFalse(m.iceControlled().isPresent());
        assertTrue(m.useCandidate());
        assertEquals(StunIntegrity.VALID, m.integrity());
        assertTrue(m.hasFingerprint());
    }

    @Test
    void messageIntegritySha256AndIpv6() throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("fe80::1"), 1);
        StunMessage m = roundTrip(StunMessage.builder(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING,
                TransactionId.random(random)).xorMappedAddress(a).mappedAddress(a).messageIntegrity(KEY)
                .messageIntegritySha256(KEY).fingerprint(), msg -> KEY);
        assertEquals(StunIntegrity.VALID, m.integrity());
        assertEquals(a, m.xorMappedAddress().orElseThrow());
        assertEquals(a, m.mappedAddress().orElseThrow());
        assertEquals(StunIntegrity.INVALID, roundTrip(StunMessage.builder(StunClass.SUCCESS_RESPONSE,
                StunMethod.BINDING, TransactionId.random(random)).messageIntegritySha256(KEY), msg -> new byte[] {1})
                .integrity());
    }

    @Test
    void errorResponseWithUnknownAttributes() {
        StunMessage m = roundTrip(StunMessage.builder(StunClass.ERROR_RESPONSE, StunMethod.BINDING,
                TransactionId.random(random)).errorCode(StunErrorCode.UNKNOWN_ATTRIBUTE)
                .unknownAttributes(List.of(0x7777, 0x0042)), null);
        assertEquals(StunClass.ERROR_RESPONSE, m.messageClass());
        assertEquals(StunErrorCode.UNKNOWN_ATTRIBUTE, m.errorCode().orElseThrow());
        assertArrayEquals(new int[] {0x7777, 0x0042}, m.unknownAttributes());
        assertEquals(StunIntegrity.ABSENT, m.integrity());
    }

    @Test
    void unknownAttributesKeptOrListed() {
        StunMessage m = roundTrip(request().attribute(0xC001, new byte[] {1, 2, 3}).attribute(0x7001, new byte[0]),
                null);
        assertEquals(List.of(0x7001), m.unknownComprehensionRequired());
        assertArrayEquals(new byte[] {1, 2, 3}, m.attribute(0xC001));
    }

    @Test
    void attributesAfterIntegrityAreIgnored() {
        byte[] raw = request().messageIntegrity(KEY).toByteArray();
        // Append a SOFTWARE attribute after MESSAGE-INTEGRITY and fix the length.
        byte[] longer = java.util.Arrays.copyOf(raw, raw.length + 8);
        longer[raw.length] = (byte) 0x80;
        longer[raw.length + 1] = 0x22;
        longer[raw.length + 3] = 4;
        longer[3] = (byte) (longer.length - 20);
        StunMessage m = StunMessage.decode(longer, msg -> KEY);
        assertFalse(m.software().isPresent());
        assertEquals(StunIntegrity.VALID, m.integrity());
    }

    @Test
    void classAndMethodBits() {
        for (StunClass c : StunClass.values()) {
            int type = c.messageType(0xABC);
            assertEquals(c, StunClass.ofMessageType(type));
            assertEquals(0xABC, StunClass.methodOf(type));
        }
        assertEquals(0x0001, StunClass.REQUEST.messageType(StunMethod.BINDING));
        assertEquals(0x0101, StunClass.SUCCESS_RESPONSE.messageType(StunMethod.BINDING));
        assertEquals(0x0111, StunClass.ERROR_RESPONSE.messageType(StunMethod.BINDING));
    }

    @Test
    void malformedInputNamesTheProblem() {
        byte[] ok = request().username("a:b").fingerprint().toByteArray();
        assertMessage("message: 19 bytes (expected: >= 20)", java.util.Arrays.copyOf(ok, 19));

        byte[] cookie = ok.clone();
        cookie[4] = 0;
        assertMessage("magic cookie: 0x0012a442 (expected: 0x2112a442)", cookie);

        byte[] topBits = ok.clone();
        topBits[0] |= (byte) 0x80;
        assertMessage("first two bits: 2 (expected: 0)", topBits);

        byte[] trailing = java.util.Arrays.copyOf(ok, ok.length + 4);
        assertMessage("message length: 16 but datagram carries 20 bytes after the header", trailing);

        byte[] fp = ok.clone();
        fp[fp.length - 1] ^= 1;
        assertTrue(assertThrows(StunProtocolException.class, () -> StunMessage.decode(fp, null)).getMessage()
                .startsWith("FINGERPRINT at offset 28: "));

        byte[] longAttr = ok.clone();
        longAttr[23] = 100; // USERNAME length
        assertMessage("attribute 0x0006 at offset 20: length 100 exceeds message (36 bytes)", longAttr);

        byte[] notLast = request().fingerprint().toByteArray();
        byte[] after = java.util.Arrays.copyOf(notLast, notLast.length + 4);
        after[3] = (byte) (after.length - 20);
        after[after.length - 4] = (byte) 0x80;
        after[after.length - 3] = 0x22;
        // The CRC no longer matches the new length either way; FINGERPRINT fails first.
        assertThrows(StunProtocolException.class, () -> StunMessage.decode(after, null));

        byte[] badPriority = request().attribute(StunAttributeType.PRIORITY, new byte[3]).toByteArray();
        assertMessage("PRIORITY at offset 20: length 3 (expected: 4)", badPriority);

        byte[] badFamily = request().attribute(StunAttributeType.XOR_MAPPED_ADDRESS, new byte[8]).toByteArray();
        assertMessage("XOR-MAPPED-ADDRESS at offset 20: address family 0 (expected: 1 (IPv4) or 2 (IPv6))", badFamily);

        byte[] badError = request().attribute(StunAttributeType.ERROR_CODE, new byte[] {0, 0, 7, 0}).toByteArray();
        assertMessage("ERROR-CODE at offset 20: class 7 number 0 (expected: class 3..6, number 0..99)", badError);

        StunMessageBuilder many = request();
        for (int i = 0; i < StunMessage.MAX_ATTRIBUTES + 1; i++) {
            many.attribute(0x8100, new byte[0]);
        }
        assertMessage("attributes: more than 64", many.toByteArray());
    }

    private static void assertMessage(String expected, byte[] raw) {
        assertEquals(expected, assertThrows(StunProtocolException.class, () -> StunMessage.decode(raw, null))
                .getMessage());
    }

    @Test
    void builderRejectsBadArguments() {
        assertEquals("priority: -1 (expected: 0..4294967295)",
                assertThrows(IllegalArgumentException.class, () -> request().priority(-1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> request().attribute(StunAttributeType.FINGERPRINT, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> request().username("x".repeat(513)));
        assertThrows(IllegalArgumentException.class, () -> new StunErrorCode(200, ""));
        assertThrows(IllegalArgumentException.class, () -> TransactionId.of(new byte[11]));
    }
}
