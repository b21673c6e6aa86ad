package io.sluice.codec.ffmpeg;

import io.sluice.core.TransportException;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportProvider;
import java.net.URI;
import java.util.Set;

/**
 * Provides {@link FileTransport} for {@code file:} URIs (found with {@link java.util.ServiceLoader}).
 * Stateless and thread-safe.
 */
public final class FileTransportProvider implements TransportProvider {
    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public FileTransportProvider() {
    }

    /** {@code ["file"]}. */
    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    /**
     * @throws TransportException if the URI has no path or its extension names no supported container
     *                            (see {@link FileTransport#supportedExtensions()})
     */
    @Override
    public Transport create(URI uri) {
        return new FileTransport(uri);
    }
}
