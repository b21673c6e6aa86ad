package io.sluice.webrtc.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * {@code a=ssrc-group:<semantics> <ssrc>...} (RFC 5576 §4.2); {@code FID} pairs a media SSRC with
 * its RTX SSRC (RFC 4588 §8).
 *
 * @param semantics e.g. {@code FID}, {@code SIM}
 * @param ssrcs     the SSRCs, each 0..2^32-1
 */
public record SsrcGroup(String semantics, List<Long> ssrcs) {
    public SsrcGroup {
        ssrcs = List.copyOf(ssrcs);
    }

    /**
     * Parses the attribute value.
     *
     * @throws IllegalArgumentException if malformed or with more than 16 SSRCs
     */
    public static SsrcGroup parse(String value) {
        String[] f = value.trim().split(" +");
        if (f.length < 2 || f.length > 17) {
            throw new IllegalArgumentException("ssrc-group: '" + value + "' (expected: <semantics> <ssrc>{1,16})");
        }
        List<Long> ssrcs = new ArrayList<>();
        for (int i = 1; i < f.length; i++) {
            ssrcs.add(SdpParser.parseLong("ssrc", f[i], 0, 0xFFFFFFFFL));
        }
        return new SsrcGroup(f[0], ssrcs);
    }

    /** The attribute value. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(" ", semantics + " ", "");
        ssrcs.forEach(s -> j.add(Long.toString(s)));
        return j.toString();
    }
}
