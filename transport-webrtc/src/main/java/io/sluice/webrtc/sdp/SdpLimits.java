package io.sluice.webrtc.sdp;

/**
 * Bounds on SDP input, so that a malicious offer costs little to reject.
 *
 * @param maxChars          most characters in the description; default 65536
 * @param maxLines          most lines; default 2000
 * @param maxLineLength     most characters in one line (without CRLF); default 4096
 * @param maxMediaSections  most m= sections; default 32
 */
public record SdpLimits(int maxChars, int maxLines, int maxLineLength, int maxMediaSections) {
    /** 64 KiB, 2000 lines, 4096 chars per line, 32 m-sections. */
    public static final SdpLimits DEFAULT = new SdpLimits(65536, 2000, 4096, 32);

    /**
     * @throws IllegalArgumentException if a bound is below 1
     */
    public SdpLimits {
        if (maxChars < 1 || maxLines < 1 || maxLineLength < 1 || maxMediaSections < 1) {
            throw new IllegalArgumentException("limits: " + maxChars + "/" + maxLines + "/" + maxLineLength + "/"
                    + maxMediaSections + " (expected: all >= 1)");
        }
    }
}
