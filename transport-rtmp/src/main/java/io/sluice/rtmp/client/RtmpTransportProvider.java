package io.sluice.rtmp.client;

import io.sluice.core.TransportException;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportProvider;
import java.net.URI;
import java.util.Set;

/**
 * Creates {@link RtmpTransport}s with default settings for {@code rtmp://} and {@code rtmps://}
 * URLs (rtmps trusts the system trust store). Registered in
 * {@code META-INF/services/io.sluice.core.spi.TransportProvider}; for other settings build an
 * {@link RtmpTransport} yourself with {@link RtmpTransport#builder(URI)}.
 */
public final class RtmpTransportProvider implements TransportProvider {
    @Override
    public Set<String> schemes() {
        return Set.of("rtmp", "rtmps");
    }

    /**
     * @throws TransportException if the URI is not a valid publishing URL (no app or stream key)
     */
    @Override
    public Transport create(URI uri) {
        try {
            return RtmpTransport.builder(uri).build();
        } catch (IllegalArgumentException e) {
            throw new TransportException(uri, e.getMessage(), e);
        }
    }
}
