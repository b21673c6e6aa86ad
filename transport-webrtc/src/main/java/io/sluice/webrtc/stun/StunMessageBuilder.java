package io.sluice.webrtc.stun;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Builds and encodes an outgoing STUN message. Attributes are written in the order added, then
 * MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT when requested (RFC 8489 §14.5–§14.7).
 * Not thread-safe; one builder per message.
 *
 * <pre>{@code
 * ByteBuf out = StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, TransactionId.random(rnd))
 *         .username(remoteUfrag + ":" + localUfrag)
 *         .priority(priority)
 *         .iceControlling(tieBreaker)
 *         .useCandidate()
 *         .messageIntegrity(remotePwd.getBytes(UTF_8))
 *         .fingerprint()
 *         .encode(alloc);   // caller owns out
 * }</pre>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-6">RFC 8489 §6</a>
 */
public final class StunMessageBuilder {
    private final int messageType;
    private final TransactionId transactionId;
    private final List<Integer> types = new ArrayList<>();
    private final List<byte[]> values = new ArrayList<>();
    private byte[] integrityKey;
    private byte[] integritySha256Key;
    private boolean fingerprint;
    private byte padding;

    StunMessageBuilder(StunClass messageClass, int method, TransactionId transactionId) {
        this.messageType = Objects.requireNonNull(messageClass, "messageClass").messageType(method);
        this.transactionId = Objects.requireNonNull(transactionId, "transactionId");
    }

    /**
     * Adds an attribute as raw bytes (for REALM, NONCE, comprehension-optional extensions).
     *
     * @param type  0..0xFFFF; not MESSAGE-INTEGRITY(-SHA256) or FINGERPRINT, which have their own methods
     * @param value the value without padding, at most 65535 bytes (not copied; do not modify)
     * @throws IllegalArgumentException if type or length is out of range
     */
    public StunMessageBuilder attribute(int type, byte[] value) {
        if (type < 0 || type > 0xFFFF) {
            throw new IllegalArgumentException("type: " + type + " (expected: 0..65535)");
        }
        if (type == StunAttributeType.MESSAGE_INTEGRITY || type == StunAttributeType.MESSAGE_INTEGRITY_SHA256
                || type == StunAttributeType.FINGERPRINT) {
            throw new IllegalArgumentException("type: " + StunAttributeType.name(type)
                    + " (expected: use messageIntegrity()/messageIntegritySha256()/fingerprint())");
        }
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException("value: " + value.length + " bytes (expected: <= 65535)");
        }
        types.add(type);
        values.add(value);
        return this;
    }

    /**
     * USERNAME, e.g. {@code remoteUfrag:localUfrag} for an ICE check.
     *
     * @throws IllegalArgumentException if longer than 512 UTF-8 bytes
     */
    public StunMessageBuilder username(String username) {
        byte[] v = username.getBytes(StandardCharsets.UTF_8);
        if (v.length > StunMessage.MAX_USERNAME_BYTES) {
            throw new IllegalArgumentException("username: " + v.length + " bytes (expected: <= 512)");
        }
        return attribute(StunAttributeType.USERNAME, v);
    }

    /**
     * SOFTWARE.
     *
     * @throws IllegalArgumentException if longer than 762 UTF-8 bytes
     */
    public StunMessageBuilder software(String software) {
        byte[] v = software.getBytes(StandardCharsets.UTF_8);
        if (v.length > StunMessage.MAX_SOFTWARE_BYTES) {
            throw new IllegalArgumentException("software: " + v.length + " bytes (expected: <= 762)");
        }
        return attribute(StunAttributeType.SOFTWARE, v);
    }

    /**
     * PRIORITY (RFC 8445 §7.1.1).
     *
     * @param priority 0..2^32-1
     * @throws IllegalArgumentException if out of range
     */
    public StunMessageBuilder priority(long priority) {
        if (priority < 0 || priority > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: 0..4294967295)");
        }
        byte[] v = new byte[4];
        putInt(v, 0, (int) priority);
        return attribute(StunAttributeType.PRIORITY, v);
    }

    /** USE-CANDIDATE (RFC 8445 §7.1.2). */
    public StunMessageBuilder useCandidate() {
        return attribute(StunAttributeType.USE_CANDIDATE, new byte[0]);
    }

    /** ICE-CONTROLLING with the agent's 64-bit tie-breaker (RFC 8445 §7.1.3). */
    public StunMessageBuilder iceControlling(long tieBreaker) {
        return attribute(StunAttributeType.ICE_CONTROLLING, long8(tieBreaker));
    }

    /** ICE-CONTROLLED with the agent's 64-bit tie-breaker (RFC 8445 §7.1.3). */
    public StunMessageBuilder iceControlled(long tieBreaker) {
        return attribute(StunAttributeType.ICE_CONTROLLED, long8(tieBreaker));
    }

    /** XOR-MAPPED-ADDRESS of {@code address} (IPv4 or IPv6), RFC 8489 §14.2. */
    public StunMessageBuilder xorMappedAddress(InetSocketAddress address) {
        byte[] v = addressValue(address);
        byte[] mask = StunMessage.xorMask(transactionId);
        v[2] ^= mask[0];
        v[3] ^= mask[1];
        for (int i = 4; i < v.length; i++) {
            v[i] ^= mask[i - 4];
        }
        return attribute(StunAttributeType.XOR_MAPPED_ADDRESS, v);
    }

    /** MAPPED-ADDRESS of {@code address} (for RFC 3489 clients), RFC 8489 §14.1. */
    public StunMessageBuilder mappedAddress(InetSocketAddress address) {
        return attribute(StunAttributeType.MAPPED_ADDRESS, addressValue(address));
    }

    /** ERROR-CODE (RFC 8489 §14.8). */
    public StunMessageBuilder errorCode(StunErrorCode error) {
        byte[] reason = error.reason().getBytes(StandardCharsets.UTF_8);
        if (reason.length > StunErrorCode.MAX_REASON_BYTES) {
            throw new IllegalArgumentException("reason: " + reason.length + " bytes (expected: <= 763)");
        }
        byte[] v = new byte[4 + reason.length];
        v[2] = (byte) (error.code() / 100);
        v[3] = (byte) (error.code() % 100);
        System.arraycopy(reason, 0, v, 4, reason.length);
        return attribute(StunAttributeType.ERROR_CODE, v);
    }

    /** UNKNOWN-ATTRIBUTES listing {@code attributeTypes} (RFC 8489 §14.9), for a 420 response. */
    public StunMessageBuilder unknownAttributes(List<Integer> attributeTypes) {
        byte[] v = new byte[2 * attributeTypes.size()];
        for (int i = 0; i < attributeTypes.size(); i++) {
            v[2 * i] = (byte) (attributeTypes.get(i) >>> 8);
            v[2 * i + 1] = (byte) (int) attributeTypes.get(i);
        }
        return attribute(StunAttributeType.UNKNOWN_ATTRIBUTES, v);
    }

    /**
     * Appends MESSAGE-INTEGRITY (HMAC-SHA1, 20 bytes) computed with {@code key}: for ICE
     * short-term credentials the UTF-8 password (RFC 8489 §9.1.1).
     */
    public StunMessageBuilder messageIntegrity(byte[] key) {
        this.integrityKey = Objects.requireNonNull(key, "key").clone();
        return this;
    }

    /** Appends MESSAGE-INTEGRITY-SHA256 (HMAC-SHA256, 32 bytes) after any MESSAGE-INTEGRITY. */
    public StunMessageBuilder messageIntegritySha256(byte[] key) {
        this.integritySha256Key = Objects.requireNonNull(key, "key").clone();
        return this;
    }

    /** Appends FINGERPRINT (CRC-32 XOR 0x5354554e) as the last attribute. */
    public StunMessageBuilder fingerprint() {
        this.fingerprint = true;
        return this;
    }

    /**
     * The value of padding bytes (default 0x00). RFC 8489 says receivers ignore them; RFC 5769's
     * samples use 0x20, so tests set this to reproduce those bytes.
     */
    public StunMessageBuilder padding(byte value) {
        this.padding = value;
        return this;
    }

    /** The encoded length in bytes, header included. */
    public int encodedLength() {
        int n = StunMessage.HEADER_LENGTH;
        for (byte[] v : values) {
            n += 4 + ((v.length + 3) & ~3);
        }
        if (integrityKey != null) {
            n += 24;
        }
        if (integritySha256Key != null) {
            n += 36;
        }
        if (fingerprint) {
            n += 8;
        }
        return n;
    }

    /**
     * Encodes into a new buffer from {@code alloc}.
     *
     * @return the message; the caller owns it and must release it
     * @throws IllegalStateException if the message exceeds 65535 + 20 bytes
     */
    public ByteBuf encode(ByteBufAllocator alloc) {
        byte[] raw = toByteArray();
        ByteBuf out = alloc.buffer(raw.length);
        out.writeBytes(raw);
        return out;
    }

    /**
     * Appends the encoded message at {@code out}'s writer index.
     *
     * @param out borrowed; written to
     */
    public void encodeTo(ByteBuf out) {
        out.writeBytes(toByteArray());
    }

    /** The encoded message as a new array. */
    public byte[] toByteArray() {
        int total = encodedLength();
        if (total - StunMessage.HEADER_LENGTH > 0xFFFF) {
            throw new IllegalStateException("message length: " + (total - 20) + " (expected: <= 65535)");
        }
        byte[] raw = new byte[total];
        putShort(raw, 0, messageType);
        putInt(raw, 4, StunMessage.MAGIC_COOKIE);
        System.arraycopy(transactionId.bytes(), 0, raw, 8, TransactionId.LENGTH);
        int pos = StunMessage.HEADER_LENGTH;
        for (int i = 0; i < values.size(); i++) {
            pos = put(raw, pos, types.get(i), values.get(i));
        }
        if (integrityKey != null) {
            byte[] mac = StunMessage.hmac("HmacSHA1", integrityKey, raw, pos, 20);
            pos = put(raw, pos, StunAttributeType.MESSAGE_INTEGRITY, mac);
        }
        if (integritySha256Key != null) {
            byte[] mac = StunMessage.hmac("HmacSHA256", integritySha256Key, raw, pos, 32);
            pos = put(raw, pos, StunAttributeType.MESSAGE_INTEGRITY_SHA256, mac);
        }
        putShort(raw, 2, total - StunMessage.HEADER_LENGTH);
        if (fingerprint) {
            CRC32 crc = new CRC32();
            crc.update(raw, 0, pos);
            byte[] v = new byte[4];
            putInt(v, 0, (int) crc.getValue() ^ StunMessage.FINGERPRINT_XOR);
            pos = put(raw, pos, StunAttributeType.FINGERPRINT, v);
        }
        return raw;
    }

    private int put(byte[] raw, int pos, int type, byte[] value) {
        putShort(raw, pos, type);
        putShort(raw, pos + 2, value.length);
        System.arraycopy(value, 0, raw, pos + 4, value.length);
        int end = pos + 4 + value.length;
        int padded = pos + 4 + ((value.length + 3) & ~3);
        for (int i = end; i < padded; i++) {
            raw[i] = padding;
        }
        return padded;
    }

    private static byte[] addressValue(InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address: " + address + " (expected: resolved)");
        }
        byte[] ip = address.getAddress().getAddress();
        byte[] v = new byte[4 + ip.length];
        v[1] = (byte) (address.getAddress() instanceof Inet4Address ? 1 : 2);
        putShort(v, 2, address.getPort());
        System.arraycopy(ip, 0, v, 4, ip.length);
        return v;
    }

    private static byte[] long8(long value) {
        byte[] v = new byte[8];
        putInt(v, 0, (int) (value >>> 32));
        putInt(v, 4, (int) value);
        return v;
    }

    private static void putShort(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    private static void putInt(byte[] b, int off, int v) {
        putShort(b, off, v >>> 16);
        putShort(b, off + 2, v);
    }
}
