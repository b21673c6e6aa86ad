package io.sluice.webrtc.whip.client;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code stun:} URIs (RFC 7064 §3.1): parsing and resolving the one STUN server the WHIP client uses
 * for its server-reflexive candidate.
 */
final class StunServerUri {
    private static final Logger log = LoggerFactory.getLogger(StunServerUri.class);
    /** Default STUN port (RFC 8489 §9). */
    static final int DEFAULT_PORT = 3478;

    private StunServerUri() {
    }

    /**
     * The first {@code stun:} URI of {@code uris} that resolves to an IPv4 address.
     *
     * @param uris candidates in order of preference; other schemes and malformed ones are skipped
     * @return its address, or {@code null} if none resolves
     */
    static InetSocketAddress firstResolvable(List<URI> uris) {
        for (URI u : uris) {
            if (!"stun".equalsIgnoreCase(u.getScheme())) {
                continue;
            }
            Object[] hp = hostPort(u);
            if (hp == null) {
                continue;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName((String) hp[0])) {
                    if (a instanceof Inet4Address) {
                        return new InetSocketAddress(a, (Integer) hp[1]);
                    }
                }
            } catch (UnknownHostException e) {
                log.warn("STUN server {} does not resolve", u);
            }
        }
        return null;
    }

    /** {host, port} of {@code stun:host[:port]} (RFC 7064), or null if malformed. */
    static Object[] hostPort(URI u) {
        String ssp = u.getSchemeSpecificPart();
        if (ssp == null || ssp.isEmpty() || ssp.contains("/") || ssp.contains("?")) {
            return null;
        }
        String host = ssp;
        int port = DEFAULT_PORT;
        if (ssp.startsWith("[")) {
            int end = ssp.indexOf(']');
            if (end < 0) {
                return null;
            }
            host = ssp.substring(1, end);
            if (end + 1 < ssp.length()) {
                if (ssp.charAt(end + 1) != ':') {
                    return null;
                }
                port = parsePort(ssp.substring(end + 2));
            }
        } else {
            int colon = ssp.lastIndexOf(':');
            if (colon >= 0) {
                host = ssp.substring(0, colon);
                port = parsePort(ssp.substring(colon + 1));
            }
        }
        return host.isEmpty() || port < 0 ? null : new Object[] {host, port};
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            return p > 0 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
