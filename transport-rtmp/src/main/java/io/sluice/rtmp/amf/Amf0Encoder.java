package io.sluice.rtmp.amf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * Writes Java values as AMF0 (see {@link Amf0} for the value model). Stateless and thread-safe.
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/amf0-file-format-specification.pdf">AMF0 specification, §2</a>
 */
public final class Amf0Encoder {
    /** Maximum nesting depth written, matching {@link Amf0Decoder#DEFAULT_MAX_DEPTH}; guards against cycles. */
    static final int MAX_DEPTH = Amf0Decoder.DEFAULT_MAX_DEPTH;

    private Amf0Encoder() {
    }

    /**
     * Writes one value: {@code null} → Null; {@link Amf0#UNDEFINED} → Undefined; any {@link Number}
     * → Number (as a double); {@link Boolean}; {@link CharSequence} → String, or Long String when its
     * UTF-8 form exceeds 65535 bytes; {@link Amf0.EcmaArray} → ECMA Array; any other {@link Map}
     * with {@link String} keys → Object; {@link List} or {@code Object[]} → Strict Array;
     * {@link Instant} or {@link Date} → Date.
     *
     * @param out   written at its writer index; borrowed
     * @param value the value
     * @throws IllegalArgumentException if a value has no AMF0 form, a key is not a String or longer
     *                                  than 65535 UTF-8 bytes, or nesting is deeper than 32
     */
    public static void write(ByteBuf out, Object value) {
        write(out, value, 0);
    }

    /**
     * Writes several values one after the other (as a command message body does).
     *
     * @param out    written at its writer index; borrowed
     * @param values the values, in order
     * @throws IllegalArgumentException as {@link #write(ByteBuf, Object)}
     */
    public static void writeAll(ByteBuf out, Object... values) {
        for (Object v : values) {
            write(out, v, 0);
        }
    }

    private static void write(ByteBuf out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("AMF0 nesting depth: " + depth + " (expected: <= " + MAX_DEPTH + ")");
        }
        if (value == null) {
            out.writeByte(Amf0.NULL);
        } else if (value == Amf0.UNDEFINED) {
            out.writeByte(Amf0.UNDEFINED_MARKER);
        } else if (value instanceof Number n) {
            out.writeByte(Amf0.NUMBER);
            out.writeDouble(n.doubleValue());
        } else if (value instanceof Boolean b) {
            out.writeByte(Amf0.BOOLEAN);
            out.writeByte(b ? 1 : 0);
        } else if (value instanceof CharSequence s) {
            byte[] utf8 = s.toString().getBytes(StandardCharsets.UTF_8);
            if (utf8.length <= 0xFFFF) {
                out.writeByte(Amf0.STRING);
                out.writeShort(utf8.length);
            } else {
                out.writeByte(Amf0.LONG_STRING);
                out.writeInt(utf8.length);
            }
            out.writeBytes(utf8);
        } else if (value instanceof Amf0.EcmaArray m) {
            out.writeByte(Amf0.ECMA_ARRAY);
            out.writeInt(m.size());
            writeProperties(out, m, depth);
        } else if (value instanceof Map<?, ?> m) {
            out.writeByte(Amf0.OBJECT);
            writeProperties(out, m, depth);
        } else if (value instanceof List<?> l) {
            out.writeByte(Amf0.STRICT_ARRAY);
            out.writeInt(l.size());
            for (Object e : l) {
                write(out, e, depth + 1);
            }
        } else if (value instanceof Object[] a) {
            write(out, List.of(a), depth);
        } else if (value instanceof Instant t) {
            writeDate(out, t.toEpochMilli());
        } else if (value instanceof Date d) {
            writeDate(out, d.getTime());
        } else {
            throw new IllegalArgumentException("no AMF0 form for " + value.getClass().getName() + ": " + value);
        }
    }

    private static void writeDate(ByteBuf out, long epochMs) {
        out.writeByte(Amf0.DATE);
        out.writeDouble(epochMs);
        out.writeShort(0);
    }

    private static void writeProperties(ByteBuf out, Map<?, ?> m, int depth) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException("AMF0 property key: " + e.getKey() + " (expected: a String)");
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException("AMF0 property key: \"\" (expected: non-empty; empty marks the object end)");
            }
            int len = ByteBufUtil.utf8Bytes(key);
            if (len > 0xFFFF) {
                throw new IllegalArgumentException("AMF0 property key length: " + len + " (expected: <= 65535)");
            }
            out.writeShort(len);
            out.writeCharSequence(key, StandardCharsets.UTF_8);
            write(out, e.getValue(), depth + 1);
        }
        out.writeShort(0);
        out.writeByte(Amf0.OBJECT_END);
    }
}
