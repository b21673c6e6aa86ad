package io.sluice.rtmp.amf;

import io.netty.buffer.ByteBuf;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AMF0 type markers, the Java value model, and entry points to {@link Amf0Encoder} and
 * {@link Amf0Decoder}.
 *
 * <p>Java values: Number → {@link Double}; Boolean → {@link Boolean}; String and Long String →
 * {@link String}; Object → {@code Map<String,Object>} (a {@link LinkedHashMap}, wire order);
 * ECMA Array → {@link EcmaArray} (also a {@code Map<String,Object>}); Strict Array →
 * {@code List<Object>}; Null → {@code null}; Undefined → {@link #UNDEFINED}; Date →
 * {@link java.time.Instant} (ms precision; the time-zone field is written as 0 and ignored on
 * read, as the spec asks).
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/amf0-file-format-specification.pdf">AMF0 specification, §2</a>
 */
public final class Amf0 {
    /** Number marker (§2.2): IEEE-754 double, 8 bytes big-endian. */
    public static final int NUMBER = 0x00;
    /** Boolean marker (§2.3): one byte, 0 = false. */
    public static final int BOOLEAN = 0x01;
    /** String marker (§2.4): U16 byte length + UTF-8. */
    public static final int STRING = 0x02;
    /** Object marker (§2.5): (U16 key length, UTF-8 key, value)* then empty key + {@link #OBJECT_END}. */
    public static final int OBJECT = 0x03;
    /** MovieClip marker (§2.6): reserved, not supported. */
    public static final int MOVIECLIP = 0x04;
    /** Null marker (§2.7). */
    public static final int NULL = 0x05;
    /** Undefined marker (§2.8). */
    public static final int UNDEFINED_MARKER = 0x06;
    /** Reference marker (§2.9): U16 index into earlier complex values; rejected by this decoder. */
    public static final int REFERENCE = 0x07;
    /** ECMA Array marker (§2.10): U32 associative count, then properties as in an Object. */
    public static final int ECMA_ARRAY = 0x08;
    /** Object End marker (§2.11), after an empty key. */
    public static final int OBJECT_END = 0x09;
    /** Strict Array marker (§2.12): U32 count, then that many values. */
    public static final int STRICT_ARRAY = 0x0A;
    /** Date marker (§2.13): double ms since the epoch (UTC), then S16 time zone (0). */
    public static final int DATE = 0x0B;
    /** Long String marker (§2.14): U32 byte length + UTF-8. */
    public static final int LONG_STRING = 0x0C;
    /** Unsupported marker (§2.15). */
    public static final int UNSUPPORTED = 0x0D;
    /** RecordSet marker (§2.16): reserved. */
    public static final int RECORDSET = 0x0E;
    /** XML Document marker (§2.17). */
    public static final int XML_DOCUMENT = 0x0F;
    /** Typed Object marker (§2.18). */
    public static final int TYPED_OBJECT = 0x10;
    /** AVM+ marker (§3.1): switch to AMF3. */
    public static final int AVMPLUS = 0x11;

    /** The AMF0 {@code undefined} value, distinct from {@code null}. */
    public static final Object UNDEFINED = new Object() {
        @Override
        public String toString() {
            return "undefined";
        }
    };

    private Amf0() {
    }

    /**
     * An AMF0 ECMA Array: an associative array, written with its entry count. Decoded ECMA arrays
     * are instances of this class so that they re-encode as ECMA arrays (ffmpeg and OBS send
     * {@code onMetaData} as one); any other {@link Map} is written as an Object.
     */
    public static final class EcmaArray extends LinkedHashMap<String, Object> {
        private static final long serialVersionUID = 1L;

        /** An empty ECMA array. */
        public EcmaArray() {
        }

        /** @param entries copied in iteration order */
        public EcmaArray(Map<String, ?> entries) {
            super(entries);
        }
    }

    /**
     * Writes one value. See {@link Amf0Encoder#write(ByteBuf, Object)}.
     *
     * @param out   written at its writer index; borrowed
     * @param value a supported Java value (see class doc)
     * @throws IllegalArgumentException if the value (or a nested one) has no AMF0 form
     */
    public static void write(ByteBuf out, Object value) {
        Amf0Encoder.write(out, value);
    }

    /**
     * Reads one value with the default limits. See {@link Amf0Decoder#read(ByteBuf)}.
     *
     * @param in read from its reader index, which advances past the value; borrowed
     * @throws RtmpProtocolException if the bytes are malformed, truncated or exceed a limit
     */
    public static Object read(ByteBuf in) {
        return Amf0Decoder.DEFAULT.read(in);
    }

    /**
     * Reads values until {@code in} has no readable bytes left.
     *
     * @param in read until empty; borrowed
     * @return the values in wire order (a mutable list)
     * @throws RtmpProtocolException if the bytes are malformed, truncated or exceed a limit
     */
    public static List<Object> readAll(ByteBuf in) {
        return Amf0Decoder.DEFAULT.readAll(in);
    }
}
