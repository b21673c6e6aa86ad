package io.sluice.crypto.sframe;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.SecretKey;

/**
 * The AEAD of one key (one KID): {@code AEAD.Encrypt}/{@code AEAD.Decrypt} of RFC 9605 §4.4.3–4.4.4
 * with nonce = {@code sframe_salt} XOR CTR (CTR big-endian, left-padded to {@code Nn}) and
 * AAD = header ‖ metadata. The JDK {@link Cipher}/{@link Mac} instances are created once per key and
 * re-initialised per frame, so AES-NI/CLMUL/SHA intrinsics do the work and nothing is looked up per frame.
 *
 * <p>Package-private; not thread-safe. Every method works on caller arrays; output may be the same
 * array at the same offset as the input (in place), but must not otherwise overlap it.
 */
abstract class SframeAead {
    final SframeCipherSuite suite;
    final long kid;
    private final byte[] salt;
    /** Scratch nonce, rewritten per frame. */
    final byte[] nonce;

    SframeAead(SframeKeyMaterial km) {
        this.suite = km.suite;
        this.kid = km.kid;
        this.salt = km.sframeSalt.clone();
        this.nonce = new byte[suite.nn()];
    }

    static SframeAead create(SframeKeyMaterial km) {
        try {
            return km.suite.isCtrHmac() ? new CtrHmac(km) : new Gcm(km);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("JDK lacks " + km.suite + " primitives", e);
        }
    }

    /** nonce = sframe_salt XOR encode_big_endian(CTR, Nn) (RFC 9605 §4.4.3). */
    final void formNonce(long ctr) {
        System.arraycopy(salt, 0, nonce, 0, salt.length);
        int base = nonce.length - 8;
        for (int i = 0; i < 8; i++) {
            nonce[base + i] ^= (byte) (ctr >>> (56 - 8 * i));
        }
    }

    /**
     * Encrypts {@code pt} and appends the tag: writes {@code ptLen + Nt} bytes at {@code out[outOff]}.
     * AAD is {@code aad1 ‖ aad2} (header ‖ metadata).
     */
    abstract int seal(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
            byte[] pt, int ptOff, int ptLen, byte[] out, int outOff) throws GeneralSecurityException;

    /**
     * Verifies and decrypts {@code ct ‖ tag} ({@code len} bytes, &ge; {@code Nt}); writes the plaintext at
     * {@code out[outOff]}.
     *
     * @return plaintext length, or -1 when the tag does not verify
     */
    abstract int open(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
            byte[] ct, int ctOff, int len, byte[] out, int outOff) throws GeneralSecurityException;

    /** Zeroes the key copies this object holds (the JDK's own expanded copies cannot be reached). */
    void destroy() {
        Arrays.fill(salt, (byte) 0);
        Arrays.fill(nonce, (byte) 0);
    }

    /** AES-GCM (suites 0x0004, 0x0005). */
    static final class Gcm extends SframeAead {
        private final Cipher cipher;
        private final RawKey key;

        Gcm(SframeKeyMaterial km) throws GeneralSecurityException {
            super(km);
            this.key = new RawKey(km.encKey, "AES");
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        }

        @Override
        int seal(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
                byte[] pt, int ptOff, int ptLen, byte[] out, int outOff) throws GeneralSecurityException {
            init(Cipher.ENCRYPT_MODE, ctr, aad1, a1Off, a1Len, aad2, a2Off, a2Len);
            return cipher.doFinal(pt, ptOff, ptLen, out, outOff);
        }

        @Override
        int open(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
                byte[] ct, int ctOff, int len, byte[] out, int outOff) throws GeneralSecurityException {
            init(Cipher.DECRYPT_MODE, ctr, aad1, a1Off, a1Len, aad2, a2Off, a2Len);
            try {
                return cipher.doFinal(ct, ctOff, len, out, outOff);
            } catch (AEADBadTagException e) {
                // The JDK reports a bad tag only by exception; it stays inside this method.
                return -1;
            }
        }

        /** Per-frame re-init: the JDK's GCM needs a fresh nonce spec (a few dozen bytes of garbage per frame). */
        private void init(int mode, long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len)
                throws GeneralSecurityException {
            formNonce(ctr);
            cipher.init(mode, key, new GCMParameterSpec(suite.nt() * 8, nonce));
            cipher.updateAAD(aad1, a1Off, a1Len);
            if (a2Len > 0) {
                cipher.updateAAD(aad2, a2Off, a2Len);
            }
        }

        @Override
        void destroy() {
            super.destroy();
            key.destroy();
        }
    }

    /**
     * AES-CTR + HMAC (suites 0x0001–0x0003, RFC 9605 §4.5.1): ct = AES-CTR(enc_key, nonce ‖ 0x00000000, pt);
     * tag = HMAC(auth_key, len(AAD) ‖ len(ct) ‖ Nt ‖ nonce ‖ AAD ‖ ct)[..Nt), the three lengths as
     * 8-byte big-endian integers. Decryption checks the tag (constant time) before decrypting.
     */
    static final class CtrHmac extends SframeAead {
        private final Cipher cipher;
        private final Mac mac;
        private final RawKey encKey;
        private final RawKey authKey;
        private final byte[] counterBlock = new byte[16];
        private final byte[] lengths = new byte[24];
        private final byte[] macOut;

        CtrHmac(SframeKeyMaterial km) throws GeneralSecurityException {
            super(km);
            this.encKey = new RawKey(km.encKey, "AES");
            this.authKey = new RawKey(km.authKey, suite.hmacName());
            this.cipher = Cipher.getInstance("AES/CTR/NoPadding");
            this.mac = Mac.getInstance(suite.hmacName());
            this.mac.init(authKey);
            this.macOut = new byte[mac.getMacLength()];
        }

        @Override
        int seal(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
                byte[] pt, int ptOff, int ptLen, byte[] out, int outOff) throws GeneralSecurityException {
            formNonce(ctr);
            System.arraycopy(nonce, 0, counterBlock, 0, nonce.length);
            cipher.init(Cipher.ENCRYPT_MODE, encKey, new IvParameterSpec(counterBlock));
            int n = cipher.doFinal(pt, ptOff, ptLen, out, outOff);
            tag(aad1, a1Off, a1Len, aad2, a2Off, a2Len, out, outOff, n);
            System.arraycopy(macOut, 0, out, outOff + n, suite.nt());
            return n + suite.nt();
        }

        @Override
        int open(long ctr, byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
                byte[] ct, int ctOff, int len, byte[] out, int outOff) throws GeneralSecurityException {
            int nt = suite.nt();
            int ctLen = len - nt;
            formNonce(ctr);
            tag(aad1, a1Off, a1Len, aad2, a2Off, a2Len, ct, ctOff, ctLen);
            int diff = 0;
            for (int i = 0; i < nt; i++) {
                diff |= macOut[i] ^ ct[ctOff + ctLen + i];
            }
            if (diff != 0) {
                return -1;
            }
            System.arraycopy(nonce, 0, counterBlock, 0, nonce.length);
            cipher.init(Cipher.DECRYPT_MODE, encKey, new IvParameterSpec(counterBlock));
            return cipher.doFinal(ct, ctOff, ctLen, out, outOff);
        }

        private void tag(byte[] aad1, int a1Off, int a1Len, byte[] aad2, int a2Off, int a2Len,
                byte[] ct, int ctOff, int ctLen) throws GeneralSecurityException {
            putLong(lengths, 0, (long) a1Len + a2Len);
            putLong(lengths, 8, ctLen);
            putLong(lengths, 16, suite.nt());
            mac.update(lengths);
            mac.update(nonce);
            mac.update(aad1, a1Off, a1Len);
            if (a2Len > 0) {
                mac.update(aad2, a2Off, a2Len);
            }
            mac.update(ct, ctOff, ctLen);
            mac.doFinal(macOut, 0);
        }

        private static void putLong(byte[] b, int off, long v) {
            for (int i = 0; i < 8; i++) {
                b[off + i] = (byte) (v >>> (56 - 8 * i));
            }
        }

        @Override
        void destroy() {
            super.destroy();
            encKey.destroy();
            authKey.destroy();
            Arrays.fill(macOut, (byte) 0);
            Arrays.fill(counterBlock, (byte) 0);
            mac.reset();
        }
    }

    /**
     * A raw secret key whose bytes {@link #destroy()} zeroes ({@code SecretKeySpec} cannot be destroyed
     * on JDK 17). The JDK providers copy it at {@code init}; those copies are out of reach.
     */
    static final class RawKey implements SecretKey {
        private static final long serialVersionUID = 1L;
        private final byte[] bytes;
        private final String algorithm;
        private boolean destroyed;

        RawKey(byte[] bytes, String algorithm) {
            this.bytes = bytes.clone();
            this.algorithm = algorithm;
        }

        @Override
        public String getAlgorithm() {
            return algorithm;
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            if (destroyed) {
                throw new IllegalStateException("key destroyed");
            }
            return bytes.clone();
        }

        @Override
        public void destroy() {
            Arrays.fill(bytes, (byte) 0);
            destroyed = true;
        }

        @Override
        public boolean isDestroyed() {
            return destroyed;
        }

        @Override
        public String toString() {
            return "RawKey{" + algorithm + " <redacted>}";
        }
    }
}
