package io.sluice.rtmp.amf;

import io.netty.buffer.ByteBuf;
import io.sluice.rtmp.RtmpProtocolException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads AMF0 values (see {@link Amf0} for the value model) with bounds a hostile peer cannot
 * push past: nesting deeper than {@link #maxDepth()} fails, and every length or count is checked
 * against the bytes actually remaining before anything is allocated (a Strict Array of n values
 * needs at least n bytes, a string of n bytes needs n bytes). Reference (0x07), MovieClip,
 * RecordSet, Unsupported, XML Document, Typed Object and AVM+ (AMF3) markers are rejected.
 *
 * <p>Immutable and thread-safe. Every failure is an {@link RtmpProtocolException} whose message
 * names what was wrong and its offset from where the {@link #read(ByteBuf)} call started; the
 * reader index is then unspecified.
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/amf0-file-format-specification.pdf">AMF0 specification, §2</a>
 */
public final class Amf0Decoder {
    /** Default maximum nesting depth of Objects, ECMA Arrays and Strict Arrays. */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** A decoder with {@link #DEFAULT_MAX_DEPTH}. */
    public static final Amf0Decoder DEFAULT = new Amf0Decoder(DEFAULT_MAX_DEPTH);

    private final int maxDepth;

    /**
     * @param maxDepth maximum nesting depth, 1..1024 (1 = a container may hold only scalars)
     * @throws IllegalArgumentException if {@code maxDepth} is out of range
     */
    public Amf0Decoder(int maxDepth) {
        if (maxDepth < 1 || maxDepth > 1024) {
            throw new IllegalArgumentException("maxDepth: " + maxDepth + " (expected: 1..1024)");
        }
        this.maxDepth = maxDepth;
    }

    /** Maximum nesting depth accepted. */
    public int maxDepth() {
        return maxDepth;
    }

    /**
     * Reads one value.
     *
     * @param in read from its reader index, which advances past the value; borrowed
     * @return the value: Double, Boolean, String, Map, {@link Amf0.EcmaArray}, List, Instant,
     *         {@code null} or {@link Amf0#UNDEFINED}
     * @throws RtmpProtocolException if the value is truncated, uses an unsupported marker, is
     *                               nested deeper than {@link #maxDepth()}, or is malformed
     */
    public Object read(ByteBuf in) {
        return new Reader(in).value(0);
    }

    /**
     * Reads values until {@code in} is empty.
     *
     * @param in read until it has no readable bytes; borrowed
     * @return the values in wire order (a mutable list)
     * @throws RtmpProtocolException as {@link #read(ByteBuf)}
     */
    public List<Object> readAll(ByteBuf in) {
        Reader r = new Reader(in);
        List<Object> values = new ArrayList<>();
        while (in.isReadable()) {
            values.add(r.value(0));
        }
        return values;
    }

    private final class Reader {
        private final ByteBuf in;
        private final int start;

        Reader(ByteBuf in) {
            this.in = in;
            this.start = in.readerIndex();
        }

        private int offset() {
            return in.readerIndex() - start;
        }

        private RtmpProtocolException error(String what) {
            return new RtmpProtocolException("AMF0: " + what + " at offset " + offset());
        }

        private void need(int n, String what) {
            if (in.readableBytes() < n) {
                throw error("truncated " + what + " (need " + n + " bytes, have " + in.readableBytes() + ")");
            }
        }

        Object value(int depth) {
            need(1, "type marker");
            int marker = in.getUnsignedByte(in.readerIndex());
            switch (marker) {
                case Amf0.NUMBER -> {
                    need(9, "Number");
                    in.skipBytes(1);
                    return in.readDouble();
                }
                case Amf0.BOOLEAN -> {
                    need(2, "Boolean");
                    in.skipBytes(1);
                    return in.readByte() != 0;
                }
                case Amf0.STRING -> {
                    in.skipBytes(1);
                    return shortString("String");
                }
                case Amf0.LONG_STRING -> {
                    in.skipBytes(1);
                    need(4, "Long String length");
                    long len = in.readUnsignedInt();
                    return utf8(len, "Long String");
                }
                case Amf0.NULL -> {
                    in.skipBytes(1);
                    return null;
                }
                case Amf0.UNDEFINED_MARKER -> {
                    in.skipBytes(1);
                    return Amf0.UNDEFINED;
                }
                case Amf0.OBJECT -> {
                    checkDepth(depth);
                    in.skipBytes(1);
                    Map<String, Object> m = new LinkedHashMap<>();
                    properties(m, depth);
                    return m;
                }
                case Amf0.ECMA_ARRAY -> {
                    checkDepth(depth);
                    in.skipBytes(1);
                    need(4, "ECMA Array count");
                    in.skipBytes(4); // associative-count is a hint only; the object-end marker ends it
                    Amf0.EcmaArray m = new Amf0.EcmaArray();
                    properties(m, depth);
                    return m;
                }
                case Amf0.STRICT_ARRAY -> {
                    checkDepth(depth);
                    in.skipBytes(1);
                    need(4, "Strict Array count");
                    long count = in.readUnsignedInt();
                    if (count > in.readableBytes()) {
                        throw error("Strict Array count: " + count + " (expected: <= " + in.readableBytes()
                                + ", the bytes remaining)");
                    }
                    List<Object> l = new ArrayList<>((int) Math.min(count, 64));
                    for (long i = 0; i < count; i++) {
                        l.add(value(depth + 1));
                    }
                    return l;
                }
                case Amf0.DATE -> {
                    need(11, "Date");
                    in.skipBytes(1);
                    double ms = in.readDouble();
                    in.skipBytes(2); // time-zone: "should be set to 0x0000", ignored
                    if (Double.isNaN(ms) || Math.abs(ms) > 8.64e15) {
                        throw error("Date: " + ms + " ms (expected: a finite time within ±8.64e15 ms)");
                    }
                    return Instant.ofEpochMilli((long) ms);
                }
                case Amf0.OBJECT_END -> throw error("unexpected Object End marker (0x09) outside an object");
                case Amf0.REFERENCE -> throw error("unsupported AMF0 type Reference (0x07)");
                case Amf0.AVMPLUS -> throw error("unsupported AMF0 type AVM+ (0x11, AMF3)");
                default -> throw error(String.format("unsupported AMF0 type marker 0x%02x", marker));
            }
        }

        private void checkDepth(int depth) {
            if (depth >= maxDepth) {
                throw error("nesting depth: " + (depth + 1) + " (expected: <= " + maxDepth + ")");
            }
        }

        private void properties(Map<String, Object> m, int depth) {
            while (true) {
                need(2, "property key length");
                int keyLen = in.getUnsignedShort(in.readerIndex());
                if (keyLen == 0) {
                    need(3, "Object End marker");
                    int end = in.getUnsignedByte(in.readerIndex() + 2);
                    if (end != Amf0.OBJECT_END) {
                        in.skipBytes(2);
                        throw error(String.format("empty property key followed by marker 0x%02x (expected: Object End 0x09)", end));
                    }
                    in.skipBytes(3);
                    return;
                }
                String key = shortString("property key");
                m.put(key, value(depth + 1));
            }
        }

        private String shortString(String what) {
            need(2, what + " length");
            int len = in.readUnsignedShort();
            return utf8(len, what);
        }

        private String utf8(long len, String what) {
            if (len > in.readableBytes()) {
                throw error("truncated " + what + " (need " + len + " bytes, have " + in.readableBytes() + ")");
            }
            String s = in.toString(in.readerIndex(), (int) len, StandardCharsets.UTF_8);
            in.skipBytes((int) len);
            return s;
        }
    }
}
