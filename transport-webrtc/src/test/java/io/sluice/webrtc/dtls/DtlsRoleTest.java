package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DtlsRoleTest {
    @Test
    @DisplayName("RFC 8842 §5: setup:active is the DTLS client, setup:passive the server")
    void sdpSetup() {
        assertEquals(DtlsRole.CLIENT, DtlsRole.fromSdpSetup("active"));
        assertEquals(DtlsRole.SERVER, DtlsRole.fromSdpSetup(" PASSIVE "));
        assertEquals("active", DtlsRole.CLIENT.sdpSetup());
        assertEquals("passive", DtlsRole.SERVER.sdpSetup());
        assertEquals(DtlsRole.SERVER, DtlsRole.CLIENT.opposite());
        assertThrows(IllegalArgumentException.class, () -> DtlsRole.fromSdpSetup("actpass"));
        assertThrows(IllegalArgumentException.class, () -> DtlsRole.fromSdpSetup(null));
    }
}
