package io.sluice.webrtc.dtls;

import java.util.Arrays;
import java.util.Objects;

/**
 * The SRTP master keys and salts a DTLS-SRTP handshake produced, for both directions. Immutable
 * and thread-safe; byte arrays are copied in and out, and {@link #toString()} never prints them.
 *
 * <p>The DTLS client protects what it sends with the client write key and salt and the server
 * with the server ones, so {@link #localMasterKey()} is for the {@code SrtpSender} and
 * {@link #remoteMasterKey()} for the {@code SrtpReceiver} of this side.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5764#section-4.2">RFC 5764 §4.2</a>
 */
public final class DtlsSrtpKeys {
    /** Exporter label for DTLS-SRTP keying material (RFC 5764 §4.2, RFC 5705). */
    public static final String EXPORTER_LABEL = "EXTRACTOR-dtls_srtp";

    private final SrtpProtectionProfile profile;
    private final DtlsRole localRole;
    private final byte[] keyingMaterial;

    private DtlsSrtpKeys(SrtpProtectionProfile profile, DtlsRole localRole, byte[] keyingMaterial) {
        this.profile = profile;
        this.localRole = localRole;
        this.keyingMaterial = keyingMaterial;
    }

    /**
     * Number of octets to request from the exporter for {@code profile}: {@code 2 * (keyLength + saltLength)}.
     */
    public static int keyingMaterialLength(SrtpProtectionProfile profile) {
        return 2 * (profile.keyLength() + profile.saltLength());
    }

    /**
     * Splits exporter output laid out as {@code client_write_SRTP_master_key[keyLength] ‖
     * server_write_SRTP_master_key[keyLength] ‖ client_write_SRTP_master_salt[saltLength] ‖
     * server_write_SRTP_master_salt[saltLength]} (RFC 5764 §4.2).
     *
     * @param keyingMaterial exporter output with label {@value #EXPORTER_LABEL}, no context,
     *     {@link #keyingMaterialLength} octets; copied
     * @param localRole the DTLS role of the side holding these keys
     * @throws IllegalArgumentException if the length does not match the profile
     */
    public static DtlsSrtpKeys fromKeyingMaterial(SrtpProtectionProfile profile, byte[] keyingMaterial,
            DtlsRole localRole) {
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(localRole, "localRole");
        if (keyingMaterial.length != keyingMaterialLength(profile)) {
            throw new IllegalArgumentException("keyingMaterial: " + keyingMaterial.length + " octets (expected: "
                    + keyingMaterialLength(profile) + " for " + profile + ")");
        }
        return new DtlsSrtpKeys(profile, localRole, keyingMaterial.clone());
    }

    /** The negotiated protection profile. */
    public SrtpProtectionProfile profile() {
        return profile;
    }

    /** The DTLS role of this side. */
    public DtlsRole localRole() {
        return localRole;
    }

    /** A copy of the whole exporter output, in RFC 5764 §4.2 order. */
    public byte[] keyingMaterial() {
        return keyingMaterial.clone();
    }

    /** {@code client_write_SRTP_master_key}: {@link SrtpProtectionProfile#keyLength()} octets. */
    public byte[] clientWriteMasterKey() {
        return slice(0, profile.keyLength());
    }

    /** {@code server_write_SRTP_master_key}: {@link SrtpProtectionProfile#keyLength()} octets. */
    public byte[] serverWriteMasterKey() {
        return slice(profile.keyLength(), profile.keyLength());
    }

    /** {@code client_write_SRTP_master_salt}: {@link SrtpProtectionProfile#saltLength()} octets. */
    public byte[] clientWriteMasterSalt() {
        return slice(2 * profile.keyLength(), profile.saltLength());
    }

    /** {@code server_write_SRTP_master_salt}: {@link SrtpProtectionProfile#saltLength()} octets. */
    public byte[] serverWriteMasterSalt() {
        return slice(2 * profile.keyLength() + profile.saltLength(), profile.saltLength());
    }

    /** Master key this side sends (protects) with. */
    public byte[] localMasterKey() {
        return localRole == DtlsRole.CLIENT ? clientWriteMasterKey() : serverWriteMasterKey();
    }

    /** Master salt this side sends (protects) with. */
    public byte[] localMasterSalt() {
        return localRole == DtlsRole.CLIENT ? clientWriteMasterSalt() : serverWriteMasterSalt();
    }

    /** Master key the peer sends with: this side unprotects with it. */
    public byte[] remoteMasterKey() {
        return localRole == DtlsRole.CLIENT ? serverWriteMasterKey() : clientWriteMasterKey();
    }

    /** Master salt the peer sends with: this side unprotects with it. */
    public byte[] remoteMasterSalt() {
        return localRole == DtlsRole.CLIENT ? serverWriteMasterSalt() : clientWriteMasterSalt();
    }

    /** Names the profile and role only; key bytes are never printed. */
    @Override
    public String toString() {
        return "DtlsSrtpKeys{" + profile + ", local=" + localRole + '}';
    }

    private byte[] slice(int offset, int length) {
        return Arrays.copyOfRange(keyingMaterial, offset, offset + length);
    }
}
