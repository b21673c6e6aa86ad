package io.sluice.webrtc.rtp;

/**
 * The SFrame payload descriptor: the first octet of every RTP payload of the SFrame RTP payload format
 * (draft-ietf-avtcore-rtp-sframe-02 §4). The rest of the payload is one fragment of an SFrame ciphertext
 * (RFC 9605 §4.2: SFrame header ‖ encrypted data ‖ tag).
 *
 * <pre>
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * |S|E|T|reserved |
 * +-+-+-+-+-+-+-+-+
 * </pre>
 * <ul>
 * <li>S (0x80): this fragment is the first of its SFrame ciphertext; 0 on every other fragment.</li>
 * <li>E (0x40): this fragment is the last of its SFrame ciphertext; 0 on every other fragment.</li>
 * <li>T (0x20): 1 if the protected content is a media-format packetized payload (per-packet SFrame,
 *     §5.1.2), 0 if it is a raw media frame (per-frame SFrame, §5.1.1). Equal on all fragments of one
 *     ciphertext. Sluice sends and accepts T = 0 only.</li>
 * <li>reserved (0x1F): written as 0, ignored on receipt.</li>
 * </ul>
 * Static helpers over an {@code int} octet; no state.
 *
 * @see <a href="https://datatracker.ietf.org/doc/draft-ietf-avtcore-rtp-sframe/02/">draft-ietf-avtcore-rtp-sframe-02</a>
 */
public final class SframePayloadDescriptor {
    /** Length of the descriptor, octets. */
    public static final int LENGTH = 1;
    /** The S bit: first fragment of an SFrame ciphertext. */
    public static final int START = 0x80;
    /** The E bit: last fragment of an SFrame ciphertext. */
    public static final int END = 0x40;
    /** The T bit: the content is packetized (per-packet SFrame) rather than a raw frame. */
    public static final int PACKETIZED = 0x20;
    /** The five reserved bits. */
    public static final int RESERVED = 0x1F;

    private SframePayloadDescriptor() {
    }

    /** The descriptor octet for a per-frame (T = 0) fragment, reserved bits 0. */
    public static int perFrame(boolean start, boolean end) {
        return (start ? START : 0) | (end ? END : 0);
    }

    /** Whether {@code descriptor} (the payload's first octet) has the S bit. */
    public static boolean isStart(int descriptor) {
        return (descriptor & START) != 0;
    }

    /** Whether {@code descriptor} has the E bit. */
    public static boolean isEnd(int descriptor) {
        return (descriptor & END) != 0;
    }

    /** Whether {@code descriptor} has the T bit (packetized origin, per-packet SFrame). */
    public static boolean isPacketized(int descriptor) {
        return (descriptor & PACKETIZED) != 0;
    }

    /** For logs: e.g. {@code "S E T=0"}. */
    public static String describe(int descriptor) {
        return (isStart(descriptor) ? "S " : "") + (isEnd(descriptor) ? "E " : "") + "T=" + (isPacketized(descriptor) ? 1 : 0);
    }
}
