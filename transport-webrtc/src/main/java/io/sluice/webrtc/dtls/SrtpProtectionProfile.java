package io.sluice.webrtc.dtls;

/**
 * The SRTP protection profiles Sluice negotiates in the DTLS {@code use_srtp} extension, with the
 * master key and salt lengths that size the DTLS-SRTP exporter output.
 *
 * <p>Constant names and accessors match {@code io.sluice.webrtc.srtp.SrtpProfile}, so the SRTP
 * layer maps a negotiated profile with {@code SrtpProfile.forDtlsId(profile.dtlsId())}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5764#section-4.1.2">RFC 5764 §4.1.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7714#section-12">RFC 7714 §12</a>
 */
public enum SrtpProtectionProfile {
    /** {@code SRTP_AES128_CM_HMAC_SHA1_80} = {0x00, 0x01}: 128-bit master key, 112-bit salt (RFC 5764 §4.1.2). */
    AES128_CM_HMAC_SHA1_80(0x0001, 16, 14),
    /** {@code SRTP_AEAD_AES_128_GCM} = {0x00, 0x07}: 128-bit master key, 96-bit salt (RFC 7714 §12). */
    AEAD_AES_128_GCM(0x0007, 16, 12);

    private final int dtlsId;
    private final int keyLength;
    private final int saltLength;

    SrtpProtectionProfile(int dtlsId, int keyLength, int saltLength) {
        this.dtlsId = dtlsId;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
    }

    /** The two-octet {@code SRTPProtectionProfile} value carried in {@code use_srtp}. */
    public int dtlsId() {
        return dtlsId;
    }

    /** SRTP master key length in octets. */
    public int keyLength() {
        return keyLength;
    }

    /** SRTP master salt length in octets. */
    public int saltLength() {
        return saltLength;
    }

    /**
     * The profile with the given {@code use_srtp} id.
     *
     * @return the profile, or {@code null} if Sluice does not implement it
     */
    public static SrtpProtectionProfile forDtlsId(int dtlsId) {
        for (SrtpProtectionProfile p : values()) {
            if (p.dtlsId == dtlsId) {
                return p;
            }
        }
        return null;
    }
}
