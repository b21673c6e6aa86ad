package io.sluice.webrtc.whip.client;

import io.sluice.core.TransportException;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportProvider;
import java.net.URI;
import java.util.Set;

/**
 * Provides {@link WhipTransport} for {@code whip+https://host/path} and {@code whip+http://host/path}
 * (plain http only to loopback or site-local hosts). A bearer token can be given in the URI as the
 * query parameter {@code token} (removed from the URL that is POSTed to); for other settings build
 * a {@link WhipTransport} directly.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc9725">RFC 9725</a>
 */
public final class WhipTransportProvider implements TransportProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("whip+http", "whip+https");
    }

    /**
     * @throws TransportException if the URI has no host, or is plain http to a public host
     */
    @Override
    public Transport create(URI uri) {
        try {
            String token = null;
            URI endpoint = uri;
            String query = uri.getRawQuery();
            if (query != null) {
                StringBuilder rest = new StringBuilder();
                for (String kv : query.split("&")) {
                    if (kv.startsWith("token=")) {
                        token = java.net.URLDecoder.decode(kv.substring(6), java.nio.charset.StandardCharsets.UTF_8);
                    } else if (!kv.isEmpty()) {
                        rest.append(rest.length() == 0 ? "" : "&").append(kv);
                    }
                }
                endpoint = new URI(uri.getScheme() + "://" + uri.getRawAuthority()
                        + (uri.getRawPath() == null ? "" : uri.getRawPath())
                        + (rest.length() == 0 ? "" : "?" + rest));
            }
            WhipTransport.Builder b = WhipTransport.builder(endpoint);
            if (token != null) {
                b.bearerToken(token);
            }
            return b.build();
        } catch (IllegalArgumentException | java.net.URISyntaxException e) {
            throw new TransportException(uri, "not a WHIP endpoint: " + e.getMessage(), e);
        }
    }
}
