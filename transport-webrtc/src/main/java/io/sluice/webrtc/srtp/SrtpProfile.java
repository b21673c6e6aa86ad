package io.sluice.webrtc.srtp;

/**
 * SRTP protection profiles: cipher, key/salt lengths and authentication tag lengths.
 *
 * <p>Names follow the DTLS-SRTP registry (RFC 5764 §4.1.2, RFC 7714 §14.2); {@link #dtlsId()} is
 * the two-octet {@code SRTPProtectionProfile} value carried in the {@code use_srtp} extension.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5764#section-4.1.2">RFC 5764 §4.1.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7714#section-14.2">RFC 7714 §14.2</a>
 */
public enum SrtpProfile {
    /** AES-128 counter mode, HMAC-SHA1 with an 80-bit tag on RTP and RTCP (RFC 3711 default). */
    AES128_CM_HMAC_SHA1_80(0x0001, 16, 14, 10, 10, false),
    /**
     * AES-128 counter mode, HMAC-SHA1 with a 32-bit tag on RTP; SRTCP keeps the 80-bit tag
     * (RFC 5764 §4.1.2: "SRTCP_AUTH_TAG_LENGTH 80").
     */
    AES128_CM_HMAC_SHA1_32(0x0002, 16, 14, 4, 10, false),
    /** AES-128 GCM AEAD, 16-octet tag, 12-octet salt (RFC 7714 §14.2). */
    AEAD_AES_128_GCM(0x0007, 16, 12, 16, 16, true),
    /** AES-256 GCM AEAD, 16-octet tag, 12-octet salt (RFC 7714 §14.2). */
    AEAD_AES_256_GCM(0x0008, 32, 12, 16, 16, true);

    private final int dtlsId;
    private final int keyLength;
    private final int saltLength;
    private final int rtpTagLength;
    private final int rtcpTagLength;
    private final boolean aead;

    SrtpProfile(int dtlsId, int keyLength, int saltLength, int rtpTagLength, int rtcpTagLength, boolean aead) {
        this.dtlsId = dtlsId;
        this.keyLength = keyLength;
        this.saltLength = saltLength;
        this.rtpTagLength = rtpTagLength;
        this.rtcpTagLength = rtcpTagLength;
        this.aead = aead;
    }

    /** The DTLS-SRTP {@code SRTPProtectionProfile} id (RFC 5764 §4.1.2, RFC 7714 §14.2). */
    public int dtlsId() {
        return dtlsId;
    }

    /** The profile with the given DTLS-SRTP id, or {@code null} if Sluice does not implement it. */
    public static SrtpProfile forDtlsId(int dtlsId) {
        for (SrtpProfile p : values()) {
            if (p.dtlsId == dtlsId) {
                return p;
            }
        }
        return null;
    }

    /** Master key length in octets (also the session encryption key length). */
    public int keyLength() {
        return keyLength;
    }

    /** Master salt length in octets (also the session salt length): 14 for AES-CM, 12 for GCM. */
    public int saltLength() {
        return saltLength;
    }

    /** Octets the authentication tag adds to an SRTP packet. */
    public int rtpTagLength() {
        return rtpTagLength;
    }

    /** Octets the authentication tag adds to an SRTCP packet (the 4-octet E‖SRTCP index comes on top). */
    public int rtcpTagLength() {
        return rtcpTagLength;
    }

    /** {@code true} for the AES-GCM profiles of RFC 7714. */
    public boolean isAead() {
        return aead;
    }

    /** Session authentication key length in octets: 20 for HMAC-SHA1 (RFC 3711 §8.2), 0 for GCM. */
    public int authKeyLength() {
        return aead ? 0 : 20;
    }

    /** Tail room in octets {@link SrtpSender#protectRtp} needs after an RTP packet: the tag. */
    public int rtpTailRoom() {
        return rtpTagLength;
    }

    /** Tail room in octets {@link SrtpSender#protectRtcp} needs after an RTCP packet: tag plus E‖index (4). */
    public int rtcpTailRoom() {
        return rtcpTagLength + 4;
    }

    /**
     * Octets an SRTP packet of this profile carries on the wire beyond its RTP bytes: the tag, the UDP header (8)
     * and the IP header (20 for IPv4, 40 for IPv6 without extension headers). What a congestion controller adds to
     * each packet's size so that its rates are rates on the wire ({@code RtpSession.Builder#transportOverhead}).
     *
     * @param remote the peer's address; {@code null} counts IPv4
     */
    public int wireOverhead(java.net.InetSocketAddress remote) {
        boolean ipv6 = remote != null && remote.getAddress() instanceof java.net.Inet6Address;
        return rtpTagLength + 8 + (ipv6 ? 40 : 20);
    }
}
