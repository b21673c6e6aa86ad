package io.sluice.core.transport;

import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportProvider;
import java.net.URI;
import java.util.Set;

/** Provides {@link NullTransport} for the {@code null:} scheme. */
public final class NullTransportProvider implements TransportProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("null");
    }

    @Override
    public Transport create(URI uri) {
        return new NullTransport(uri);
    }
}
