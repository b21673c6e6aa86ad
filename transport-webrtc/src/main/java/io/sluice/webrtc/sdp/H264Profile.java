package io.sluice.webrtc.sdp;

import java.util.HexFormat;
import java.util.Optional;

/**
 * H.264 profiles as identified by the first two bytes of {@code profile-level-id} (RFC 6184
 * §8.1): profile_idc and profile-iop (constraint_set0..5 flags). Matching follows the patterns
 * libwebrtc and RFC 6184 use; the level (third byte) does not take part in matching because
 * WebRTC offers carry {@code level-asymmetry-allowed=1}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6184#section-8.1">RFC 6184 §8.1</a>
 */
public enum H264Profile {
    /** profile_idc 0x42 with constraint_set1 (42e0xx, 42c0xx), or 0x4D with constraint_set0 (4de0xx). */
    CONSTRAINED_BASELINE("42e01f"),
    /** profile_idc 0x42 without constraint_set1 (42001f, 4200xx). */
    BASELINE("42001f"),
    /** profile_idc 0x4D without constraint_set0 (4d001f, 4d40xx). */
    MAIN("4d001f"),
    /** profile_idc 0x64 with constraint_set4 and 5 (640cxx). */
    CONSTRAINED_HIGH("640c1f"),
    /** profile_idc 0x64 (64001f). */
    HIGH("64001f");

    private final String defaultProfileLevelId;

    H264Profile(String defaultProfileLevelId) {
        this.defaultProfileLevelId = defaultProfileLevelId;
    }

    /** A profile-level-id of this profile at level 3.1 (0x1f), e.g. {@code 42e01f}. */
    public String defaultProfileLevelId() {
        return defaultProfileLevelId;
    }

    /**
     * The profile of a {@code profile-level-id} (6 hex digits); absent when it is malformed or of
     * another profile (e.g. Predictive High 4:4:4, 0xF4). RFC 6184's default when the parameter is
     * missing is {@code 42000a} (Baseline, level 1).
     */
    public static Optional<H264Profile> ofProfileLevelId(String profileLevelId) {
        if (profileLevelId == null || profileLevelId.length() != 6 || !HexFormat.isHexDigit(profileLevelId.charAt(0))) {
            return Optional.empty();
        }
        int idc;
        int iop;
        try {
            idc = Integer.parseInt(profileLevelId.substring(0, 2), 16);
            iop = Integer.parseInt(profileLevelId.substring(2, 4), 16);
            Integer.parseInt(profileLevelId.substring(4, 6), 16);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        boolean set0 = (iop & 0x80) != 0;
        boolean set1 = (iop & 0x40) != 0;
        boolean set4 = (iop & 0x08) != 0;
        boolean set5 = (iop & 0x04) != 0;
        return switch (idc) {
            case 0x42 -> Optional.of(set1 ? CONSTRAINED_BASELINE : BASELINE);
            case 0x4D -> Optional.of(set0 ? CONSTRAINED_BASELINE : MAIN);
            case 0x58 -> set0 ? Optional.of(set1 ? CONSTRAINED_BASELINE : BASELINE) : Optional.empty();
            case 0x64 -> Optional.of(set4 && set5 ? CONSTRAINED_HIGH : HIGH);
            default -> Optional.empty();
        };
    }
}
