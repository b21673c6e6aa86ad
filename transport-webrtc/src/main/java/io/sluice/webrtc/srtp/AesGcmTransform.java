package io.sluice.webrtc.srtp;

import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AEAD_AES_128_GCM / AEAD_AES_256_GCM (RFC 7714) with one reused {@code AES/GCM/NoPadding} cipher
 * per key, re-initialised per packet.
 *
 * <p>RTP (§8.1): IV = session salt XOR {@code 00 00 ‖ SSRC ‖ ROC ‖ SEQ} (12 octets); AAD = the RTP
 * header including CSRCs and header extension; tag (16) after the ciphertext. SRTCP (§9.1): IV =
 * salt XOR {@code 00 00 ‖ SSRC ‖ 00 00 ‖ 0 ‖ SRTCP index}; with E = 1 the AAD is the first 8 octets
 * ‖ E‖index and the rest is encrypted, with E = 0 the whole packet ‖ E‖index is AAD; the E‖index
 * word follows the tag.
 *
 * <p>The JDK refuses to encrypt twice with the same key and IV; a packet protected again with the
 * same index (a plain retransmission) gets a throwaway re-init first, and then produces the same
 * bytes as before, which leaks nothing new.
 *
 * <p><b>Allocation floor.</b> About 1 KB per packet, all of it inside the JDK's {@code Cipher.init}
 * and {@code doFinal} (JDK 17, JFR allocation samples): a new GHASH engine with its precomputed
 * {@code long[]} table (most of it), the counter-mode and GCTR state, the {@code GCMEncrypt} object,
 * the tag array, plus the {@code GCMParameterSpec} the API demands (immutable, so it cannot be reused).
 * The same key object does spare the AES key expansion ({@code AESCrypt} keeps the last key) but not
 * the rest, and the GHASH intrinsic is reachable only through {@code Cipher}, so a pure-Java GHASH
 * without allocation would be several times slower. The bare-JDK baseline allocates the same
 * (SrtpProtectBenchmark: 992–1104 B/op here vs 1016–1128 B/op for the baseline, at a time ratio of
 * about 0.98).
 */
final class AesGcmTransform extends SrtpTransform {
    private static final int TAG_BITS = 128;
    private final Cipher rtpGcm;
    private final Cipher rtcpGcm;
    private final SecretKeySpec rtpKey;
    private final SecretKeySpec rtcpKey;
    private final byte[] rtpSalt;
    private final byte[] rtcpSalt;
    private final byte[] iv = new byte[12];
    private final byte[] word = new byte[4];
    private final byte[] empty = new byte[0];
    private boolean encryptRtp = true;

    AesGcmTransform(SrtpKeyingMaterial keys) {
        super(keys.profile());
        byte[] mk = keys.masterKey();
        byte[] ms = keys.masterSalt();
        int kl = profile.keyLength();
        rtpKey = new SecretKeySpec(SrtpKeyDerivation.deriveSessionKey(mk, ms, SrtpKeyDerivation.LABEL_RTP_ENCRYPTION, kl), "AES");
        rtcpKey = new SecretKeySpec(SrtpKeyDerivation.deriveSessionKey(mk, ms, SrtpKeyDerivation.LABEL_RTCP_ENCRYPTION, kl), "AES");
        rtpSalt = SrtpKeyDerivation.deriveSessionKey(mk, ms, SrtpKeyDerivation.LABEL_RTP_SALT, 12);
        rtcpSalt = SrtpKeyDerivation.deriveSessionKey(mk, ms, SrtpKeyDerivation.LABEL_RTCP_SALT, 12);
        try {
            rtpGcm = Cipher.getInstance("AES/GCM/NoPadding");
            rtcpGcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/GCM unavailable in this JDK", e);
        }
    }

    /** Test hook: session keys given directly (RFC 7714 §16–17 publish session keys, not master keys). */
    AesGcmTransform(SrtpProfile profile, byte[] sessionKey, byte[] sessionSalt) {
        super(profile);
        rtpKey = new SecretKeySpec(sessionKey, "AES");
        rtcpKey = rtpKey;
        rtpSalt = sessionSalt.clone();
        rtcpSalt = rtpSalt;
        try {
            rtpGcm = Cipher.getInstance("AES/GCM/NoPadding");
            rtcpGcm = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Test hook for RFC 7714 §16.1.2-style tag-only RTP (whole packet as AAD); not a negotiated profile. */
    void encryptRtp(boolean encrypt) {
        this.encryptRtp = encrypt;
    }

    private void rtpIv(int ssrc, int roc, int seq) {
        System.arraycopy(rtpSalt, 0, iv, 0, 12);
        iv[2] ^= (byte) (ssrc >>> 24);
        iv[3] ^= (byte) (ssrc >>> 16);
        iv[4] ^= (byte) (ssrc >>> 8);
        iv[5] ^= (byte) ssrc;
        iv[6] ^= (byte) (roc >>> 24);
        iv[7] ^= (byte) (roc >>> 16);
        iv[8] ^= (byte) (roc >>> 8);
        iv[9] ^= (byte) roc;
        iv[10] ^= (byte) (seq >>> 8);
        iv[11] ^= (byte) seq;
    }

    private void rtcpIv(int ssrc, int index) {
        System.arraycopy(rtcpSalt, 0, iv, 0, 12);
        iv[2] ^= (byte) (ssrc >>> 24);
        iv[3] ^= (byte) (ssrc >>> 16);
        iv[4] ^= (byte) (ssrc >>> 8);
        iv[5] ^= (byte) ssrc;
        iv[8] ^= (byte) ((index >>> 24) & 0x7F);
        iv[9] ^= (byte) (index >>> 16);
        iv[10] ^= (byte) (index >>> 8);
        iv[11] ^= (byte) index;
    }

    private void initEncrypt(Cipher c, SecretKeySpec key) throws GeneralSecurityException {
        try {
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
        } catch (InvalidAlgorithmParameterException sameKeyAndIv) {
            byte[] other = iv.clone();
            other[0] ^= 1;
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, other));
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
        }
    }

    @Override
    int protectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq) {
        rtpIv(ssrc, roc, seq);
        try {
            initEncrypt(rtpGcm, rtpKey);
            if (encryptRtp) {
                rtpGcm.updateAAD(b, off, headerLength);
                return headerLength + rtpGcm.doFinal(b, off + headerLength, len - headerLength, b, off + headerLength);
            }
            rtpGcm.updateAAD(b, off, len);
            return len + rtpGcm.doFinal(empty, 0, 0, b, off + len);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    @Override
    boolean unprotectRtp(byte[] b, int off, int headerLength, int len, int ssrc, int roc, int seq) {
        rtpIv(ssrc, roc, seq);
        try {
            rtpGcm.init(Cipher.DECRYPT_MODE, rtpKey, new GCMParameterSpec(TAG_BITS, iv));
            if (encryptRtp) {
                rtpGcm.updateAAD(b, off, headerLength);
                rtpGcm.doFinal(b, off + headerLength, len - headerLength, b, off + headerLength);
            } else {
                rtpGcm.updateAAD(b, off, len - 16);
                rtpGcm.doFinal(b, off + len - 16, 16, empty, 0);
            }
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    @Override
    int protectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypt) {
        rtcpIv(ssrc, srtcpIndex);
        putInt(word, 0, (encrypt ? 0x80000000 : 0) | (srtcpIndex & 0x7FFFFFFF));
        try {
            initEncrypt(rtcpGcm, rtcpKey);
            int n;
            if (encrypt) {
                rtcpGcm.updateAAD(b, off, 8);
                rtcpGcm.updateAAD(word);
                n = 8 + rtcpGcm.doFinal(b, off + 8, len - 8, b, off + 8);
            } else {
                rtcpGcm.updateAAD(b, off, len);
                rtcpGcm.updateAAD(word);
                n = len + rtcpGcm.doFinal(empty, 0, 0, b, off + len);
            }
            System.arraycopy(word, 0, b, off + n, 4);
            return n + 4;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }

    @Override
    int rtcpIndexOffset(int len) {
        return len - 4;
    }

    @Override
    boolean unprotectRtcp(byte[] b, int off, int len, int ssrc, int srtcpIndex, boolean encrypted) {
        rtcpIv(ssrc, srtcpIndex);
        System.arraycopy(b, off + len - 4, word, 0, 4);
        try {
            rtcpGcm.init(Cipher.DECRYPT_MODE, rtcpKey, new GCMParameterSpec(TAG_BITS, iv));
            if (encrypted) {
                rtcpGcm.updateAAD(b, off, 8);
                rtcpGcm.updateAAD(word);
                rtcpGcm.doFinal(b, off + 8, len - 4 - 8, b, off + 8);
            } else {
                rtcpGcm.updateAAD(b, off, len - 4 - 16);
                rtcpGcm.updateAAD(word);
                rtcpGcm.doFinal(b, off + len - 4 - 16, 16, empty, 0);
            }
            return true;
        } catch (AEADBadTagException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed", e);
        }
    }
}
