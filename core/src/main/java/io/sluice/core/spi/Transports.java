package io.sluice.core.spi;

import io.sluice.core.TransportException;
import io.sluice.core.UnsupportedSchemeException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds {@link TransportProvider}s with {@link ServiceLoader} and creates transports by URI scheme. */
public final class Transports {
    private Transports() {
    }

    /** Every provider visible to this class's class loader. */
    public static List<TransportProvider> providers() {
        List<TransportProvider> list = new ArrayList<>();
        ServiceLoader.load(TransportProvider.class, Transports.class.getClassLoader()).forEach(list::add);
        return list;
    }

    /**
     * Creates a transport for {@code uri}. A URI without a scheme is taken as a file path
     * ({@code file:} scheme).
     *
     * @throws UnsupportedSchemeException if no provider handles the scheme
     * @throws TransportException          if the provider rejects the URI
     */
    public static Transport create(URI uri) {
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme().toLowerCase(Locale.ROOT);
        TreeSet<String> known = new TreeSet<>();
        for (TransportProvider p : providers()) {
            if (p.schemes().contains(scheme)) {
                return p.create(uri.getScheme() == null ? new java.io.File(uri.getPath()).toURI() : uri);
            }
            known.addAll(p.schemes());
        }
        throw new UnsupportedSchemeException(uri, known);
    }

    /**
     * Parses a destination the way the CLI takes it: a URI with a scheme, or a plain file path.
     *
     * @throws IllegalArgumentException if {@code destination} is neither
     */
    public static URI parseDestination(String destination) {
        if (destination == null || destination.isBlank()) {
            throw new IllegalArgumentException("destination: empty (expected: a URI such as rtmp://host/app/key, or a file path)");
        }
        int colon = destination.indexOf(':');
        boolean hasScheme = colon > 1 && destination.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
        if (!hasScheme) {
            return new java.io.File(destination).getAbsoluteFile().toURI();
        }
        if (colon == destination.length() - 1) {
            destination = destination + "-"; // "null:" has no scheme-specific part; URI requires one
        }
        try {
            return new URI(destination);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("destination: '" + destination + "' is not a valid URI: " + e.getMessage(), e);
        }
    }
}
