package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One m-section: {@code m=<media> <port> <proto> <fmt>...} and its {@code c=}, {@code b=} and
 * {@code a=} lines, with typed views of the attributes WebRTC uses. Immutable.
 *
 * @param media       {@code audio}, {@code video}, {@code application}, ...
 * @param port        0..65535; 0 rejects the section (RFC 8829 §5.3.1); WebRTC writes 9 with ICE
 * @param protocol    e.g. {@code UDP/TLS/RTP/SAVPF}
 * @param formats     payload types (as text) or {@code webrtc-datachannel}
 * @param connection  the {@code c=} value, e.g. {@code IN IP4 0.0.0.0}, or null
 * @param bandwidths  {@code b=} values, e.g. {@code AS:2500}
 * @param attributes  {@code a=} lines in order
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8866#section-5.14">RFC 8866 §5.14</a>
 */
public record MediaDescription(String media, int port, String protocol, List<String> formats, String connection,
                               List<String> bandwidths, List<SdpAttribute> attributes) {
    public MediaDescription {
        formats = List.copyOf(formats);
        bandwidths = List.copyOf(bandwidths);
        attributes = List.copyOf(attributes);
    }

    /** The value of the first attribute named {@code name} (a property attribute gives ""). */
    public Optional<String> attribute(String name) {
        for (SdpAttribute a : attributes) {
            if (a.name().equals(name)) {
                return Optional.of(a.value() == null ? "" : a.value());
            }
        }
        return Optional.empty();
    }

    /** Values of every attribute named {@code name}, in order. */
    public List<String> attributes(String name) {
        List<String> out = new ArrayList<>();
        for (SdpAttribute a : attributes) {
            if (a.name().equals(name)) {
                out.add(a.value() == null ? "" : a.value());
            }
        }
        return out;
    }

    /** Whether an attribute named {@code name} is present. */
    public boolean has(String name) {
        return attribute(name).isPresent();
    }

    /** {@code a=mid} (RFC 8843 §9.1 / RFC 5888). */
    public Optional<String> mid() {
        return attribute("mid");
    }

    /** The direction attribute; {@link Direction#SENDRECV} when none. */
    public Direction direction() {
        for (SdpAttribute a : attributes) {
            Direction d = a.value() == null ? Direction.ofSdpName(a.name()) : null;
            if (d != null) {
                return d;
            }
        }
        return Direction.SENDRECV;
    }

    /** Whether the section is rejected or disabled (port 0). */
    public boolean rejected() {
        return port == 0;
    }

    /** {@code a=rtpmap} lines. */
    public List<RtpMap> rtpMaps() {
        return attributes("rtpmap").stream().map(RtpMap::parse).toList();
    }

    /** The rtpmap of {@code payloadType}. */
    public Optional<RtpMap> rtpMap(int payloadType) {
        return rtpMaps().stream().filter(r -> r.payloadType() == payloadType).findFirst();
    }

    /** The fmtp of {@code payloadType}; empty parameters when none. */
    public Fmtp fmtp(int payloadType) {
        return attributes("fmtp").stream().map(Fmtp::parse).filter(f -> f.payloadType() == payloadType)
                .findFirst().orElse(new Fmtp(payloadType, Map.of()));
    }

    /** {@code a=rtcp-fb} values for {@code payloadType} (and {@code *}), e.g. {@code nack pli}. */
    public List<String> rtcpFeedback(int payloadType) {
        List<String> out = new ArrayList<>();
        String pt = Integer.toString(payloadType);
        for (String v : attributes("rtcp-fb")) {
            int sp = v.indexOf(' ');
            String p = v.substring(0, sp);
            if (p.equals(pt) || p.equals("*")) {
                out.add(v.substring(sp + 1).trim());
            }
        }
        return out;
    }

    /** {@code a=extmap} lines. */
    public List<ExtMap> extMaps() {
        return attributes("extmap").stream().map(ExtMap::parse).toList();
    }

    /** {@code a=ssrc} lines grouped by SSRC: SSRC → attribute ({@code cname:...}, {@code msid:...}). */
    public Map<Long, List<String>> ssrcs() {
        Map<Long, List<String>> out = new LinkedHashMap<>();
        for (String v : attributes("ssrc")) {
            int sp = v.indexOf(' ');
            long ssrc = Long.parseLong(sp < 0 ? v : v.substring(0, sp));
            out.computeIfAbsent(ssrc, k -> new ArrayList<>()).add(sp < 0 ? "" : v.substring(sp + 1));
        }
        return out;
    }

    /** {@code a=ssrc-group} lines. */
    public List<SsrcGroup> ssrcGroups() {
        return attributes("ssrc-group").stream().map(SsrcGroup::parse).toList();
    }

    /** {@code a=candidate} lines (RFC 8839 §5.1). */
    public List<IceCandidate> candidates() {
        return attributes("candidate").stream().map(IceCandidate::parse).toList();
    }

    /** {@code a=rid} lines (RFC 8851 §10), in order. */
    public List<Rid> rids() {
        return attributes("rid").stream().map(Rid::parse).toList();
    }

    /** {@code a=simulcast} (RFC 8853 §5.1), if present. */
    public Optional<Simulcast> simulcast() {
        return attribute("simulcast").map(Simulcast::parse);
    }

    /** Whether {@code a=rtcp-mux} is present (RFC 5761 §5.1.3). */
    public boolean rtcpMux() {
        return has("rtcp-mux");
    }

    /** Whether {@code a=rtcp-rsize} is present (RFC 5506). */
    public boolean rtcpRsize() {
        return has("rtcp-rsize");
    }
}
