package io.sluice.webrtc.srtp;

import java.util.Arrays;
import java.util.Objects;

/**
 * One direction's SRTP master key and master salt for a {@link SrtpProfile} (RFC 3711 §8.1).
 * Immutable; the arrays are copied in and out.
 *
 * <p>With DTLS-SRTP the keying material comes from the TLS exporter with the label
 * {@code "EXTRACTOR-dtls_srtp"} and is laid out as {@code client_write_SRTP_master_key ‖
 * server_write_SRTP_master_key ‖ client_write_SRTP_master_salt ‖ server_write_SRTP_master_salt}
 * (RFC 5764 §4.2); {@link #fromDtlsExport} splits it. The DTLS client sends with the client key
 * and receives with the server key, the server the other way round.
 */
public final class SrtpKeyingMaterial {
    private final SrtpProfile profile;
    private final byte[] masterKey;
    private final byte[] masterSalt;

    /**
     * @param profile    protection profile
     * @param masterKey  master key, {@link SrtpProfile#keyLength()} octets
     * @param masterSalt master salt, {@link SrtpProfile#saltLength()} octets
     * @throws IllegalArgumentException if a length does not match the profile
     */
    public SrtpKeyingMaterial(SrtpProfile profile, byte[] masterKey, byte[] masterSalt) {
        this.profile = Objects.requireNonNull(profile, "profile");
        if (masterKey.length != profile.keyLength()) {
            throw new IllegalArgumentException("masterKey: " + masterKey.length + " octets (expected: "
                    + profile.keyLength() + " for " + profile + ")");
        }
        if (masterSalt.length != profile.saltLength()) {
            throw new IllegalArgumentException("masterSalt: " + masterSalt.length + " octets (expected: "
                    + profile.saltLength() + " for " + profile + ")");
        }
        this.masterKey = masterKey.clone();
        this.masterSalt = masterSalt.clone();
    }

    /** Which half of the DTLS-SRTP exporter output to take (RFC 5764 §4.2). */
    public enum DtlsSide {
        /** {@code client_write_*}: what the DTLS client sends with. */
        CLIENT_WRITE,
        /** {@code server_write_*}: what the DTLS server sends with. */
        SERVER_WRITE
    }

    /**
     * Splits DTLS-SRTP exporter output (RFC 5764 §4.2).
     *
     * @param exported {@code 2 * (keyLength + saltLength)} octets from the exporter
     * @throws IllegalArgumentException if {@code exported} has the wrong length
     */
    public static SrtpKeyingMaterial fromDtlsExport(SrtpProfile profile, byte[] exported, DtlsSide side) {
        int k = profile.keyLength();
        int s = profile.saltLength();
        if (exported.length != 2 * (k + s)) {
            throw new IllegalArgumentException("exported: " + exported.length + " octets (expected: " + 2 * (k + s) + ")");
        }
        int keyOff = side == DtlsSide.CLIENT_WRITE ? 0 : k;
        int saltOff = 2 * k + (side == DtlsSide.CLIENT_WRITE ? 0 : s);
        return new SrtpKeyingMaterial(profile, Arrays.copyOfRange(exported, keyOff, keyOff + k),
                Arrays.copyOfRange(exported, saltOff, saltOff + s));
    }

    public SrtpProfile profile() {
        return profile;
    }

    /** A copy of the master key. */
    public byte[] masterKey() {
        return masterKey.clone();
    }

    /** A copy of the master salt. */
    public byte[] masterSalt() {
        return masterSalt.clone();
    }

    /** Names the profile only; key bytes are never printed. */
    @Override
    public String toString() {
        return "SrtpKeyingMaterial{" + profile + '}';
    }
}
