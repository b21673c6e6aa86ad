package io.sluice.crypto.sframe;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON reader for the test vectors: objects ({@link Map}), arrays ({@link List}), strings,
 * integers ({@link BigInteger}, since KIDs and CTRs reach 2^64 − 1), booleans and null. No floats, no
 * string escapes beyond the simple ones.
 */
final class TestJson {
    private final String s;
    private int p;

    private TestJson(String s) {
        this.s = s;
    }

    static Object parse(String json) {
        TestJson j = new TestJson(json);
        Object v = j.value();
        j.ws();
        if (j.p != json.length()) {
            throw j.error("trailing data");
        }
        return v;
    }

    private Object value() {
        ws();
        char c = s.charAt(p);
        switch (c) {
            case '{':
                return object();
            case '[':
                return array();
            case '"':
                return string();
            case 't':
                expect("true");
                return Boolean.TRUE;
            case 'f':
                expect("false");
                return Boolean.FALSE;
            case 'n':
                expect("null");
                return null;
            default:
                return number();
        }
    }

    private Map<String, Object> object() {
        Map<String, Object> m = new LinkedHashMap<>();
        p++;
        ws();
        if (s.charAt(p) == '}') {
            p++;
            return m;
        }
        while (true) {
            ws();
            String k = string();
            ws();
            expect(":");
            m.put(k, value());
            ws();
            char c = s.charAt(p++);
            if (c == '}') {
                return m;
            }
            if (c != ',') {
                throw error("expected , or }");
            }
        }
    }

    private List<Object> array() {
        List<Object> l = new ArrayList<>();
        p++;
        ws();
        if (s.charAt(p) == ']') {
            p++;
            return l;
        }
        while (true) {
            l.add(value());
            ws();
            char c = s.charAt(p++);
            if (c == ']') {
                return l;
            }
            if (c != ',') {
                throw error("expected , or ]");
            }
        }
    }

    private String string() {
        if (s.charAt(p) != '"') {
            throw error("expected string");
        }
        StringBuilder b = new StringBuilder();
        p++;
        while (true) {
            char c = s.charAt(p++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\') {
                char e = s.charAt(p++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        b.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
                        p += 4;
                    }
                    default -> b.append(e);
                }
            } else {
                b.append(c);
            }
        }
    }

    private BigInteger number() {
        int start = p;
        if (s.charAt(p) == '-') {
            p++;
        }
        while (p < s.length() && Character.isDigit(s.charAt(p))) {
            p++;
        }
        if (start == p) {
            throw error("unexpected character");
        }
        return new BigInteger(s.substring(start, p));
    }

    private void expect(String lit) {
        if (!s.startsWith(lit, p)) {
            throw error("expected " + lit);
        }
        p += lit.length();
    }

    private void ws() {
        while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
            p++;
        }
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException("JSON: " + what + " at offset " + p);
    }
}
