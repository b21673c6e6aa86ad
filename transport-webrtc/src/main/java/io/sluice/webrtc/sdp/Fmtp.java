package io.sluice.webrtc.sdp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * {@code a=fmtp:<payload type> <param>=<value>;...} (RFC 8866 §6.15) parsed as key/value pairs
 * (keys lower-cased; a parameter without {@code =} maps to an empty string).
 *
 * @param payloadType 0..127
 * @param parameters  in order (unmodifiable)
 */
public record Fmtp(int payloadType, Map<String, String> parameters) {
    static final int MAX_PARAMETERS = 32;

    public Fmtp {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Parses the attribute value.
     *
     * @throws IllegalArgumentException if malformed or with more than 32 parameters
     */
    public static Fmtp parse(String value) {
        int sp = value.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("fmtp: '" + value + "' (expected: <pt> <parameters>)");
        }
        int pt = SdpParser.parseInt("fmtp payload type", value.substring(0, sp), 0, 127);
        Map<String, String> params = new LinkedHashMap<>();
        for (String p : value.substring(sp + 1).split(";")) {
            String t = p.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (params.size() == MAX_PARAMETERS) {
                throw new IllegalArgumentException("fmtp: more than " + MAX_PARAMETERS + " parameters");
            }
            int eq = t.indexOf('=');
            if (eq == 0) {
                throw new IllegalArgumentException("fmtp parameter: '" + t + "' (expected: name=value)");
            }
            if (eq < 0) {
                params.put(t.toLowerCase(Locale.ROOT), "");
            } else {
                params.put(t.substring(0, eq).trim().toLowerCase(Locale.ROOT), t.substring(eq + 1).trim());
            }
        }
        return new Fmtp(pt, params);
    }

    /** The value of {@code name} (lower case), or null. */
    public String get(String name) {
        return parameters.get(name);
    }

    /** The attribute value. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(";", payloadType + " ", "");
        parameters.forEach((k, v) -> j.add(v.isEmpty() ? k : k + "=" + v));
        return j.toString();
    }
}
