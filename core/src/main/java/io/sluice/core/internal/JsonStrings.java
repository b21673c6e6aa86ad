package io.sluice.core.internal;

/** JSON string literals (RFC 8259 §7) for the modules that write JSON by hand. Not a published API. */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** Appends {@code s} as a JSON string: quoted, with quote, backslash and control characters escaped. */
    public static StringBuilder append(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
