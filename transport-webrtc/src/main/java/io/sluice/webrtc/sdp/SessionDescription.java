package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCredentials;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A session description: the session-level lines and the m-sections. Immutable. Parse with
 * {@link SdpParser}; write with {@link #toSdp()}. Lines Sluice does not use ({@code i=}, {@code u=},
 * {@code e=}, {@code p=}, {@code z=}, {@code k=}, {@code r=}) are checked for syntax and dropped.
 *
 * @param origin       the {@code o=} line
 * @param sessionName  the {@code s=} value ({@code -} in WebRTC)
 * @param connection   session-level {@code c=} value, or null
 * @param bandwidths   session-level {@code b=} values
 * @param timing       the {@code t=} value ({@code 0 0})
 * @param attributes   session-level {@code a=} lines
 * @param media        the m-sections in order
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8866#section-5">RFC 8866 §5</a>
 */
public record SessionDescription(SdpOrigin origin, String sessionName, String connection, List<String> bandwidths,
                                 String timing, List<SdpAttribute> attributes, List<MediaDescription> media) {
    public SessionDescription {
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(sessionName, "sessionName");
        Objects.requireNonNull(timing, "timing");
        bandwidths = List.copyOf(bandwidths);
        attributes = List.copyOf(attributes);
        media = List.copyOf(media);
    }

    /** The value of the first session-level attribute named {@code name}. */
    public Optional<String> attribute(String name) {
        for (SdpAttribute a : attributes) {
            if (a.name().equals(name)) {
                return Optional.of(a.value() == null ? "" : a.value());
            }
        }
        return Optional.empty();
    }

    /** The mids of each {@code a=group:BUNDLE} (RFC 8843 §7). */
    public List<List<String>> bundleGroups() {
        List<List<String>> out = new ArrayList<>();
        for (SdpAttribute a : attributes) {
            if (a.name().equals("group") && a.value() != null) {
                String[] f = a.value().trim().split(" +");
                if (f[0].equals("BUNDLE")) {
                    out.add(List.of(Arrays.copyOfRange(f, 1, f.length)));
                }
            }
        }
        return out;
    }

    /** Whether {@code a=ice-lite} is present at session level (RFC 8839 §5.3). */
    public boolean iceLite() {
        return attribute("ice-lite").isPresent();
    }

    /** ice-ufrag/ice-pwd of {@code m}, falling back to session level (RFC 8839 §5.4). */
    public Optional<IceCredentials> iceCredentials(MediaDescription m) {
        Optional<String> ufrag = m.attribute("ice-ufrag").or(() -> attribute("ice-ufrag"));
        Optional<String> pwd = m.attribute("ice-pwd").or(() -> attribute("ice-pwd"));
        if (ufrag.isEmpty() || pwd.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new IceCredentials(ufrag.get(), pwd.get()));
    }

    /** {@code a=fingerprint} of {@code m}, falling back to session level (RFC 8122 §5). */
    public Optional<Fingerprint> fingerprint(MediaDescription m) {
        return m.attribute("fingerprint").or(() -> attribute("fingerprint")).map(Fingerprint::parse);
    }

    /** {@code a=setup} of {@code m}, falling back to session level. */
    public Optional<SetupRole> setup(MediaDescription m) {
        return m.attribute("setup").or(() -> attribute("setup")).map(SetupRole::ofSdpName);
    }

    /** The m-section with {@code a=mid:<mid>}. */
    public Optional<MediaDescription> mediaByMid(String mid) {
        return media.stream().filter(m -> m.mid().filter(mid::equals).isPresent()).findFirst();
    }

    /** The description as SDP text, lines ended by CRLF (RFC 8866 §5). */
    public String toSdp() {
        StringBuilder sb = new StringBuilder(1024);
        line(sb, "v", "0");
        line(sb, "o", origin.toString());
        line(sb, "s", sessionName);
        if (connection != null) {
            line(sb, "c", connection);
        }
        bandwidths.forEach(b -> line(sb, "b", b));
        line(sb, "t", timing);
        attributes.forEach(a -> line(sb, "a", a.toString()));
        for (MediaDescription m : media) {
            line(sb, "m", m.media() + " " + m.port() + " " + m.protocol() + " " + String.join(" ", m.formats()));
            if (m.connection() != null) {
                line(sb, "c", m.connection());
            }
            m.bandwidths().forEach(b -> line(sb, "b", b));
            m.attributes().forEach(a -> line(sb, "a", a.toString()));
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String type, String value) {
        sb.append(type).append('=').append(value).append("\r\n");
    }

    @Override
    public String toString() {
        return toSdp();
    }
}
