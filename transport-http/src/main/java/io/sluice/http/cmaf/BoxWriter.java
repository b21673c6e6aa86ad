package io.sluice.http.cmaf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes ISO base media file format boxes (ISO/IEC 14496-12 §4.2) into a growing byte array: big-endian
 * integers, nested boxes whose 32-bit size is filled in when they end, and in-place patches.
 *
 * <p>Not thread-safe; one writer per segment being built.
 */
final class BoxWriter {
    private byte[] buf;
    private int pos;
    private final int[] open = new int[16];
    private int depth;

    BoxWriter(int initialCapacity) {
        buf = new byte[Math.max(64, initialCapacity)];
    }

    /** Starts a box of {@code type} (four ASCII characters); its size is written by {@link #end()}. */
    BoxWriter start(String type) {
        if (depth == open.length) {
            throw new IllegalStateException("boxes nested deeper than " + open.length);
        }
        open[depth++] = pos;
        u32(0);
        fourCc(type);
        return this;
    }

    /** Starts a full box (§4.2.2): a box with an 8-bit version and 24-bit flags. */
    BoxWriter startFull(String type, int version, int flags) {
        start(type);
        return u32(((version & 0xFF) << 24) | (flags & 0xFF_FFFF));
    }

    /** Ends the innermost open box and writes its size. */
    BoxWriter end() {
        int at = open[--depth];
        patchU32(at, pos - at);
        return this;
    }

    BoxWriter u8(int v) {
        ensure(1);
        buf[pos++] = (byte) v;
        return this;
    }

    BoxWriter u16(int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    BoxWriter u24(int v) {
        return u8(v >>> 16).u16(v & 0xFFFF);
    }

    BoxWriter u32(long v) {
        ensure(4);
        buf[pos++] = (byte) (v >>> 24);
        buf[pos++] = (byte) (v >>> 16);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
        return this;
    }

    BoxWriter u64(long v) {
        return u32(v >>> 32).u32(v & 0xFFFF_FFFFL);
    }

    BoxWriter zeros(int n) {
        ensure(n);
        pos += n; // the array is zero-filled and never reused below pos
        return this;
    }

    BoxWriter bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    BoxWriter bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
        return this;
    }

    BoxWriter fourCc(String type) {
        byte[] b = type.getBytes(StandardCharsets.US_ASCII);
        if (b.length != 4) {
            throw new IllegalArgumentException("box type: '" + type + "' (expected: 4 ASCII characters)");
        }
        return bytes(b);
    }

    /** The unity transformation matrix of {@code mvhd}/{@code tkhd} (§8.2.2.3). */
    BoxWriter unityMatrix() {
        return u32(0x0001_0000).u32(0).u32(0).u32(0).u32(0x0001_0000).u32(0).u32(0).u32(0).u32(0x4000_0000);
    }

    /** Current write position, the offset of the next byte. */
    int position() {
        return pos;
    }

    void patchU32(int at, long v) {
        buf[at] = (byte) (v >>> 24);
        buf[at + 1] = (byte) (v >>> 16);
        buf[at + 2] = (byte) (v >>> 8);
        buf[at + 3] = (byte) v;
    }

    /** A copy of everything written; every box must be ended. */
    byte[] toByteArray() {
        if (depth != 0) {
            throw new IllegalStateException(depth + " box(es) still open");
        }
        return Arrays.copyOf(buf, pos);
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }
}
