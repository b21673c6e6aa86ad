package io.sluice.webrtc.stun;

import io.netty.buffer.ByteBuf;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.zip.CRC32;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A decoded STUN message: class, method, transaction id and attributes, with MESSAGE-INTEGRITY
 * and FINGERPRINT already checked. Immutable. Build outgoing messages with {@link #builder}.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |0 0|     STUN Message Type     |         Message Length        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Magic Cookie = 0x2112A442                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Transaction ID (96 bits)                     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * then attributes: Type (16) | Length (16) | Value, padded to 4 bytes
 * </pre>
 *
 * <p>Message Length counts the bytes after the 20-byte header and is a multiple of 4.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-5">RFC 8489 §5, §14</a>
 */
public final class StunMessage {
    /** The magic cookie, header bytes 4..7. */
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** Header length in bytes. */
    public static final int HEADER_LENGTH = 20;
    /** XOR constant of FINGERPRINT (ASCII "STUN"), RFC 8489 §14.7. */
    public static final int FINGERPRINT_XOR = 0x5354554e;
    /** Most attributes one message may carry; more is treated as an attack. */
    public static final int MAX_ATTRIBUTES = 64;
    /** Largest USERNAME in bytes (RFC 8489 §14.3: less than 513). */
    public static final int MAX_USERNAME_BYTES = 512;
    /** Largest SOFTWARE value in bytes (RFC 8489 §14.14: less than 763). */
    public static final int MAX_SOFTWARE_BYTES = 762;

    private final StunClass messageClass;
    private final int method;
    private final TransactionId transactionId;
    private final List<StunAttribute> attributes;
    private final List<Integer> unknownRequired;
    private final boolean fingerprint;
    private StunIntegrity integrity = StunIntegrity.ABSENT;

    private StunMessage(StunClass messageClass, int method, TransactionId transactionId,
                        List<StunAttribute> attributes, List<Integer> unknownRequired, boolean fingerprint) {
        this.messageClass = messageClass;
        this.method = method;
        this.transactionId = transactionId;
        this.attributes = attributes;
        this.unknownRequired = unknownRequired;
        this.fingerprint = fingerprint;
    }

    /**
     * Starts an outgoing message.
     *
     * @param messageClass  request, indication or response
     * @param method        the 12-bit method, usually {@link StunMethod#BINDING}
     * @param transactionId the transaction id (a response echoes the request's)
     */
    public static StunMessageBuilder builder(StunClass messageClass, int method, TransactionId transactionId) {
        return new StunMessageBuilder(messageClass, method, transactionId);
    }

    /**
     * Whether {@code datagram} looks like STUN: at least 20 readable bytes, the two top bits zero,
     * the magic cookie in place and a length that is a multiple of 4 (RFC 8489 §6.3, RFC 7983).
     * Cheap; reads without moving the reader index.
     *
     * @param datagram borrowed, not modified
     */
    public static boolean isStun(ByteBuf datagram) {
        int r = datagram.readerIndex();
        return datagram.readableBytes() >= HEADER_LENGTH
                && (datagram.getByte(r) & 0xC0) == 0
                && (datagram.getUnsignedShort(r + 2) & 3) == 0
                && datagram.getInt(r + 4) == MAGIC_COOKIE;
    }

    /**
     * Decodes one STUN message that fills all readable bytes of {@code datagram}, verifying
     * FINGERPRINT (a mismatch throws) and MESSAGE-INTEGRITY / MESSAGE-INTEGRITY-SHA256 (the
     * outcome is {@link #integrity()}). Attributes after MESSAGE-INTEGRITY other than
     * MESSAGE-INTEGRITY-SHA256 and FINGERPRINT are ignored (RFC 8489 §14.5). Unknown
     * comprehension-required attributes are listed in {@link #unknownComprehensionRequired()},
     * unknown comprehension-optional ones are kept in {@link #attributes()}.
     *
     * @param datagram borrowed; its reader index is not moved
     * @param keys     supplies the HMAC key, or null to skip integrity checking (the result is then
     *                 {@link StunIntegrity#NO_KEY} when an integrity attribute is present)
     * @return the message
     * @throws StunProtocolException naming the violation, for any framing or attribute error
     */
    public static StunMessage decode(ByteBuf datagram, StunKeyLookup keys) {
        int len = datagram.readableBytes();
        if (len < HEADER_LENGTH) {
            throw new StunProtocolException("message: " + len + " bytes (expected: >= 20)");
        }
        byte[] raw = new byte[len];
        datagram.getBytes(datagram.readerIndex(), raw);
        return decode(raw, keys);
    }

    /**
     * As {@link #decode(ByteBuf, StunKeyLookup)} for a byte array holding exactly one message.
     *
     * @throws StunProtocolException naming the violation
     */
    public static StunMessage decode(byte[] raw, StunKeyLookup keys) {
        int len = raw.length;
        if (len < HEADER_LENGTH) {
            throw new StunProtocolException("message: " + len + " bytes (expected: >= 20)");
        }
        int type = u16(raw, 0);
        if ((type & 0xC000) != 0) {
            throw new StunProtocolException(String.format("first two bits: %d (expected: 0)", type >>> 14));
        }
        int cookie = (int) u32(raw, 4);
        if (cookie != MAGIC_COOKIE) {
            throw new StunProtocolException(String.format("magic cookie: 0x%08x (expected: 0x2112a442)", cookie));
        }
        int bodyLength = u16(raw, 2);
        if ((bodyLength & 3) != 0) {
            throw new StunProtocolException("message length: " + bodyLength + " (expected: a multiple of 4)");
        }
        if (bodyLength + HEADER_LENGTH != len) {
            throw new StunProtocolException("message length: " + bodyLength + " but datagram carries "
                    + (len - HEADER_LENGTH) + " bytes after the header");
        }
        byte[] tid = new byte[TransactionId.LENGTH];
        System.arraycopy(raw, 8, tid, 0, TransactionId.LENGTH);
        List<StunAttribute> attrs = new ArrayList<>();
        List<Integer> unknown = new ArrayList<>(0);
        int integrityOffset = -1;
        int integritySha256Offset = -1;
        boolean fingerprint = false;
        int pos = HEADER_LENGTH;
        while (pos < len) {
            if (attrs.size() == MAX_ATTRIBUTES) {
                throw new StunProtocolException("attributes: more than " + MAX_ATTRIBUTES);
            }
            if (len - pos < 4) {
                throw new StunProtocolException("attribute header at offset " + pos + ": truncated");
            }
            int at = u16(raw, pos);
            int alen = u16(raw, pos + 2);
            int padded = (alen + 3) & ~3;
            if (pos + 4 + padded > len) {
                throw new StunProtocolException(String.format(
                        "attribute 0x%04x at offset %d: length %d exceeds message (%d bytes)", at, pos, alen, len));
            }
            if (fingerprint) {
                throw new StunProtocolException("FINGERPRINT at offset " + (pos - 8) + " is not the last attribute");
            }
            byte[] value = new byte[alen];
            System.arraycopy(raw, pos + 4, value, 0, alen);
            boolean afterIntegrity = integrityOffset >= 0 || integritySha256Offset >= 0;
            switch (at) {
                case StunAttributeType.MESSAGE_INTEGRITY -> {
                    if (afterIntegrity) {
                        break; // ignored after an integrity attribute
                    }
                    requireLength(at, pos, alen, 20);
                    integrityOffset = pos;
                    attrs.add(new StunAttribute(at, pos, value));
                }
                case StunAttributeType.MESSAGE_INTEGRITY_SHA256 -> {
                    if (integritySha256Offset >= 0) {
                        break;
                    }
                    if (alen < 16 || alen > 32 || (alen & 3) != 0) {
                        throw new StunProtocolException("MESSAGE-INTEGRITY-SHA256 at offset " + pos + ": length "
                                + alen + " (expected: 16..32, multiple of 4)");
                    }
                    integritySha256Offset = pos;
                    attrs.add(new StunAttribute(at, pos, value));
                }
                case StunAttributeType.FINGERPRINT -> {
                    requireLength(at, pos, alen, 4);
                    CRC32 crc = new CRC32();
                    // The length field already covers the FINGERPRINT because it must be last.
                    crc.update(raw, 0, pos);
                    int expected = (int) crc.getValue() ^ FINGERPRINT_XOR;
                    int actual = (int) u32(raw, pos + 4);
                    if (expected != actual) {
                        throw new StunProtocolException(String.format(
                                "FINGERPRINT at offset %d: 0x%08x (expected: 0x%08x)", pos, actual, expected));
                    }
                    fingerprint = true;
                    attrs.add(new StunAttribute(at, pos, value));
                }
                default -> {
                    if (afterIntegrity) {
                        break;
                    }
                    validate(at, pos, value);
                    if (StunAttributeType.isComprehensionRequired(at) && !StunAttributeType.isKnown(at)) {
                        unknown.add(at);
                    }
                    attrs.add(new StunAttribute(at, pos, value));
                }
            }
            pos += 4 + padded;
        }
        StunMessage m = new StunMessage(StunClass.ofMessageType(type), StunClass.methodOf(type),
                TransactionId.wrap(tid), Collections.unmodifiableList(attrs),
                Collections.unmodifiableList(unknown), fingerprint);
        if (integrityOffset >= 0 || integritySha256Offset >= 0) {
            byte[] key = keys == null ? null : keys.integrityKey(m);
            if (key == null) {
                m.integrity = StunIntegrity.NO_KEY;
            } else {
                boolean ok = true;
                if (integrityOffset >= 0) {
                    byte[] mac = hmac("HmacSHA1", key, raw, integrityOffset, 20);
                    ok = MessageDigest.isEqual(mac, m.attribute(StunAttributeType.MESSAGE_INTEGRITY));
                }
                if (integritySha256Offset >= 0) {
                    byte[] expected = m.attribute(StunAttributeType.MESSAGE_INTEGRITY_SHA256);
                    byte[] mac = hmac("HmacSHA256", key, raw, integritySha256Offset, expected.length);
                    ok &= MessageDigest.isEqual(java.util.Arrays.copyOf(mac, expected.length), expected);
                }
                m.integrity = ok ? StunIntegrity.VALID : StunIntegrity.INVALID;
            }
        }
        return m;
    }

    /**
     * HMAC over {@code raw[0..attrOffset)} with the header length rewritten to end right after the
     * integrity attribute, as RFC 8489 §14.5/§14.6 specify.
     */
    static byte[] hmac(String algorithm, byte[] key, byte[] raw, int attrOffset, int valueLength) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, algorithm));
            int adjusted = attrOffset + 4 + valueLength - HEADER_LENGTH;
            mac.update(raw, 0, 2);
            mac.update((byte) (adjusted >>> 8));
            mac.update((byte) adjusted);
            mac.update(raw, 4, attrOffset - 4);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " unavailable", e);
        }
    }

    private static void requireLength(int type, int pos, int actual, int expected) {
        if (actual != expected) {
            throw new StunProtocolException(StunAttributeType.name(type) + " at offset " + pos + ": length "
                    + actual + " (expected: " + expected + ")");
        }
    }

    private static void validate(int type, int pos, byte[] v) {
        switch (type) {
            case StunAttributeType.MAPPED_ADDRESS, StunAttributeType.XOR_MAPPED_ADDRESS,
                    StunAttributeType.ALTERNATE_SERVER -> {
                if (v.length < 4) {
                    throw new StunProtocolException(StunAttributeType.name(type) + " at offset " + pos
                            + ": length " + v.length + " (expected: 8 or 20)");
                }
                int family = v[1] & 0xFF;
                int expected = family == 1 ? 8 : family == 2 ? 20 : -1;
                if (expected < 0) {
                    throw new StunProtocolException(StunAttributeType.name(type) + " at offset " + pos
                            + ": address family " + family + " (expected: 1 (IPv4) or 2 (IPv6))");
                }
                requireLength(type, pos, v.length, expected);
            }
            case StunAttributeType.USERNAME -> {
                if (v.length > MAX_USERNAME_BYTES) {
                    throw new StunProtocolException("USERNAME at offset " + pos + ": " + v.length
                            + " bytes (expected: <= " + MAX_USERNAME_BYTES + ")");
                }
            }
            case StunAttributeType.SOFTWARE -> {
                if (v.length > MAX_SOFTWARE_BYTES) {
                    throw new StunProtocolException("SOFTWARE at offset " + pos + ": " + v.length
                            + " bytes (expected: <= " + MAX_SOFTWARE_BYTES + ")");
                }
            }
            case StunAttributeType.ERROR_CODE -> {
                if (v.length < 4 || v.length > 4 + StunErrorCode.MAX_REASON_BYTES) {
                    throw new StunProtocolException("ERROR-CODE at offset " + pos + ": length " + v.length
                            + " (expected: 4..767)");
                }
                int cls = v[2] & 0x07;
                int number = v[3] & 0xFF;
                if (cls < 3 || cls > 6 || number > 99) {
                    throw new StunProtocolException("ERROR-CODE at offset " + pos + ": class " + cls + " number "
                            + number + " (expected: class 3..6, number 0..99)");
                }
            }
            case StunAttributeType.UNKNOWN_ATTRIBUTES -> {
                if ((v.length & 1) != 0) {
                    throw new StunProtocolException("UNKNOWN-ATTRIBUTES at offset " + pos + ": length " + v.length
                            + " (expected: even)");
                }
            }
            case StunAttributeType.PRIORITY -> requireLength(type, pos, v.length, 4);
            case StunAttributeType.USE_CANDIDATE -> requireLength(type, pos, v.length, 0);
            case StunAttributeType.ICE_CONTROLLED, StunAttributeType.ICE_CONTROLLING ->
                    requireLength(type, pos, v.length, 8);
            default -> {
                // kept as is
            }
        }
    }

    static int u16(byte[] b, int off) {
        return ((b[off] & 0xFF) << 8) | (b[off + 1] & 0xFF);
    }

    static long u32(byte[] b, int off) {
        return ((long) u16(b, off) << 16) | u16(b, off + 2);
    }

    static long u64(byte[] b, int off) {
        return (u32(b, off) << 32) | u32(b, off + 4);
    }

    /** Request, indication, success or error response. */
    public StunClass messageClass() {
        return messageClass;
    }

    /** The 12-bit method, e.g. {@link StunMethod#BINDING}. */
    public int method() {
        return method;
    }

    /** Whether this is a Binding request. */
    public boolean isBindingRequest() {
        return messageClass == StunClass.REQUEST && method == StunMethod.BINDING;
    }

    /** The 96-bit transaction id. */
    public TransactionId transactionId() {
        return transactionId;
    }

    /** Every attribute in wire order (those ignored after MESSAGE-INTEGRITY excluded). */
    public List<StunAttribute> attributes() {
        return attributes;
    }

    /** Unknown comprehension-required attribute types, in wire order; a request carrying any is answered with 420. */
    public List<Integer> unknownComprehensionRequired() {
        return unknownRequired;
    }

    /** Outcome of the integrity check done while decoding. */
    public StunIntegrity integrity() {
        return integrity;
    }

    /** Whether a FINGERPRINT was present (and, since decoding succeeded, correct). */
    public boolean hasFingerprint() {
        return fingerprint;
    }

    /** The value of the first attribute of {@code type}, or null (the array is shared; do not modify). */
    public byte[] attribute(int type) {
        for (StunAttribute a : attributes) {
            if (a.type() == type) {
                return a.value();
            }
        }
        return null;
    }

    /** Whether an attribute of {@code type} is present. */
    public boolean has(int type) {
        return attribute(type) != null;
    }

    /** USERNAME as UTF-8 text. */
    public Optional<String> username() {
        return string(StunAttributeType.USERNAME);
    }

    /** SOFTWARE as UTF-8 text. */
    public Optional<String> software() {
        return string(StunAttributeType.SOFTWARE);
    }

    private Optional<String> string(int type) {
        byte[] v = attribute(type);
        return v == null ? Optional.empty() : Optional.of(new String(v, StandardCharsets.UTF_8));
    }

    /** PRIORITY, 0..2^32-1. */
    public OptionalLong priority() {
        byte[] v = attribute(StunAttributeType.PRIORITY);
        return v == null ? OptionalLong.empty() : OptionalLong.of(u32(v, 0));
    }

    /** Whether USE-CANDIDATE is present. */
    public boolean useCandidate() {
        return has(StunAttributeType.USE_CANDIDATE);
    }

    /** The tie-breaker of ICE-CONTROLLING (64 bits, unsigned, compare with {@link Long#compareUnsigned}). */
    public OptionalLong iceControlling() {
        byte[] v = attribute(StunAttributeType.ICE_CONTROLLING);
        return v == null ? OptionalLong.empty() : OptionalLong.of(u64(v, 0));
    }

    /** The tie-breaker of ICE-CONTROLLED (64 bits, unsigned). */
    public OptionalLong iceControlled() {
        byte[] v = attribute(StunAttributeType.ICE_CONTROLLED);
        return v == null ? OptionalLong.empty() : OptionalLong.of(u64(v, 0));
    }

    /** XOR-MAPPED-ADDRESS, de-obfuscated with the magic cookie (and transaction id for IPv6). */
    public Optional<InetSocketAddress> xorMappedAddress() {
        byte[] v = attribute(StunAttributeType.XOR_MAPPED_ADDRESS);
        if (v == null) {
            return Optional.empty();
        }
        byte[] x = v.clone();
        byte[] mask = xorMask(transactionId);
        x[2] ^= mask[0];
        x[3] ^= mask[1];
        for (int i = 4; i < x.length; i++) {
            x[i] ^= mask[i - 4];
        }
        return Optional.of(address(x));
    }

    /** MAPPED-ADDRESS (in the clear). */
    public Optional<InetSocketAddress> mappedAddress() {
        byte[] v = attribute(StunAttributeType.MAPPED_ADDRESS);
        return v == null ? Optional.empty() : Optional.of(address(v));
    }

    /** ERROR-CODE. */
    public Optional<StunErrorCode> errorCode() {
        byte[] v = attribute(StunAttributeType.ERROR_CODE);
        if (v == null) {
            return Optional.empty();
        }
        int code = (v[2] & 0x07) * 100 + (v[3] & 0xFF);
        return Optional.of(new StunErrorCode(code, new String(v, 4, v.length - 4, StandardCharsets.UTF_8)));
    }

    /** The types listed in UNKNOWN-ATTRIBUTES (empty if absent). */
    public int[] unknownAttributes() {
        byte[] v = attribute(StunAttributeType.UNKNOWN_ATTRIBUTES);
        if (v == null) {
            return new int[0];
        }
        int[] types = new int[v.length / 2];
        for (int i = 0; i < types.length; i++) {
            types[i] = u16(v, 2 * i);
        }
        return types;
    }

    /** Cookie followed by the transaction id: the XOR mask of XOR-MAPPED-ADDRESS (16 bytes). */
    static byte[] xorMask(TransactionId tid) {
        byte[] mask = new byte[16];
        mask[0] = 0x21;
        mask[1] = 0x12;
        mask[2] = (byte) 0xA4;
        mask[3] = 0x42;
        System.arraycopy(tid.bytes(), 0, mask, 4, 12);
        return mask;
    }

    private static InetSocketAddress address(byte[] v) {
        int port = u16(v, 2);
        byte[] ip = java.util.Arrays.copyOfRange(v, 4, v.length);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new StunProtocolException("address: " + ip.length + " bytes (expected: 4 or 16)");
        }
    }

    @Override
    public String toString() {
        return "StunMessage(" + messageClass + String.format(" method=0x%03x", method) + " tid=" + transactionId
                + " " + attributes + ", integrity=" + integrity + ")";
    }
}
