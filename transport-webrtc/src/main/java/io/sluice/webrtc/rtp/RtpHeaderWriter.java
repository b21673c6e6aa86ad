package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.TreeMap;

/**
 * Writes RTP headers (RFC 3550 §5.1) for one stream: a template of payload type, SSRC, CSRCs and
 * RFC 8285 header extension elements, serialized once when it changes, then copied per packet with
 * the sequence number, timestamp and marker. Per-packet values that change (transport-wide sequence
 * number, abs-send-time) are reserved here and patched later with {@link RtpPacket}'s setters.
 *
 * <p>The one-byte form (profile 0xBEDE, RFC 8285 §4.2) is used when every element has id 1..14 and
 * 1..16 octets; otherwise the two-byte form (0x1000, §4.3). The block is zero-padded to 32 bits.
 * Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8285">RFC 8285</a>
 */
public final class RtpHeaderWriter {
    private final int ssrc;
    private int payloadType;
    private int[] csrcs = new int[0];
    private final TreeMap<Integer, byte[]> elements = new TreeMap<>();
    private byte[] extensionBlock = new byte[0];

    /**
     * @param ssrc        SSRC of the stream
     * @param payloadType 0..127
     * @throws IllegalArgumentException if the payload type is out of range
     */
    public RtpHeaderWriter(int ssrc, int payloadType) {
        this.ssrc = ssrc;
        payloadType(payloadType);
    }

    public int ssrc() {
        return ssrc;
    }

    public int payloadType() {
        return payloadType;
    }

    /** Sets the payload type, 0..127. */
    public RtpHeaderWriter payloadType(int payloadType) {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payloadType: " + payloadType + " (expected: 0..127)");
        }
        this.payloadType = payloadType;
        return this;
    }

    /** Sets the CSRC list, at most 15 entries (copied). */
    public RtpHeaderWriter csrcs(int... csrcs) {
        if (csrcs.length > 15) {
            throw new IllegalArgumentException("csrcs: " + csrcs.length + " (expected: 0..15)");
        }
        this.csrcs = csrcs.clone();
        return this;
    }

    /**
     * Adds or replaces header extension element {@code id} (1..255; 15 is reserved in the one-byte
     * form so it forces the two-byte form) with {@code value} (0..255 octets, copied).
     */
    public RtpHeaderWriter extension(int id, byte[] value) {
        if (id < 1 || id > 255) {
            throw new IllegalArgumentException("id: " + id + " (expected: 1..255)");
        }
        if (value.length > 255) {
            throw new IllegalArgumentException("value: " + value.length + " octets (expected: 0..255)");
        }
        elements.put(id, value.clone());
        rebuild();
        return this;
    }

    /** Adds the MID element (RFC 8843 §15) as ASCII. */
    public RtpHeaderWriter mid(int id, String mid) {
        return extension(id, mid.getBytes(StandardCharsets.US_ASCII));
    }

    /** Reserves a 2-octet transport-wide sequence number element (patch with {@link RtpPacket#setTransportSequenceNumber}). */
    public RtpHeaderWriter transportSequenceNumber(int id) {
        return extension(id, new byte[2]);
    }

    /** Reserves a 3-octet abs-send-time element (patch with {@link RtpPacket#setAbsSendTime}). */
    public RtpHeaderWriter absSendTime(int id) {
        return extension(id, new byte[3]);
    }

    /** Removes element {@code id}. */
    public RtpHeaderWriter removeExtension(int id) {
        elements.remove(id);
        rebuild();
        return this;
    }

    private void rebuild() {
        if (elements.isEmpty()) {
            extensionBlock = new byte[0];
            return;
        }
        boolean oneByte = true;
        int size = 0;
        for (var e : elements.entrySet()) {
            int len = e.getValue().length;
            if (e.getKey() > 14 || len == 0 || len > 16) {
                oneByte = false;
            }
        }
        for (byte[] v : elements.values()) {
            size += v.length + (oneByte ? 1 : 2);
        }
        int padded = (size + 3) & ~3;
        byte[] block = new byte[4 + padded];
        block[0] = (byte) (oneByte ? 0xBE : 0x10);
        block[1] = (byte) (oneByte ? 0xDE : 0x00);
        block[2] = (byte) ((padded / 4) >>> 8);
        block[3] = (byte) (padded / 4);
        int i = 4;
        for (var e : elements.entrySet()) {
            byte[] v = e.getValue();
            if (oneByte) {
                block[i++] = (byte) ((e.getKey() << 4) | (v.length - 1));
            } else {
                block[i++] = (byte) (int) e.getKey();
                block[i++] = (byte) v.length;
            }
            System.arraycopy(v, 0, block, i, v.length);
            i += v.length;
        }
        extensionBlock = block;
    }

    /** Header length in octets this writer produces. */
    public int headerLength() {
        return RtpPacket.FIXED_HEADER_LENGTH + 4 * csrcs.length + extensionBlock.length;
    }

    /**
     * Writes one header at {@code out}'s writer index.
     *
     * @param out            borrowed; grows by {@link #headerLength()}
     * @param sequenceNumber 0..65535 (higher bits ignored)
     * @param rtpTimestamp   in the stream's clock (low 32 bits used)
     * @param marker         the M bit
     */
    public void write(ByteBuf out, int sequenceNumber, long rtpTimestamp, boolean marker) {
        out.writeByte(0x80 | (extensionBlock.length > 0 ? 0x10 : 0) | csrcs.length);
        out.writeByte((marker ? 0x80 : 0) | payloadType);
        out.writeShort(sequenceNumber);
        out.writeInt((int) rtpTimestamp);
        out.writeInt(ssrc);
        for (int c : csrcs) {
            out.writeInt(c);
        }
        out.writeBytes(extensionBlock);
    }

    @Override
    public String toString() {
        return "RtpHeaderWriter{ssrc=" + Integer.toUnsignedString(ssrc) + " pt=" + payloadType + " csrcs="
                + Arrays.toString(csrcs) + " extensions=" + elements.keySet() + '}';
    }
}
