package io.sluice.webrtc.srtp;

import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * SRTP session key derivation with the AES-CM PRF (RFC 3711 §4.3.1 and §4.3.3).
 *
 * <p>{@code key_id = label ‖ r} with {@code r = index DIV key_derivation_rate} (0 when the rate is 0,
 * as in WebRTC), {@code x = key_id XOR master_salt} right-aligned in 14 octets, and the output is the
 * AES-CM keystream {@code AES(master_key, x·2^16 + i)}, i = 0, 1, …, truncated to the length asked.
 *
 * <p><b>Width of r.</b> RFC 3711 makes r 48 bits for SRTP and SRTCP alike, so the label sits at
 * octet 7 of the 14-octet value for every label 0–5; libsrtp, pion and browsers do this ({@link
 * #INDEX_BITS_RFC3711}). NIST SP 800-135 / ACVP instead take r as 32 bits for the SRTCP labels 3–5
 * (label at octet 9): {@link #derive(byte[], byte[], int, long, long, int, int)} accepts
 * {@code indexBits = 32} only to check those vectors; never use it on the wire.
 *
 * <p>The GCM profiles have a 12-octet master salt; RFC 7714 §11 uses the same PRF, and like libsrtp
 * the salt is left-aligned in the 14-octet field (the last two octets are zero).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc3711#section-4.3">RFC 3711 §4.3</a>
 */
public final class SrtpKeyDerivation {
    /** Label 0x00: SRTP encryption key. */
    public static final int LABEL_RTP_ENCRYPTION = 0;
    /** Label 0x01: SRTP authentication key. */
    public static final int LABEL_RTP_AUTH = 1;
    /** Label 0x02: SRTP salt. */
    public static final int LABEL_RTP_SALT = 2;
    /** Label 0x03: SRTCP encryption key. */
    public static final int LABEL_RTCP_ENCRYPTION = 3;
    /** Label 0x04: SRTCP authentication key. */
    public static final int LABEL_RTCP_AUTH = 4;
    /** Label 0x05: SRTCP salt. */
    public static final int LABEL_RTCP_SALT = 5;
    /** Width of r per RFC 3711 (and libsrtp) for every label: 48 bits. */
    public static final int INDEX_BITS_RFC3711 = 48;

    private SrtpKeyDerivation() {
    }

    /**
     * Derives a session key with key_derivation_rate 0 (r = 0), the WebRTC case.
     *
     * @param masterKey  16 or 32 octets
     * @param masterSalt 14 octets (AES-CM) or 12 (GCM, left-aligned)
     * @param label      0..5, see the {@code LABEL_*} constants
     * @param length     output length in octets, 1..4096
     * @return a new array of {@code length} octets
     * @throws IllegalArgumentException on bad lengths or label
     */
    public static byte[] deriveSessionKey(byte[] masterKey, byte[] masterSalt, int label, int length) {
        return derive(masterKey, masterSalt, label, 0, 0, INDEX_BITS_RFC3711, length);
    }

    /**
     * General form of the KDF (RFC 3711 §4.3.1).
     *
     * @param index             packet index: 48-bit SRTP index or 31-bit SRTCP index
     * @param keyDerivationRate 0 or a power of two up to 2^24; {@code r = index / rate}, 0 if rate is 0
     * @param indexBits         width of r: 48 (RFC 3711, libsrtp) or 32 (NIST ACVP convention for SRTCP labels)
     * @throws IllegalArgumentException on bad lengths, label or width
     */
    public static byte[] derive(byte[] masterKey, byte[] masterSalt, int label, long index, long keyDerivationRate,
            int indexBits, int length) {
        if (masterKey.length != 16 && masterKey.length != 24 && masterKey.length != 32) {
            throw new IllegalArgumentException("masterKey: " + masterKey.length + " octets (expected: 16, 24 or 32)");
        }
        if (masterSalt.length > 14 || masterSalt.length < 12) {
            throw new IllegalArgumentException("masterSalt: " + masterSalt.length + " octets (expected: 12..14)");
        }
        if (label < 0 || label > 255) {
            throw new IllegalArgumentException("label: " + label + " (expected: 0..255)");
        }
        if (indexBits != 48 && indexBits != 32) {
            throw new IllegalArgumentException("indexBits: " + indexBits + " (expected: 48 or 32)");
        }
        if (length <= 0 || length > 4096) {
            throw new IllegalArgumentException("length: " + length + " (expected: 1..4096)");
        }
        if (keyDerivationRate < 0) {
            throw new IllegalArgumentException("keyDerivationRate: " + keyDerivationRate + " (expected: >= 0)");
        }
        long r = keyDerivationRate == 0 ? 0 : index / keyDerivationRate;
        byte[] x = new byte[16];
        System.arraycopy(masterSalt, 0, x, 0, masterSalt.length);
        int rOctets = indexBits / 8;
        int labelAt = 14 - rOctets - 1;
        x[labelAt] ^= (byte) label;
        for (int i = 0; i < rOctets; i++) {
            x[13 - i] ^= (byte) (r >>> (8 * i));
        }
        try {
            Cipher aes = Cipher.getInstance("AES/ECB/NoPadding");
            aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(masterKey, "AES"));
            int blocks = (length + 15) / 16;
            byte[] in = new byte[blocks * 16];
            for (int i = 0; i < blocks; i++) {
                System.arraycopy(x, 0, in, i * 16, 14);
                in[i * 16 + 14] = (byte) (i >>> 8);
                in[i * 16 + 15] = (byte) i;
            }
            byte[] out = aes.doFinal(in);
            byte[] result = new byte[length];
            System.arraycopy(out, 0, result, 0, length);
            return result;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES unavailable in this JDK", e);
        }
    }
}
