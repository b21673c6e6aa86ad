package io.sluice.webrtc.dtls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DtlsContextTest {
    @Test
    void defaults() {
        DtlsContext ctx = DtlsContext.builder().build();
        assertEquals(List.of(SrtpProtectionProfile.AEAD_AES_128_GCM, SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80),
                ctx.srtpProfiles());
        assertEquals(1200, ctx.mtuBytes());
        assertEquals(Duration.ofSeconds(10), ctx.handshakeTimeout());
        assertEquals(Duration.ofSeconds(1), ctx.initialRetransmitTimeout());
        assertEquals(DtlsHandshakeStep.NOT_STARTED,
                ctx.newEndpoint(DtlsRole.CLIENT, ctx.certificate().fingerprint()).handshakeStep());
    }

    @Test
    void toBuilderKeepsTheCertificate() {
        DtlsContext ctx = DtlsContext.builder().mtuBytes(1000).build();
        DtlsContext copy = ctx.toBuilder().handshakeTimeout(Duration.ofSeconds(3)).build();
        assertSame(ctx.certificate(), copy.certificate());
        assertEquals(1000, copy.mtuBytes());
        assertEquals(Duration.ofSeconds(3), copy.handshakeTimeout());
    }

    @Test
    void settersValidate() {
        DtlsContext.Builder b = DtlsContext.builder();
        assertThrows(IllegalArgumentException.class, () -> b.srtpProfiles(List.of()));
        assertThrows(IllegalArgumentException.class, () -> b.srtpProfiles(
                List.of(SrtpProtectionProfile.AEAD_AES_128_GCM, SrtpProtectionProfile.AEAD_AES_128_GCM)));
        assertThrows(IllegalArgumentException.class, () -> b.mtuBytes(100));
        assertThrows(IllegalArgumentException.class, () -> b.handshakeTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> b.initialRetransmitTimeout(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> DtlsContext.builder().handshakeTimeout(Duration.ofMillis(500))
                .initialRetransmitTimeout(Duration.ofSeconds(1)).build());
    }

    @Test
    void malformedRemoteFingerprintIsRejectedAtOnce() {
        DtlsContext ctx = DtlsContext.builder().build();
        assertThrows(IllegalArgumentException.class, () -> ctx.newEndpoint(DtlsRole.SERVER, "sha-256 nope"));
    }
}
