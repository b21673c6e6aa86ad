package io.sluice.webrtc.srtp;

/**
 * The cryptographic transform of one direction (session keys derived once, {@code Cipher}/{@code Mac}
 * objects reused), working on byte arrays. Index bookkeeping lives in {@link SrtpSender} and
 * {@link SrtpReceiver}. Not thread-safe.
 */
abstract class SrtpTransform {
    final SrtpProfile profile;

    SrtpTransform(SrtpProfile profile) {
        this.profile = profile;
    }

    static SrtpTransform create(SrtpKeyingMaterial keys) {
        return keys.profile().isAead() ? new AesGcmTransform(keys) : new AesCmHmacTransform(keys);
    }

    /**
     * Encrypts and authenticates an RTP packet in {@code b[off, off+len)}; the tag is written after it.
     *
     * @return the SRTP packet length ({@code len + rtpTagLength})
     */
    abstract int protectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq);

    /**
     * Verifies and decrypts an SRTP packet {@code b[off, off+len)} (tag included) in place.
     *
     * @return {@code false} if the tag does not verify (the bytes are then unchanged)
     */
    abstract boolean unprotectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq);

    /**
     * Protects a compound RTCP packet {@code b[off, off+len)}; appends E‖SRTCP index and the tag in
     * the profile's order.
     *
     * @return the SRTCP packet length ({@code len + 4 + rtcpTagLength})
     */
    abstract int protectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypt);

    /** Offset, from the packet start, of the 4-octet E‖SRTCP index word in an SRTCP packet of {@code len} octets. */
    abstract int rtcpIndexOffset(int len);

    /**
     * Verifies an SRTCP packet {@code b[off, off+len)} and decrypts it in place if {@code encrypted}.
     * The plaintext compound packet is {@code b[off, off+len-4-rtcpTagLength)}.
     */
    abstract boolean unprotectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypted);

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** Constant-time comparison of {@code n} octets. */
    static boolean equalsConstantTime(byte[] a, int aOff, byte[] b, int bOff, int n) {
        int diff = 0;
        for (int i = 0; i < n; i++) {
            diff |= a[aOff + i] ^ b[bOff + i];
        }
        return diff == 0;
    }
}
