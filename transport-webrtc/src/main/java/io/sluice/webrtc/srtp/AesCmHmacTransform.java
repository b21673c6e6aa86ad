package io.sluice.webrtc.srtp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CM encryption (RFC 3711 §4.1.1) and HMAC-SHA1 authentication (§4.2.1).
 *
 * <p>The keystream {@code AES(k_e, IV + i)}, {@code IV = (k_s·2^16) XOR (SSRC·2^64) XOR (index·2^16)},
 * is produced by one reused {@code AES/ECB/NoPadding} cipher over a block of counters and XORed into
 * the payload: no {@code Cipher.init} and no allocation per packet once the scratch arrays have
 * grown to the largest packet.
 */
final class AesCmHmacTransform extends SrtpTransform {
    private final Cipher rtpAes;
    private final Cipher rtcpAes;
    private final Mac rtpMac;
    private final Mac rtcpMac;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final byte[] iv = new byte[16];
    private final byte[] roc = new byte[4];
    private final byte[] macOut = new byte[20];
    private byte[] counters = new byte[0];
    private byte[] keystream = new byte[0];

    AesCmHmacTransform(SrtpKeyingMaterial keys) {
        this(keys.profile(), derive(keys, SrtpKeyDerivation.LABEL_RTP_ENCRYPTION, keys.profile().keyLength()),
                derive(keys, SrtpKeyDerivation.LABEL_RTP_SALT, 14), derive(keys, SrtpKeyDerivation.LABEL_RTP_AUTH, 20),
                derive(keys, SrtpKeyDerivation.LABEL_RTCP_ENCRYPTION, keys.profile().keyLength()),
                derive(keys, SrtpKeyDerivation.LABEL_RTCP_SALT, 14), derive(keys, SrtpKeyDerivation.LABEL_RTCP_AUTH, 20));
    }

    private static byte[] derive(SrtpKeyingMaterial keys, int label, int length) {
        return SrtpKeyDerivation.deriveSessionKey(keys.masterKey(), keys.masterSalt(), label, length);
    }

    /** From session keys (RFC 3711 §4.3 output); also the test hook for Appendix B.2. */
    AesCmHmacTransform(SrtpProfile profile, byte[] rtpKey, byte[] rtpSalt, byte[] rtpAuthKey,
            byte[] rtcpKey, byte[] rtcpSalt, byte[] rtcpAuthKey) {
        super(profile);
        try {
            rtpAes = ecb(rtpKey);
            rtcpAes = ecb(rtcpKey);
            rtpMac = hmac(rtpAuthKey);
            rtcpMac = hmac(rtcpAuthKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES or HmacSHA1 unavailable in this JDK", e);
        }
        this.rtpSalt = rtpSalt.clone();
        this.rtcpSalt = rtcpSalt.clone();
    }

    /** Test hook: XORs the SRTP (RTP) keystream for (SSRC, index) into {@code b}. */
    void xorRtpKeystream(int ssrc, long index, byte[] b, int off, int len) {
        xorKeystream(rtpAes, rtpSalt, ssrc, index, b, off, len);
    }

    private static Cipher ecb(byte[] key) throws GeneralSecurityException {
        Cipher c = Cipher.getInstance("AES/ECB/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
        return c;
    }

    private static Mac hmac(byte[] key) throws GeneralSecurityException {
        Mac m = Mac.getInstance("HmacSHA1");
        m.init(new SecretKeySpec(key, "HmacSHA1"));
        return m;
    }

    /** XORs the AES-CM keystream for (SSRC, index) into {@code b[off, off+len)} (RFC 3711 §4.1.1). */
    void xorKeystream(Cipher aes, byte[] salt, int ssrc, long index, byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        System.arraycopy(salt, 0, iv, 0, 14);
        iv[14] = 0;
        iv[15] = 0;
        iv[4] ^= (byte) (ssrc >>> 24);
        iv[5] ^= (byte) (ssrc >>> 16);
        iv[6] ^= (byte) (ssrc >>> 8);
        iv[7] ^= (byte) ssrc;
        for (int i = 0; i < 6; i++) {
            iv[13 - i] ^= (byte) (index >>> (8 * i));
        }
        int blocks = (len + 15) >>> 4;
        int n = blocks << 4;
        if (counters.length < n) {
            counters = new byte[Math.max(n, 1536)];
            keystream = new byte[counters.length];
        }
        for (int i = 0; i < blocks; i++) {
            int p = i << 4;
            System.arraycopy(iv, 0, counters, p, 14);
            counters[p + 14] = (byte) (i >>> 8);
            counters[p + 15] = (byte) i;
        }
        try {
            aes.update(counters, 0, n, keystream, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        for (int i = 0; i < len; i++) {
            b[off + i] ^= keystream[i];
        }
    }

    @Override
    int protectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq) {
        long index = ((roc & 0xFFFFFFFFL) << 16) | seq;
        xorKeystream(rtpAes, rtpSalt, ssrc, index, b, off + headerLength, len - headerLength);
        rtpTag(b, off, len, roc);
        System.arraycopy(macOut, 0, b, off + len, profile.rtpTagLength());
        return len + profile.rtpTagLength();
    }

    private void rtpTag(byte[] b, int off, int len, int rocValue) {
        putInt(roc, 0, rocValue);
        rtpMac.update(b, off, len);
        rtpMac.update(roc);
        doFinal(rtpMac);
    }

    private void doFinal(Mac mac) {
        try {
            mac.doFinal(macOut, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    boolean unprotectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq) {
        int tagLen = profile.rtpTagLength();
        int authLen = len - tagLen;
        rtpTag(b, off, authLen, roc);
        if (!equalsConstantTime(macOut, 0, b, off + authLen, tagLen)) {
            return false;
        }
        long index = ((roc & 0xFFFFFFFFL) << 16) | seq;
        xorKeystream(rtpAes, rtpSalt, ssrc, index, b, off + headerLength, authLen - headerLength);
        return true;
    }

    @Override
    int protectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypt) {
        if (encrypt) {
            xorKeystream(rtcpAes, rtcpSalt, ssrc, srtcpIndex & 0x7FFFFFFFL, b, off + 8, len - 8);
        }
        putInt(b, off + len, (encrypt ? 0x80000000 : 0) | (srtcpIndex & 0x7FFFFFFF));
        rtcpMac.update(b, off, len + 4);
        doFinal(rtcpMac);
        System.arraycopy(macOut, 0, b, off + len + 4, profile.rtcpTagLength());
        return len + 4 + profile.rtcpTagLength();
    }

    @Override
    int rtcpIndexOffset(int len) {
        return len - profile.rtcpTagLength() - 4;
    }

    @Override
    boolean unprotectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypted) {
        int tagLen = profile.rtcpTagLength();
        int authLen = len - tagLen;
        rtcpMac.update(b, off, authLen);
        doFinal(rtcpMac);
        if (!equalsConstantTime(macOut, 0, b, off + authLen, tagLen)) {
            return false;
        }
        if (encrypted) {
            xorKeystream(rtcpAes, rtcpSalt, ssrc, srtcpIndex & 0x7FFFFFFFL, b, off + 8, authLen - 4 - 8);
        }
        return true;
    }
}
