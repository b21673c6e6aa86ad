package io.sluice.webrtc.ice;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One ICE candidate as it appears in an SDP {@code a=candidate} line. The address is kept as text
 * because browsers send mDNS host names ({@code 1f4712db-….local}) that only the browser resolves.
 *
 * <pre>
 * candidate:&lt;foundation&gt; &lt;component-id&gt; &lt;transport&gt; &lt;priority&gt; &lt;address&gt; &lt;port&gt; typ &lt;type&gt;
 *           [raddr &lt;rel-addr&gt;] [rport &lt;rel-port&gt;] *(&lt;extension-name&gt; &lt;extension-value&gt;)
 * </pre>
 *
 * @param foundation   1..32 ice-chars; equal for candidates of the same type, base and server
 * @param componentId  1..256; WebRTC with rtcp-mux uses 1 only
 * @param transport    {@code UDP} (case kept; compare ignoring case); other transports are parsed but not used
 * @param priority     1..2^31-1 (RFC 8445 §5.1.2)
 * @param address      IP literal or FQDN / mDNS name
 * @param port         0..65535
 * @param type         host, srflx, prflx or relay
 * @param relatedAddress raddr, or null
 * @param relatedPort  rport, or -1
 * @param extensions   extension name/value pairs in order, e.g. {@code generation 0} (unmodifiable)
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8839#section-5.1">RFC 8839 §5.1</a>
 */
public record IceCandidate(String foundation, int componentId, String transport, long priority, String address,
                           int port, CandidateType type, String relatedAddress, int relatedPort,
                           List<String> extensions) {
    private static final Pattern FOUNDATION = Pattern.compile("[A-Za-z0-9+/]{1,32}");
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]+");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\-\\[\\]%]{1,255}");
    private static final int MAX_EXTENSIONS = 16;

    /**
     * @throws IllegalArgumentException when a field is out of range, naming it
     */
    public IceCandidate {
        if (foundation == null || !FOUNDATION.matcher(foundation).matches()) {
            throw new IllegalArgumentException("foundation: " + foundation + " (expected: 1..32 ice-chars)");
        }
        if (componentId < 1 || componentId > 256) {
            throw new IllegalArgumentException("component-id: " + componentId + " (expected: 1..256)");
        }
        if (transport == null || !TOKEN.matcher(transport).matches()) {
            throw new IllegalArgumentException("transport: " + transport + " (expected: UDP or a token)");
        }
        if (priority < 1 || priority > 0x7FFFFFFFL) {
            throw new IllegalArgumentException("priority: " + priority + " (expected: 1..2147483647)");
        }
        if (address == null || !HOST.matcher(address).matches()) {
            throw new IllegalArgumentException("connection-address: " + address + " (expected: IP or FQDN)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        Objects.requireNonNull(type, "type");
        if (relatedPort < -1 || relatedPort > 65535) {
            throw new IllegalArgumentException("rport: " + relatedPort + " (expected: 0..65535)");
        }
        if (relatedAddress != null && !HOST.matcher(relatedAddress).matches()) {
            throw new IllegalArgumentException("raddr: " + relatedAddress + " (expected: IP or FQDN)");
        }
        extensions = List.copyOf(extensions);
    }

    /**
     * A UDP host candidate for a local socket address, component 1.
     *
     * @param address         the bound socket address (an IP literal is written)
     * @param localPreference 0..65535, higher first (RFC 8445 §5.1.2.1)
     */
    public static IceCandidate host(InetSocketAddress address, int localPreference) {
        return of(CandidateType.HOST, address, localPreference, null);
    }

    /**
     * A UDP candidate of {@code type} for {@code address}, component 1, foundation derived from
     * type and base IP (RFC 8445 §5.1.1.3).
     *
     * @param base the base's address (raddr/rport), or null for host candidates
     */
    public static IceCandidate of(CandidateType type, InetSocketAddress address, int localPreference,
                                  InetSocketAddress base) {
        String ip = address.getAddress().getHostAddress();
        String baseIp = base == null ? ip : base.getAddress().getHostAddress();
        String foundation = Integer.toUnsignedString((type.sdpName() + "/" + baseIp + "/udp").hashCode() & 0x7FFFFFFF);
        return new IceCandidate(foundation, 1, "udp", priority(type, localPreference, 1), stripScope(ip),
                address.getPort(), type, base == null ? null : stripScope(baseIp), base == null ? -1 : base.getPort(),
                List.of());
    }

    private static String stripScope(String ip) {
        int pct = ip.indexOf('%');
        return pct < 0 ? ip : ip.substring(0, pct);
    }

    /**
     * Candidate priority, RFC 8445 §5.1.2.1: {@code 2^24 × type preference + 2^8 × local preference
     * + (256 − component id)}.
     *
     * @param localPreference 0..65535
     * @param componentId     1..256
     * @throws IllegalArgumentException if out of range
     */
    public static long priority(CandidateType type, int localPreference, int componentId) {
        if (localPreference < 0 || localPreference > 65535) {
            throw new IllegalArgumentException("localPreference: " + localPreference + " (expected: 0..65535)");
        }
        if (componentId < 1 || componentId > 256) {
            throw new IllegalArgumentException("componentId: " + componentId + " (expected: 1..256)");
        }
        return ((long) type.typePreference() << 24) + ((long) localPreference << 8) + (256 - componentId);
    }

    /**
     * Parses the value of an {@code a=candidate} attribute, with or without the
     * {@code candidate:} prefix.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public static IceCandidate parse(String value) {
        String v = value.startsWith("candidate:") ? value.substring("candidate:".length()) : value;
        String[] f = v.trim().split(" ", -1);
        if (f.length < 8 || !"typ".equals(f[6])) {
            throw new IllegalArgumentException("candidate: '" + value
                    + "' (expected: foundation component transport priority address port typ type ...)");
        }
        int component = parseInt("component-id", f[1], 1, 256);
        long priority = parseLong("priority", f[3], 1, 0x7FFFFFFFL);
        int port = parseInt("port", f[5], 0, 65535);
        CandidateType type = CandidateType.ofSdpName(f[7]);
        String raddr = null;
        int rport = -1;
        List<String> ext = new ArrayList<>();
        int i = 8;
        while (i < f.length) {
            if (i + 1 >= f.length) {
                throw new IllegalArgumentException("candidate extension '" + f[i] + "': missing value");
            }
            String name = f[i];
            String val = f[i + 1];
            if (name.equals("raddr")) {
                raddr = val;
            } else if (name.equals("rport")) {
                rport = parseInt("rport", val, 0, 65535);
            } else {
                if (!TOKEN.matcher(name).matches() || val.isEmpty()) {
                    throw new IllegalArgumentException("candidate extension '" + name + "': bad syntax");
                }
                if (ext.size() >= 2 * MAX_EXTENSIONS) {
                    throw new IllegalArgumentException("candidate extensions: more than " + MAX_EXTENSIONS);
                }
                ext.add(name);
                ext.add(val);
            }
            i += 2;
        }
        return new IceCandidate(f[0], component, f[2], priority, f[4], port, type, raddr, rport,
                Collections.unmodifiableList(ext));
    }

    private static int parseInt(String name, String s, int min, int max) {
        return (int) parseLong(name, s, min, max);
    }

    private static long parseLong(String name, String s, long min, long max) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(name + ": '" + s + "' (expected: " + min + ".." + max + ")");
        }
        long n = Long.parseLong(s);
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + n + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    /** Whether the transport is UDP. */
    public boolean isUdp() {
        return transport.equalsIgnoreCase("udp");
    }

    /**
     * The socket address when {@link #address()} is an IP literal; empty for host names (mDNS),
     * which this stack does not resolve. Never does DNS.
     */
    public Optional<InetSocketAddress> socketAddress() {
        String a = address;
        if (!(IPV4.matcher(a).matches() || a.indexOf(':') >= 0)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new InetSocketAddress(InetAddress.getByName(a), port));
        } catch (UnknownHostException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The attribute value in RFC 8839 syntax, without the {@code a=} and with the {@code candidate:} prefix. */
    public String toSdpValue() {
        StringBuilder sb = new StringBuilder("candidate:").append(foundation).append(' ').append(componentId)
                .append(' ').append(transport.toLowerCase(Locale.ROOT)).append(' ').append(priority).append(' ')
                .append(address).append(' ').append(port).append(" typ ").append(type.sdpName());
        if (relatedAddress != null) {
            sb.append(" raddr ").append(relatedAddress);
        }
        if (relatedPort >= 0) {
            sb.append(" rport ").append(relatedPort);
        }
        for (String e : extensions) {
            sb.append(' ').append(e);
        }
        return sb.toString();
    }
}
