package io.sluice.core;

import java.net.URI;
import java.util.Collection;

/** No {@link io.sluice.core.spi.TransportProvider} on the class path handles the URI's scheme. */
public class UnsupportedSchemeException extends TransportException {
    private static final long serialVersionUID = 1L;

    public UnsupportedSchemeException(URI uri, Collection<String> knownSchemes) {
        super(uri, "no transport for scheme '" + uri.getScheme() + "' (known schemes: "
                + String.join(", ", knownSchemes) + "; add the module that provides it to the class path)");
    }
}
