package io.sluice.http.server;

/**
 * The one byte range of an HTTP {@code Range} header this server answers (RFC 9110 §14.1.2, §14.2): a single
 * {@code bytes=first-last}, {@code bytes=first-} or {@code bytes=-suffixLength}. Several ranges, another unit or a
 * malformed header are ignored (answered with the whole body, which §14.2 allows).
 */
final class ByteRanges {
    /** Longest header value parsed; longer ones are ignored. */
    private static final int MAX_HEADER = 64;

    private ByteRanges() {
    }

    /**
     * @param header the {@code Range} header value
     * @param length length of the representation, bytes
     * @return {@code {first, last}} (inclusive, {@code 0 <= first <= last < length}); an empty array if the range is
     *         unsatisfiable (answer 416); {@code null} to answer with the whole body
     */
    static long[] single(String header, long length) {
        if (header.length() > MAX_HEADER || !header.regionMatches(true, 0, "bytes=", 0, 6) || header.indexOf(',') >= 0) {
            return null;
        }
        String spec = header.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        long first = digits(spec.substring(0, dash).trim());
        long last = digits(spec.substring(dash + 1).trim());
        if (first == -2 || last == -2 || first == -1 && last == -1) {
            return null;
        }
        if (first == -1) { // suffix: the last `last` bytes
            if (last == 0 || length == 0) {
                return new long[0];
            }
            return new long[] {Math.max(0, length - last), length - 1};
        }
        if (last != -1 && last < first) {
            return null; // invalid range-spec: ignore the header
        }
        if (first >= length) {
            return new long[0];
        }
        return new long[] {first, last == -1 ? length - 1 : Math.min(last, length - 1)};
    }

    /** A non-negative decimal of at most 15 digits; -1 if empty, -2 if not one. */
    private static long digits(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        if (s.length() > 15) {
            return -2;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -2;
            }
        }
        return Long.parseLong(s);
    }
}
