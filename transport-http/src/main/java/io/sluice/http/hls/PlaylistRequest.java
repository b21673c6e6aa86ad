package io.sluice.http.hls;

import java.util.Map;

/**
 * The delivery directives of one media playlist request (RFC 8216bis §6.2.5): {@code _HLS_msn},
 * {@code _HLS_part} and {@code _HLS_skip}, with the time the request arrived.
 *
 * @param msn          {@code _HLS_msn}, or -1 when absent
 * @param part         {@code _HLS_part}, or -1 when absent
 * @param skip         whether {@code _HLS_skip=YES} or {@code v2} asks for a delta update (§6.2.5.1)
 * @param arrivedNanos when the request arrived, on the {@link io.sluice.core.time.Ticker} clock, ns
 * @param badReason    why the directives are malformed (then the answer is 400), or {@code null}
 */
public record PlaylistRequest(long msn, int part, boolean skip, long arrivedNanos, String badReason) {
    /** Upper bound on a parsed directive value; larger values are a 400, not an overflow. */
    private static final long MAX_DIRECTIVE = 1L << 52;

    /**
     * Parses the query parameters of a playlist request.
     *
     * @param query        decoded query parameters, first value of each
     * @param arrivedNanos see the record
     */
    public static PlaylistRequest parse(Map<String, String> query, long arrivedNanos) {
        long msn = -1;
        int part = -1;
        String bad = null;
        try {
            if (query.containsKey("_HLS_msn")) {
                msn = parseDirective(query.get("_HLS_msn"));
            }
            if (query.containsKey("_HLS_part")) {
                long p = parseDirective(query.get("_HLS_part"));
                if (p > Integer.MAX_VALUE) {
                    throw new NumberFormatException("too large");
                }
                part = (int) p;
                if (msn < 0) {
                    bad = "_HLS_part without _HLS_msn (RFC 8216bis §6.2.5.2)";
                }
            }
        } catch (NumberFormatException e) {
            bad = "_HLS_msn/_HLS_part: not a decimal integer 0.." + MAX_DIRECTIVE + " (" + e.getMessage() + ")";
        }
        String s = query.get("_HLS_skip");
        boolean skip = "YES".equals(s) || "v2".equals(s);
        return new PlaylistRequest(msn, part, skip, arrivedNanos, bad);
    }

    /** A request without directives. */
    public static PlaylistRequest plain(long arrivedNanos) {
        return new PlaylistRequest(-1, -1, false, arrivedNanos, null);
    }

    /** Whether it asks for a blocking reload. */
    public boolean blocking() {
        return msn >= 0;
    }

    private static long parseDirective(String v) {
        if (v == null || v.isEmpty() || v.length() > 16 || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new NumberFormatException("'" + v + "'");
        }
        long n = Long.parseLong(v);
        if (n > MAX_DIRECTIVE) {
            throw new NumberFormatException("too large");
        }
        return n;
    }
}
