package io.sluice.webrtc.stun;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One STUN attribute as it appeared on the wire: its 16-bit type and its value without padding.
 * Kept for every attribute, including unknown comprehension-optional ones (0x8000..0xFFFF).
 *
 * @param type   the attribute type, 0..0xFFFF (see {@link StunAttributeType})
 * @param offset byte offset of the attribute header within the message
 * @param value  the value bytes (copied; length 0..65535)
 */
public record StunAttribute(int type, int offset, byte[] value) {
    /** Whether the type is comprehension-required (0x0000..0x7FFF, RFC 8489 §14). */
    public boolean comprehensionRequired() {
        return StunAttributeType.isComprehensionRequired(type);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StunAttribute a && a.type == type && a.offset == offset && Arrays.equals(a.value, value);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * type + offset) + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return StunAttributeType.name(type) + "(" + HexFormat.of().formatHex(value) + ")";
    }
}
