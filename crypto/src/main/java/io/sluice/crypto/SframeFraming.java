package io.sluice.crypto;

/**
 * How {@link SframeEncryptor} maps an {@link io.sluice.core.EncodedFrame} onto SFrame ciphertexts
 * (RFC 9605 §4.2 leaves the unit of encryption to the application). Encryptor and decryptor must use the
 * same framing. Audio frames, and video codecs other than H.264, are always {@link #WHOLE_FRAME}.
 *
 * <table>
 * <caption>The two framings side by side</caption>
 * <tr><th></th><th>{@code WHOLE_FRAME}</th><th>{@code NAL_PRESERVING} (H.264)</th></tr>
 * <tr><td>unit</td><td>the whole payload</td><td>each AVCC NAL unit's body (all but its 1-byte header)</td></tr>
 * <tr><td>output payload</td><td>{@code SFrame header ‖ ciphertext ‖ tag}</td>
 *     <td>AVCC again: {@code len(4) ‖ NAL header(1, clear) ‖ EP(SFrame header ‖ ciphertext ‖ tag) ‖ 0x80} per
 *     encrypted NAL unit; SPS/PPS/AUD/end/filler NAL units unchanged</td></tr>
 * <tr><td>CTRs per frame</td><td>1</td><td>1 per encrypted NAL unit</td></tr>
 * <tr><td>metadata (AAD)</td><td>none</td><td>the NAL header byte</td></tr>
 * <tr><td>overhead</td><td>header (1–17 B) + {@code Nt}</td>
 *     <td>per NAL: header + {@code Nt} + 1 (trailer) + emulation-prevention bytes (for random bytes about 1 per 4 MiB)</td></tr>
 * <tr><td>who can parse it</td><td>only an SFrame receiver; the payload is opaque</td>
 *     <td>anything that walks NAL units: RTMP servers, SFUs, RTP packetizers (RFC 6184), Annex B converters</td></tr>
 * <tr><td>use for</td><td>audio; Sluice-to-Sluice video over transports that do not parse H.264</td>
 *     <td>H.264 through relays that inspect NAL types (keyframe detection, FU-A packetization)</td></tr>
 * </table>
 */
public enum SframeFraming {
    /** The whole payload becomes one SFrame ciphertext. */
    WHOLE_FRAME,
    /**
     * H.264 only: NAL unit structure, NAL headers and parameter sets stay readable; each other NAL unit's
     * body becomes one SFrame ciphertext with emulation prevention. See {@link SframeEncryptor} for the
     * byte layout.
     */
    NAL_PRESERVING
}
