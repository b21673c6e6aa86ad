package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;

/**
 * A reusable, allocation-free view of one RTP packet in a {@link ByteBuf} (RFC 3550 §5.1) with its
 * header extension (RFC 8285).
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers (CC)        |
 * |  defined by profile (0xBEDE / 0x100x) |        length         |
 * |                    header extension (length words)            |
 * |                    payload ...        | padding | pad count   |
 * </pre>
 *
 * <p>{@link #wrap(ByteBuf)} borrows the buffer (never retains or releases it); the view is valid
 * until the buffer changes. Offsets returned are absolute buffer indices. Not thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3550#section-5.1">RFC 3550 §5.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8285">RFC 8285</a>
 */
public final class RtpPacket {
    /** RFC 8285 §4.2 one-byte header extension profile. */
    public static final int ONE_BYTE_PROFILE = 0xBEDE;
    /** RFC 8285 §4.3 two-byte header extension profile (low 4 bits: appbits). */
    public static final int TWO_BYTE_PROFILE = 0x1000;
    /** RTP fixed header length in octets. */
    public static final int FIXED_HEADER_LENGTH = 12;

    private ByteBuf buf;
    private int start;
    private int length;
    private int headerLength;
    private int paddingLength;
    private int extStart = -1;
    private int extEnd;
    private int extProfile;
    private int foundLength;

    /**
     * Points this view at {@code buf}'s readable bytes.
     *
     * @param buf borrowed
     * @return {@code false} (view cleared) if it is not a well-formed RTP version-2 packet
     */
    public boolean wrap(ByteBuf buf) {
        this.buf = null;
        int len = buf.readableBytes();
        int r = buf.readerIndex();
        if (len < FIXED_HEADER_LENGTH) {
            return false;
        }
        int b0 = buf.getUnsignedByte(r);
        if (b0 >>> 6 != 2) {
            return false;
        }
        int hl = FIXED_HEADER_LENGTH + 4 * (b0 & 0x0F);
        int es = -1;
        int ee = 0;
        int profile = 0;
        if ((b0 & 0x10) != 0) {
            if (hl + 4 > len) {
                return false;
            }
            profile = buf.getUnsignedShort(r + hl);
            es = r + hl + 4;
            hl += 4 + 4 * buf.getUnsignedShort(r + hl + 2);
            ee = r + hl;
        }
        if (hl > len) {
            return false;
        }
        int pad = 0;
        if ((b0 & 0x20) != 0) {
            pad = buf.getUnsignedByte(r + len - 1);
            if (pad == 0 || hl + pad > len) {
                return false;
            }
        }
        this.buf = buf;
        this.start = r;
        this.length = len;
        this.headerLength = hl;
        this.paddingLength = pad;
        this.extStart = es;
        this.extEnd = ee;
        this.extProfile = profile;
        return true;
    }

    /** The wrapped buffer (borrowed). */
    public ByteBuf buffer() {
        return buf;
    }

    public boolean hasPadding() {
        return (buf.getByte(start) & 0x20) != 0;
    }

    public boolean hasExtension() {
        return extStart >= 0;
    }

    /** CSRC count, 0..15. */
    public int csrcCount() {
        return buf.getByte(start) & 0x0F;
    }

    /** CSRC {@code i} (0-based, below {@link #csrcCount()}). */
    public int csrc(int i) {
        return buf.getInt(start + 12 + 4 * i);
    }

    public boolean marker() {
        return (buf.getByte(start + 1) & 0x80) != 0;
    }

    /** Payload type, 0..127. */
    public int payloadType() {
        return buf.getByte(start + 1) & 0x7F;
    }

    /** Sequence number, 0..65535. */
    public int sequenceNumber() {
        return buf.getUnsignedShort(start + 2);
    }

    /** RTP timestamp, 0..2^32-1, in the payload format's clock (90 kHz video, 48 kHz Opus). */
    public long timestamp() {
        return buf.getUnsignedInt(start + 4);
    }

    public int ssrc() {
        return buf.getInt(start + 8);
    }

    /** Header length in octets, CSRCs and header extension included. */
    public int headerLength() {
        return headerLength;
    }

    /** Total packet length in octets. */
    public int length() {
        return length;
    }

    /** Absolute index of the first payload octet. */
    public int payloadOffset() {
        return start + headerLength;
    }

    /** Payload length in octets, padding excluded. */
    public int payloadLength() {
        return length - headerLength - paddingLength;
    }

    /** Padding octets (count octet included), 0 if P is clear. */
    public int paddingLength() {
        return paddingLength;
    }

    /** The payload as a slice sharing the buffer (not retained). */
    public ByteBuf payload() {
        return buf.slice(payloadOffset(), payloadLength());
    }

    /** The header extension's "defined by profile" field, or -1 if there is none. */
    public int extensionProfile() {
        return extStart < 0 ? -1 : extProfile;
    }

    /**
     * Finds RFC 8285 element {@code id} (1..14 one-byte, 1..255 two-byte).
     *
     * @return the absolute index of its data, or -1 if absent or the extension block is malformed;
     *         its length is then in {@link #foundExtensionLength()}
     */
    public int findExtension(int id) {
        if (extStart < 0) {
            return -1;
        }
        boolean oneByte = extProfile == ONE_BYTE_PROFILE;
        boolean twoByte = (extProfile & 0xFFF0) == TWO_BYTE_PROFILE;
        if (!oneByte && !twoByte) {
            return -1;
        }
        int i = extStart;
        while (i < extEnd) {
            int b = buf.getUnsignedByte(i);
            if (b == 0) {
                i++;
                continue;
            }
            int eid;
            int elen;
            if (oneByte) {
                eid = b >>> 4;
                if (eid == 15) {
                    return -1;
                }
                elen = (b & 0x0F) + 1;
                i++;
            } else {
                if (i + 1 >= extEnd) {
                    return -1;
                }
                eid = b;
                elen = buf.getUnsignedByte(i + 1);
                i += 2;
            }
            if (i + elen > extEnd) {
                return -1;
            }
            if (eid == id) {
                foundLength = elen;
                return i;
            }
            i += elen;
        }
        return -1;
    }

    /** Length of the element last found by {@link #findExtension(int)}. */
    public int foundExtensionLength() {
        return foundLength;
    }

    /**
     * The transport-wide sequence number (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2,
     * 2 octets) carried in element {@code id}, or -1.
     */
    public int transportSequenceNumber(int id) {
        int at = findExtension(id);
        return at < 0 || foundLength != 2 ? -1 : buf.getUnsignedShort(at);
    }

    /** The abs-send-time (24-bit 6.18 fixed-point seconds) in element {@code id}, or -1. */
    public int absSendTime(int id) {
        int at = findExtension(id);
        return at < 0 || foundLength != 3 ? -1 : buf.getUnsignedMedium(at);
    }

    /** The MID (RFC 8843 §15, an ASCII token) in element {@code id}, or {@code null}. Allocates a String. */
    public String mid(int id) {
        int at = findExtension(id);
        return at < 0 ? null : buf.toString(at, foundLength, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Overwrites the 2-octet transport-wide sequence number in element {@code id}; false if absent. */
    public boolean setTransportSequenceNumber(int id, int seq) {
        int at = findExtension(id);
        if (at < 0 || foundLength != 2) {
            return false;
        }
        buf.setShort(at, seq);
        return true;
    }

    /** Overwrites the 3-octet abs-send-time in element {@code id}; false if absent. */
    public boolean setAbsSendTime(int id, int value) {
        int at = findExtension(id);
        if (at < 0 || foundLength != 3) {
            return false;
        }
        buf.setMedium(at, value);
        return true;
    }

    /** abs-send-time value for a time in µs: 6.18 fixed-point seconds, mod 64 s (webrtc.org abs-send-time). */
    public static int absSendTimeFromMicros(long timeUs) {
        return (int) (((timeUs << 18) / 1_000_000L) & 0xFFFFFF);
    }
}
