package io.sluice.webrtc.sdp;

/** The media of an m-section Sluice negotiates. */
public enum MediaKind {
    /** {@code m=audio}: Opus (RFC 7587). */
    AUDIO("audio"),
    /** {@code m=video}: H.264 (RFC 6184). */
    VIDEO("video");

    private final String sdpName;

    MediaKind(String sdpName) {
        this.sdpName = sdpName;
    }

    /** The {@code m=} media token. */
    public String sdpName() {
        return sdpName;
    }

    /** The kind of an {@code m=} media token, or null for others ({@code application}, ...). */
    public static MediaKind ofSdpName(String name) {
        for (MediaKind k : values()) {
            if (k.sdpName.equals(name)) {
                return k;
            }
        }
        return null;
    }
}
