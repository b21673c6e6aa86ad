package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

final class SdpTestSupport {
    static final Fingerprint SERVER_FINGERPRINT = Fingerprint.parse("sha-256 "
            + "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99");
    static final IceCredentials SERVER_ICE = new IceCredentials("srvUfrag", "serverPasswordServerPwd1");
    static final LocalTransport SERVER = new LocalTransport(SERVER_ICE, SERVER_FINGERPRINT,
            List.of(IceCandidate.host(new InetSocketAddress("192.0.2.10", 8189), 65535)), "sluice-live");

    private SdpTestSupport() {
    }

    static String resource(String name) {
        try (InputStream in = SdpTestSupport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
