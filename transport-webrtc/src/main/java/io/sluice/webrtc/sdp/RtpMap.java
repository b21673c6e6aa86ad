package io.sluice.webrtc.sdp;

import java.util.Locale;

/**
 * {@code a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]} (RFC 8866 §6.6).
 *
 * @param payloadType  0..127
 * @param encodingName e.g. {@code H264}, {@code opus}, {@code rtx} (case as written; compare ignoring case)
 * @param clockRate    RTP clock rate in Hz, e.g. 90000 (video), 48000 (Opus)
 * @param channels     audio channels (Opus: 2), or 0 when absent
 */
public record RtpMap(int payloadType, String encodingName, int clockRate, int channels) {
    /**
     * @throws IllegalArgumentException if a field is out of range
     */
    public RtpMap {
        if (payloadType < 0 || payloadType > 127) {
            throw new IllegalArgumentException("payload type: " + payloadType + " (expected: 0..127)");
        }
        if (encodingName == null || encodingName.isEmpty() || encodingName.length() > 64) {
            throw new IllegalArgumentException("encoding name: '" + encodingName + "' (expected: 1..64 chars)");
        }
        if (clockRate < 1) {
            throw new IllegalArgumentException("clock rate: " + clockRate + " (expected: >= 1)");
        }
        if (channels < 0 || channels > 255) {
            throw new IllegalArgumentException("channels: " + channels + " (expected: 0..255)");
        }
    }

    /**
     * Parses the attribute value.
     *
     * @throws IllegalArgumentException if malformed
     */
    public static RtpMap parse(String value) {
        int sp = value.indexOf(' ');
        if (sp <= 0) {
            throw new IllegalArgumentException("rtpmap: '" + value + "' (expected: <pt> <encoding>/<clock rate>)");
        }
        int pt = SdpParser.parseInt("rtpmap payload type", value.substring(0, sp), 0, 127);
        String[] enc = value.substring(sp + 1).trim().split("/", -1);
        if (enc.length < 2 || enc.length > 3) {
            throw new IllegalArgumentException("rtpmap: '" + value + "' (expected: <pt> <encoding>/<clock rate>)");
        }
        int clock = SdpParser.parseInt("rtpmap clock rate", enc[1], 1, 10_000_000);
        int ch = enc.length == 3 ? SdpParser.parseInt("rtpmap channels", enc[2], 1, 255) : 0;
        return new RtpMap(pt, enc[0], clock, ch);
    }

    /** Whether the encoding name equals {@code name} ignoring case. */
    public boolean is(String name) {
        return encodingName.equalsIgnoreCase(name);
    }

    /** {@code encoding/clock[/channels]}, e.g. {@code opus/48000/2}. */
    public String encoding() {
        return encodingName + "/" + clockRate + (channels > 0 ? "/" + channels : "");
    }

    /** The attribute value. */
    @Override
    public String toString() {
        return payloadType + " " + encoding();
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
