package io.sluice.core.spi;

import io.sluice.core.TransportException;
import java.net.URI;
import java.util.Set;

/**
 * Creates {@link Transport}s for URI schemes. Found with {@link java.util.ServiceLoader}: list the
 * implementation in {@code META-INF/services/io.sluice.core.spi.TransportProvider}.
 */
public interface TransportProvider {
    /** Lower-case URI schemes handled, e.g. {@code file}, {@code rtmp}, {@code rtmps}. */
    Set<String> schemes();

    /**
     * @throws TransportException       if the URI is not valid for this transport
     */
    Transport create(URI uri);
}
