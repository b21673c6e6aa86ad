package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DtlsSrtpKeysTest {
    /** Exporter output 0, 1, 2, … so each slice shows where it came from. */
    private static byte[] counting(int length) {
        return range(0, length);
    }

    private static byte[] range(int from, int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (from + i);
        }
        return b;
    }

    @Test
    @DisplayName("RFC 5764 §4.2: client key, server key, client salt, server salt (AES128_CM_HMAC_SHA1_80: 16+16+14+14)")
    void layoutSha1() {
        DtlsSrtpKeys keys = DtlsSrtpKeys.fromKeyingMaterial(SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80,
                counting(60), DtlsRole.CLIENT);
        assertArrayEquals(range(0, 16), keys.clientWriteMasterKey());
        assertArrayEquals(range(16, 16), keys.serverWriteMasterKey());
        assertArrayEquals(range(32, 14), keys.clientWriteMasterSalt());
        assertArrayEquals(range(46, 14), keys.serverWriteMasterSalt());
        assertArrayEquals(keys.clientWriteMasterKey(), keys.localMasterKey());
        assertArrayEquals(keys.serverWriteMasterSalt(), keys.remoteMasterSalt());
    }

    @Test
    @DisplayName("RFC 7714 §12: AEAD_AES_128_GCM takes 16-octet keys and 12-octet salts (56 octets)")
    void layoutGcmForServer() {
        assertEquals(56, DtlsSrtpKeys.keyingMaterialLength(SrtpProtectionProfile.AEAD_AES_128_GCM));
        DtlsSrtpKeys keys = DtlsSrtpKeys.fromKeyingMaterial(SrtpProtectionProfile.AEAD_AES_128_GCM,
                counting(56), DtlsRole.SERVER);
        assertArrayEquals(range(16, 16), keys.localMasterKey());
        assertArrayEquals(range(44, 12), keys.localMasterSalt());
        assertArrayEquals(range(0, 16), keys.remoteMasterKey());
        assertArrayEquals(range(32, 12), keys.remoteMasterSalt());
        assertArrayEquals(counting(56), keys.keyingMaterial());
    }

    @Test
    void copiesAndHidesKeys() {
        byte[] material = counting(56);
        DtlsSrtpKeys keys = DtlsSrtpKeys.fromKeyingMaterial(SrtpProtectionProfile.AEAD_AES_128_GCM, material,
                DtlsRole.CLIENT);
        material[0] = 99;
        keys.clientWriteMasterKey()[1] = 99;
        assertArrayEquals(range(0, 16), keys.clientWriteMasterKey());
        assertEquals("DtlsSrtpKeys{AEAD_AES_128_GCM, local=CLIENT}", keys.toString());
        assertFalse(keys.toString().contains("0, 1"));
    }

    @Test
    void wrongLengthIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> DtlsSrtpKeys.fromKeyingMaterial(
                SrtpProtectionProfile.AEAD_AES_128_GCM, new byte[60], DtlsRole.CLIENT));
    }

    @Test
    @DisplayName("profile ids from RFC 5764 §4.1.2 and RFC 7714 §14.2")
    void profileIds() {
        assertEquals(0x0001, SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80.dtlsId());
        assertEquals(0x0007, SrtpProtectionProfile.AEAD_AES_128_GCM.dtlsId());
        assertEquals(SrtpProtectionProfile.AEAD_AES_128_GCM, SrtpProtectionProfile.forDtlsId(7));
        assertEquals(null, SrtpProtectionProfile.forDtlsId(2));
        assertEquals(DtlsSrtpKeys.EXPORTER_LABEL, org.bouncycastle.tls.ExporterLabel.dtls_srtp);
    }
}
