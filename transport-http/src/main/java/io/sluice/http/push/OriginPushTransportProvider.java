package io.sluice.http.push;

import io.sluice.core.TransportException;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportProvider;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * {@link OriginPush} as a pipeline transport, by URI: {@code push+http://origin:8081/live/cam/} and
 * {@code push+https://…} push to that HTTP origin ({@code PUT}/{@code DELETE} under the URL, see
 * {@link HttpOriginWriter}); {@code push+file:///srv/www/live/cam/} writes into that directory. So
 * {@code StreamPipeline.builder()…transport("push+http://origin:8081/live/cam/")} or
 * {@code sluice stream --to push+http://…} publishes HLS and DASH to an origin without a server.
 */
public final class OriginPushTransportProvider implements TransportProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("push+http", "push+https", "push+file");
    }

    /** @throws TransportException if the URI names no origin URL or directory */
    @Override
    public Transport create(URI uri) {
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        try {
            OriginWriter writer;
            if (scheme.equals("push+file")) {
                writer = OriginWriter.directory(Path.of(URI.create("file:" + uri.getRawSchemeSpecificPart())));
            } else {
                String base = uri.toString().substring("push+".length());
                writer = OriginWriter.http(URI.create(base.endsWith("/") ? base : base + "/"));
            }
            return new OriginPushTransport(uri, OriginPush.builder(writer).build());
        } catch (IllegalArgumentException e) {
            throw new TransportException(uri, "not an origin to push to: " + e.getMessage()
                    + " (expected: push+http://host[:port]/path/, push+https://…, push+file:///directory/)", e);
        }
    }
}
