package io.sluice.crypto.sframe;

/**
 * The five SFrame cipher suites registered by RFC 9605 §8.1 and defined in §4.5, with the sizes the
 * RFC names: {@code Nh} (hash output), {@code Nka} (AES key inside a CTR+HMAC key), {@code Nk}
 * ({@code sframe_key}), {@code Nn} (nonce, {@code sframe_salt}) and {@code Nt} (authentication tag), all
 * in bytes.
 *
 * <p>The CTR+HMAC suites (0x0001–0x0003) are the RFC's synthetic AEAD (§4.5.1): {@code sframe_key} is
 * {@code Nka + Nh} bytes, split into {@code enc_key} (AES-CTR) and {@code auth_key} (HMAC), and the tag is
 * the HMAC truncated to {@code Nt} bytes. The GCM suites use AES-GCM with a 16-byte tag. The hash names
 * the HKDF hash of §4.4.2 (and the HMAC hash for the CTR suites).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9605.html#section-4.5">RFC 9605 §4.5</a>
 */
public enum SframeCipherSuite {
    /** 0x0001: AES-128-CTR, HMAC-SHA256 tag truncated to 80 bits. */
    AES_128_CTR_HMAC_SHA256_80(0x0001, 32, 16, 48, 12, 10),
    /** 0x0002: AES-128-CTR, HMAC-SHA256 tag truncated to 64 bits. */
    AES_128_CTR_HMAC_SHA256_64(0x0002, 32, 16, 48, 12, 8),
    /** 0x0003: AES-128-CTR, HMAC-SHA256 tag truncated to 32 bits. */
    AES_128_CTR_HMAC_SHA256_32(0x0003, 32, 16, 48, 12, 4),
    /** 0x0004: AES-128-GCM, 128-bit tag, HKDF-SHA256. */
    AES_128_GCM_SHA256_128(0x0004, 32, 0, 16, 12, 16),
    /** 0x0005: AES-256-GCM, 128-bit tag, HKDF-SHA512. */
    AES_256_GCM_SHA512_128(0x0005, 64, 0, 32, 12, 16);

    private final int id;
    private final int nh;
    private final int nka;
    private final int nk;
    private final int nn;
    private final int nt;

    SframeCipherSuite(int id, int nh, int nka, int nk, int nn, int nt) {
        this.id = id;
        this.nh = nh;
        this.nka = nka;
        this.nk = nk;
        this.nn = nn;
        this.nt = nt;
    }

    /** The IANA "SFrame Cipher Suites" value (RFC 9605 §8.1), 0x0001..0x0005; also the 2-byte suite in the key-derivation labels. */
    public int id() {
        return id;
    }

    /** {@code Nh}: output size of the suite's hash (SHA-256: 32, SHA-512: 64), bytes. */
    public int nh() {
        return nh;
    }

    /** {@code Nka}: AES key size inside a CTR+HMAC {@code sframe_key}, bytes; 0 for the GCM suites (no split). */
    public int nka() {
        return nka;
    }

    /** {@code Nk}: size of {@code sframe_key}, bytes (CTR suites: {@code Nka + Nh} = 48). */
    public int nk() {
        return nk;
    }

    /** {@code Nn}: size of the nonce and of {@code sframe_salt}, bytes (12 for every suite). */
    public int nn() {
        return nn;
    }

    /** {@code Nt}: size of the authentication tag appended to each ciphertext, bytes. */
    public int nt() {
        return nt;
    }

    /** Whether this is one of the AES-CTR + HMAC suites of §4.5.1 (otherwise AES-GCM). */
    public boolean isCtrHmac() {
        return nka != 0;
    }

    /** The AES key size, bytes: {@code Nka} for the CTR suites, {@code Nk} for GCM. */
    public int aesKeyLength() {
        return isCtrHmac() ? nka : nk;
    }

    /** JDK name of the suite's hash: {@code "SHA-256"} or {@code "SHA-512"}. */
    public String hashName() {
        return nh == 64 ? "SHA-512" : "SHA-256";
    }

    /** JDK {@code Mac} name of the suite's HMAC: {@code "HmacSHA256"} or {@code "HmacSHA512"}. */
    public String hmacName() {
        return nh == 64 ? "HmacSHA512" : "HmacSHA256";
    }

    /**
     * The suite with IANA value {@code id}.
     *
     * @throws IllegalArgumentException if {@code id} is not one of 0x0001..0x0005
     */
    public static SframeCipherSuite fromId(int id) {
        for (SframeCipherSuite s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        throw new IllegalArgumentException("cipher suite: 0x" + Integer.toHexString(id) + " (expected: 0x1..0x5, RFC 9605 §4.5)");
    }
}
