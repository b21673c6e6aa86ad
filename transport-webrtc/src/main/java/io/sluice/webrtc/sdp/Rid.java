package io.sluice.webrtc.sdp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * {@code a=rid:<id> send|recv [pt=<fmt>,...;][<param>[=<value>];...]} (RFC 8851 §10): names one RTP stream of an
 * m-section (a simulcast layer, RFC 8853) and the restrictions on it. The RTP packets of that stream carry the id in
 * the {@link ExtMap#RTP_STREAM_ID} header extension (RFC 8852 §3.1), its RTX packets in
 * {@link ExtMap#REPAIRED_RTP_STREAM_ID} (§3.2).
 *
 * @param id           1..{@value #MAX_ID_LENGTH} chars of {@code [A-Za-z0-9_-]} (RFC 8851 §10 {@code rid-id}; the
 *                     length is Sluice's bound: a one-byte header extension carries at most 16 octets)
 * @param send         {@code true} for {@code send} (the writer of the SDP sends the stream), {@code false} for
 *                     {@code recv}
 * @param payloadTypes the {@code pt=} list (the payload types the stream may use), empty when absent: any of the
 *                     m-section's
 * @param restrictions the other parameters in order, name → value ("" for a bare name), e.g. {@code max-width} →
 *                     {@code 1280} (RFC 8851 §5: max-width, max-height, max-fps, max-fs, max-br in bit/s, max-pps,
 *                     max-bpp, depend); values are checked for the integer-valued ones
 */
public record Rid(String id, boolean send, List<Integer> payloadTypes, Map<String, String> restrictions) {
    /** Longest rid-id accepted, chars. */
    public static final int MAX_ID_LENGTH = 32;
    /** Most {@code pt=} entries and restrictions accepted on one line. */
    private static final int MAX_PARAMS = 32;
    static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_ID_LENGTH + "}");
    private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z0-9-]{1,32}");
    private static final Pattern PARAM_VALUE = Pattern.compile("[\\x20-\\x3a\\x3c-\\x7e]{0,64}");
    private static final List<String> INTEGER_PARAMS = List.of("max-width", "max-height", "max-fs", "max-br",
            "max-pps");

    /** @throws IllegalArgumentException if the id is not a rid-id */
    public Rid {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("rid id: '" + id + "' (expected: 1.." + MAX_ID_LENGTH
                    + " chars of A-Z a-z 0-9 _ -)");
        }
        payloadTypes = List.copyOf(payloadTypes);
        restrictions = Collections.unmodifiableMap(new LinkedHashMap<>(restrictions));
    }

    /**
     * Parses the attribute value (after {@code a=rid:}).
     *
     * @throws IllegalArgumentException if it does not follow RFC 8851 §10, repeats {@code pt=}, gives a
     *                                  payload type outside 0..127 or a non-integer max-width, max-height, max-fs,
     *                                  max-br or max-pps, or has more than 32 parameters
     */
    public static Rid parse(String value) {
        String[] f = value.split(" ", -1);
        if (f.length < 2 || f.length > 3) {
            throw new IllegalArgumentException("rid: '" + SdpParser.abbreviate(value)
                    + "' (expected: <id> send|recv [<restrictions>], RFC 8851 §10)");
        }
        boolean send = switch (f[1]) {
            case "send" -> true;
            case "recv" -> false;
            default -> throw new IllegalArgumentException("rid direction: '" + SdpParser.abbreviate(f[1])
                    + "' (expected: send or recv)");
        };
        List<Integer> pts = new ArrayList<>();
        Map<String, String> restrictions = new LinkedHashMap<>();
        if (f.length == 3) {
            String[] params = f[2].split(";", -1);
            if (params.length > MAX_PARAMS) {
                throw new IllegalArgumentException("rid " + f[0] + ": more than " + MAX_PARAMS + " restrictions");
            }
            for (int i = 0; i < params.length; i++) {
                String p = params[i];
                int eq = p.indexOf('=');
                String name = eq < 0 ? p : p.substring(0, eq);
                String v = eq < 0 ? "" : p.substring(eq + 1);
                if (name.equals("pt")) {
                    if (i != 0 || eq < 0) {
                        throw new IllegalArgumentException("rid " + f[0] + ": pt= must come first and once (RFC 8851 §10)");
                    }
                    String[] list = v.split(",", -1);
                    if (list.length > MAX_PARAMS) {
                        throw new IllegalArgumentException("rid " + f[0] + ": more than " + MAX_PARAMS + " payload types");
                    }
                    for (String pt : list) {
                        pts.add(SdpParser.parseInt("rid pt", pt, 0, 127));
                    }
                    continue;
                }
                if (!PARAM_NAME.matcher(name).matches() || !PARAM_VALUE.matcher(v).matches()) {
                    throw new IllegalArgumentException("rid " + f[0] + " restriction: '" + SdpParser.abbreviate(p)
                            + "' (expected: <name>[=<value>])");
                }
                if (INTEGER_PARAMS.contains(name)) {
                    SdpParser.parseLong("rid " + name, v, 0, 0xFFFFFFFFL);
                }
                if (restrictions.putIfAbsent(name, v) != null) {
                    throw new IllegalArgumentException("rid " + f[0] + ": " + name + " given twice");
                }
            }
        }
        return new Rid(f[0], send, pts, restrictions);
    }

    /** An integer restriction ({@code max-width}, {@code max-height}, {@code max-br} in bit/s, ...), if given. */
    public OptionalLong restriction(String name) {
        String v = restrictions.get(name);
        if (v == null || v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9') || v.length() > 18) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(v));
    }

    /** The attribute value. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(id).append(send ? " send" : " recv");
        List<String> params = new ArrayList<>();
        if (!payloadTypes.isEmpty()) {
            params.add("pt=" + String.join(",", payloadTypes.stream().map(String::valueOf).toList()));
        }
        restrictions.forEach((k, v) -> params.add(v.isEmpty() ? k : k + "=" + v));
        if (!params.isEmpty()) {
            b.append(' ').append(String.join(";", params));
        }
        return b.toString();
    }
}
