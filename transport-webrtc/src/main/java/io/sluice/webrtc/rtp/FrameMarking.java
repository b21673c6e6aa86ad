package io.sluice.webrtc.rtp;

/**
 * The Video Frame Marking RTP header extension, short form for non-scalable streams (RFC 9626 §3.1),
 * URI {@code urn:ietf:params:rtp-hdrext:framemarking}: one octet of frame information a middlebox can
 * read when the payload itself is encrypted (end-to-end with SFrame).
 *
 * <pre>
 *  0 1 2 3 4 5 6 7
 * +-+-+-+-+-+-+-+-+
 * |S|E|I|D|0 0 0 0|
 * +-+-+-+-+-+-+-+-+
 * </pre>
 * <ul>
 * <li>S (0x80): first packet of a frame. E (0x40): last packet of a frame.</li>
 * <li>I (0x20): the frame is independent: decodable without any earlier frame (an IDR access unit).</li>
 * <li>D (0x10): discardable: no other frame depends on it.</li>
 * <li>the low four bits (B and TID in the scalable form) are 0 for a non-scalable stream.</li>
 * </ul>
 * Sluice's SFrame video sender puts it on every packet; the WHIP ingest takes keyframe-ness from the I
 * bit, since it cannot read the ciphertext. Static helpers; no state.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9626">RFC 9626</a>
 */
public final class FrameMarking {
    /** Length of the non-scalable short form, octets. */
    public static final int LENGTH = 1;
    /** S: start of frame. */
    public static final int START = 0x80;
    /** E: end of frame. */
    public static final int END = 0x40;
    /** I: independent frame. */
    public static final int INDEPENDENT = 0x20;
    /** D: discardable frame. */
    public static final int DISCARDABLE = 0x10;

    private FrameMarking() {
    }

    /** The octet for one packet of a frame of a non-scalable stream. */
    public static int nonScalable(boolean start, boolean end, boolean independent, boolean discardable) {
        return (start ? START : 0) | (end ? END : 0) | (independent ? INDEPENDENT : 0) | (discardable ? DISCARDABLE : 0);
    }

    /** Whether {@code marking} (the extension's first octet) has the I bit. */
    public static boolean isIndependent(int marking) {
        return (marking & INDEPENDENT) != 0;
    }

    /**
     * The frame marking octet of the packet {@code view} wraps, from extension element {@code id}.
     *
     * @return 0..255, or -1 if the element is absent, empty or the id is not positive
     */
    public static int read(RtpPacket view, int id) {
        if (id <= 0) {
            return -1;
        }
        int at = view.findExtension(id);
        if (at < 0 || view.foundExtensionLength() < LENGTH) {
            return -1;
        }
        return view.buffer().getUnsignedByte(at);
    }
}
