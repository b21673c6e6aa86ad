package io.sluice.webrtc.sdp;

import java.util.Objects;

/**
 * One {@code a=} line: a property attribute ({@code a=rtcp-mux}, value null) or a value attribute
 * ({@code a=mid:0}).
 *
 * @param name  the attribute name (a token)
 * @param value the text after the first colon, or null for a property attribute
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8866#section-5.13">RFC 8866 §5.13</a>
 */
public record SdpAttribute(String name, String value) {
    public SdpAttribute {
        Objects.requireNonNull(name, "name");
    }

    /** A property attribute. */
    public static SdpAttribute of(String name) {
        return new SdpAttribute(name, null);
    }

    /** A value attribute. */
    public static SdpAttribute of(String name, String value) {
        return new SdpAttribute(name, Objects.requireNonNull(value, "value"));
    }

    /** {@code name} or {@code name:value}, without {@code a=}. */
    @Override
    public String toString() {
        return value == null ? name : name + ":" + value;
    }
}
