package io.sluice.webrtc.srtp;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-CM encryption (RFC 3711 §4.1.1) and HMAC-SHA1 authentication (§4.2.1).
 *
 * <p>The keystream {@code AES(k_e, IV + i)}, {@code IV = (k_s·2^16) XOR (SSRC·2^64) XOR (index·2^16)},
 * is produced by one reused {@code AES/ECB/NoPadding} cipher over a block of counters and XORed into
 * the payload 8 octets at a time; the tag comes from {@link HmacSha1}, which writes into a reused
 * array. No {@code Cipher.init} and no allocation per packet once the scratch arrays have grown to
 * the largest packet. Not thread-safe.
 */
final class AesCmHmacTransform extends SrtpTransform {
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_NE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());
    private final Cipher rtpAes;
    private final Cipher rtcpAes;
    private final HmacSha1 rtpMac;
    private final HmacSha1 rtcpMac;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
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
            rtpMac = new HmacSha1(rtpAuthKey);
            rtcpMac = new HmacSha1(rtcpAuthKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES or SHA-1 unavailable in this JDK", e);
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

    /**
     * XORs the AES-CM keystream for (SSRC, index) into {@code b[off, off+len)} (RFC 3711 §4.1.1).
     * Counter blocks are written as two big-endian longs each (the low 16 bits of the IV are zero,
     * so {@code IV + j} is {@code IV | j} for the at most 2^16 blocks of a packet), encrypted by one
     * ECB call (the JDK's multi-block AES intrinsic), and XORed in 8 octets at a time.
     */
    void xorKeystream(Cipher aes, byte[] salt, int ssrc, long index, byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        long saltHi = (long) LONG_BE.get(salt, 0);
        long saltLo = ((short) SHORT_BE.get(salt, 8) & 0xFFFFL) << 48 | ((int) INT_BE.get(salt, 10) & 0xFFFFFFFFL) << 16;
        long hi = saltHi ^ (ssrc & 0xFFFFFFFFL);
        long lo = saltLo ^ (index << 16);
        int blocks = (len + 15) >>> 4;
        int n = blocks << 4;
        if (counters.length < n) {
            counters = new byte[Math.max(n, 1536)];
            keystream = new byte[counters.length];
        }
        byte[] c = counters;
        for (int i = 0, p = 0; i < blocks; i++, p += 16) {
            LONG_BE.set(c, p, hi);
            LONG_BE.set(c, p + 8, lo | i);
        }
        try {
            aes.update(c, 0, n, keystream, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e);
        }
        byte[] k = keystream;
        int i = 0;
        for (int end = len - 7; i < end; i += 8) {
            LONG_NE.set(b, off + i, (long) LONG_NE.get(b, off + i) ^ (long) LONG_NE.get(k, i));
        }
        for (; i < len; i++) {
            b[off + i] ^= k[i];
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
        rtpMac.update(b, off, len);
        rtpMac.updateInt(rocValue);
        rtpMac.doFinal(macOut, 0);
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
        rtcpMac.doFinal(macOut, 0);
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
        rtcpMac.doFinal(macOut, 0);
        if (!equalsConstantTime(macOut, 0, b, off + authLen, tagLen)) {
            return false;
        }
        if (encrypted) {
            xorKeystream(rtcpAes, rtcpSalt, ssrc, srtcpIndex & 0x7FFFFFFFL, b, off + 8, authLen - 4 - 8);
        }
        return true;
    }
}
