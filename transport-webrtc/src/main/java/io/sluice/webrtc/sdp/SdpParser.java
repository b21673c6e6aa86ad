package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Parses SDP text (RFC 8866) into a {@link SessionDescription}, checking the syntax of every line
 * and of each attribute Sluice interprets (rtpmap, fmtp, rtcp-fb, extmap, ssrc, ssrc-group, rid, simulcast,
 * candidate, fingerprint, setup, group, mid, msid, ice-ufrag, ice-pwd), within {@link SdpLimits}.
 * Lines may end in CRLF or LF. Stateless and thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8866#section-9">RFC 8866 §9 (grammar)</a>
 */
public final class SdpParser {
    private static final SdpParser DEFAULT = new SdpParser(SdpLimits.DEFAULT);
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]+");
    private static final Pattern MID = Pattern.compile("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]{1,32}");
    private static final Pattern CONNECTION = Pattern.compile("IN IP[46] [^ ]+");
    private static final Pattern BANDWIDTH = Pattern.compile("[A-Za-z0-9\\-]+:\\d{1,10}");
    private static final Pattern TIMING = Pattern.compile("\\d{1,20} \\d{1,20}");
    private static final Pattern PORT = Pattern.compile("\\d{1,5}(/\\d{1,5})?");
    private static final Pattern ICE_CHARS = Pattern.compile("[A-Za-z0-9+/]{1,256}");

    private final SdpLimits limits;

    /** @param limits the bounds to enforce */
    public SdpParser(SdpLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /**
     * Parses with {@link SdpLimits#DEFAULT}.
     *
     * @throws SdpParseException with the line number and reason
     */
    public static SessionDescription parseDefault(String sdp) {
        return DEFAULT.parse(sdp);
    }

    /**
     * Parses one session description.
     *
     * @param sdp the SDP text
     * @return the description
     * @throws SdpParseException with the line number and reason for any syntax error or exceeded limit
     */
    public SessionDescription parse(String sdp) {
        if (sdp == null || sdp.isEmpty()) {
            throw new SdpParseException(0, "empty session description");
        }
        if (sdp.length() > limits.maxChars()) {
            throw new SdpParseException(0, "session description: " + sdp.length() + " chars (expected: <= "
                    + limits.maxChars() + ")");
        }
        List<String> lines = split(sdp);
        SdpOrigin origin = null;
        String sessionName = null;
        String timing = null;
        String sessionConnection = null;
        List<String> sessionBandwidths = new ArrayList<>();
        List<SdpAttribute> sessionAttributes = new ArrayList<>();
        List<MediaDescription> media = new ArrayList<>();
        // current m-section
        String[] mLine = null;
        int mPort = 0;
        String mConnection = null;
        List<String> mBandwidths = null;
        List<SdpAttribute> mAttributes = null;
        int mSimulcastLine = 0; // line of the current m-section's a=simulcast, 0 if none

        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i);
            if (line.length() < 2 || line.charAt(1) != '=' || line.charAt(0) < 'a' || line.charAt(0) > 'z') {
                throw new SdpParseException(n, "'" + abbreviate(line) + "' (expected: <type>=<value>)");
            }
            char type = line.charAt(0);
            String value = line.substring(2);
            if (i == 0 && type != 'v') {
                throw new SdpParseException(n, "first line: '" + abbreviate(line) + "' (expected: v=0)");
            }
            try {
                switch (type) {
                    case 'v' -> {
                        if (i != 0 || !value.equals("0")) {
                            throw new IllegalArgumentException("v=" + abbreviate(value) + " (expected: v=0 on line 1)");
                        }
                    }
                    case 'o' -> {
                        requireSession(type, mLine);
                        origin = SdpOrigin.parse(value);
                    }
                    case 's' -> {
                        requireSession(type, mLine);
                        if (value.isEmpty()) {
                            throw new IllegalArgumentException("s=: empty (expected: a name or '-')");
                        }
                        sessionName = value;
                    }
                    case 't' -> {
                        requireSession(type, mLine);
                        if (!TIMING.matcher(value).matches()) {
                            throw new IllegalArgumentException("t=" + abbreviate(value) + " (expected: <start> <stop>)");
                        }
                        timing = value;
                    }
                    case 'c' -> {
                        if (!CONNECTION.matcher(value).matches()) {
                            throw new IllegalArgumentException("c=" + abbreviate(value)
                                    + " (expected: IN IP4|IP6 <address>)");
                        }
                        if (mLine == null) {
                            sessionConnection = value;
                        } else {
                            mConnection = value;
                        }
                    }
                    case 'b' -> {
                        if (!BANDWIDTH.matcher(value).matches()) {
                            throw new IllegalArgumentException("b=" + abbreviate(value) + " (expected: <type>:<kbps>)");
                        }
                        (mLine == null ? sessionBandwidths : mBandwidths).add(value);
                    }
                    case 'a' -> {
                        SdpAttribute a = attribute(value);
                        List<SdpAttribute> target = mLine == null ? sessionAttributes : mAttributes;
                        target.add(a);
                        if (a.name().equals("simulcast") && mLine != null) {
                            if (mSimulcastLine > 0) {
                                throw new IllegalArgumentException("a=simulcast given twice in one m-section"
                                        + " (RFC 8853 §5.1: at most once)");
                            }
                            mSimulcastLine = n;
                        }
                    }
                    case 'm' -> {
                        if (origin == null || sessionName == null || timing == null) {
                            throw new IllegalArgumentException("m= before o=, s= and t=");
                        }
                        if (mLine != null) {
                            checkRids(mAttributes, mSimulcastLine);
                            media.add(new MediaDescription(mLine[0], mPort, mLine[2],
                                    Arrays.asList(mLine).subList(3, mLine.length), mConnection, mBandwidths,
                                    mAttributes));
                        }
                        if (media.size() >= limits.maxMediaSections()) {
                            throw new IllegalArgumentException("m-sections: more than " + limits.maxMediaSections());
                        }
                        mLine = value.split(" ", -1);
                        if (mLine.length < 4) {
                            throw new IllegalArgumentException("m=" + abbreviate(value)
                                    + " (expected: <media> <port> <proto> <fmt> ...)");
                        }
                        for (String f : mLine) {
                            if (!TOKEN.matcher(f).matches() && !f.contains("/")) {
                                throw new IllegalArgumentException("m= field: '" + abbreviate(f) + "' (expected: a token)");
                            }
                        }
                        if (!TOKEN.matcher(mLine[0]).matches()) {
                            throw new IllegalArgumentException("m= media: '" + abbreviate(mLine[0]) + "' (expected: a token)");
                        }
                        if (!PORT.matcher(mLine[1]).matches()) {
                            throw new IllegalArgumentException("m= port: '" + abbreviate(mLine[1]) + "' (expected: 0..65535)");
                        }
                        String portText = mLine[1].contains("/") ? mLine[1].substring(0, mLine[1].indexOf('/')) : mLine[1];
                        mPort = parseInt("m= port", portText, 0, 65535);
                        if (mLine[2].contains(" ") || mLine[2].isEmpty()) {
                            throw new IllegalArgumentException("m= proto: empty");
                        }
                        mConnection = null;
                        mSimulcastLine = 0;
                        mBandwidths = new ArrayList<>();
                        mAttributes = new ArrayList<>();
                    }
                    case 'i', 'u', 'e', 'p', 'z', 'k', 'r' -> {
                        // syntax-checked by the generic line rules; not used by WebRTC
                    }
                    default -> throw new IllegalArgumentException("unknown line type '" + type + "='");
                }
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new SdpParseException(n, e.getMessage());
            }
        }
        if (mLine != null) {
            checkRids(mAttributes, mSimulcastLine);
            media.add(new MediaDescription(mLine[0], mPort, mLine[2], Arrays.asList(mLine).subList(3, mLine.length),
                    mConnection, mBandwidths, mAttributes));
        }
        if (origin == null) {
            throw new SdpParseException(0, "missing o= line");
        }
        if (sessionName == null) {
            throw new SdpParseException(0, "missing s= line");
        }
        if (timing == null) {
            throw new SdpParseException(0, "missing t= line");
        }
        return new SessionDescription(origin, sessionName, sessionConnection, sessionBandwidths, timing,
                sessionAttributes, media);
    }

    private List<String> split(String sdp) {
        String[] raw = sdp.split("\n", -1);
        int count = raw.length;
        if (count > 0 && raw[count - 1].isEmpty()) {
            count--; // the final line ends with a newline
        }
        if (count > limits.maxLines()) {
            throw new SdpParseException(limits.maxLines() + 1, "lines: more than " + limits.maxLines());
        }
        List<String> lines = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int n = i + 1;
            String line = raw[i].endsWith("\r") ? raw[i].substring(0, raw[i].length() - 1) : raw[i];
            if (line.length() > limits.maxLineLength()) {
                throw new SdpParseException(n, "line length: " + line.length() + " (expected: <= "
                        + limits.maxLineLength() + ")");
            }
            if (line.isEmpty()) {
                throw new SdpParseException(n, "empty line");
            }
            for (int c = 0; c < line.length(); c++) {
                char ch = line.charAt(c);
                if (ch < 0x20 && ch != '\t' || ch == 0x7f) {
                    throw new SdpParseException(n, String.format("control character 0x%02x at column %d", (int) ch, c + 1));
                }
            }
            lines.add(line);
        }
        return lines;
    }

    /**
     * An m-section's {@code a=rid} ids are unique (RFC 8851 §4), and each rid its {@code a=simulcast} lists was
     * declared with {@code a=rid} in that direction (RFC 8853 §5.1).
     *
     * @throws SdpParseException on the a=simulcast line ({@code simulcastLine}) or, for a repeated rid, line 0
     */
    private static void checkRids(List<SdpAttribute> attributes, int simulcastLine) {
        java.util.Map<String, Rid> rids = new java.util.HashMap<>();
        Simulcast simulcast = null;
        for (SdpAttribute a : attributes) {
            if (a.name().equals("rid") && a.value() != null) {
                Rid rid = Rid.parse(a.value());
                if (rids.put(rid.id(), rid) != null) {
                    throw new SdpParseException(0, "a=rid:" + rid.id() + " declared twice in one m-section (RFC 8851 §4)");
                }
            } else if (a.name().equals("simulcast") && a.value() != null) {
                simulcast = Simulcast.parse(a.value());
            }
        }
        if (simulcast == null) {
            return;
        }
        for (boolean send : new boolean[] {true, false}) {
            for (List<Simulcast.Id> alternatives : send ? simulcast.send() : simulcast.recv()) {
                for (Simulcast.Id id : alternatives) {
                    Rid rid = rids.get(id.rid());
                    if (rid == null || rid.send() != send) {
                        throw new SdpParseException(simulcastLine, "a=simulcast " + (send ? "send" : "recv") + " rid "
                                + id.rid() + " has no a=rid:" + id.rid() + (send ? " send" : " recv")
                                + " in the m-section (RFC 8853 §5.1)");
                    }
                }
            }
        }
    }

    private static void requireSession(char type, String[] mLine) {
        if (mLine != null) {
            throw new IllegalArgumentException(type + "= inside an m-section (expected: session level)");
        }
    }

    private static SdpAttribute attribute(String value) {
        int colon = value.indexOf(':');
        String name = colon < 0 ? value : value.substring(0, colon);
        if (!TOKEN.matcher(name).matches()) {
            throw new IllegalArgumentException("attribute name: '" + abbreviate(name) + "' (expected: a token)");
        }
        if (colon < 0) {
            return SdpAttribute.of(name);
        }
        String v = value.substring(colon + 1);
        switch (name) {
            case "rtpmap" -> RtpMap.parse(v);
            case "fmtp" -> Fmtp.parse(v);
            case "rtcp-fb" -> {
                int sp = v.indexOf(' ');
                if (sp <= 0 || v.substring(sp + 1).isBlank()) {
                    throw new IllegalArgumentException("rtcp-fb: '" + abbreviate(v) + "' (expected: <pt>|* <type> [<param>])");
                }
                String pt = v.substring(0, sp);
                if (!pt.equals("*")) {
                    parseInt("rtcp-fb payload type", pt, 0, 127);
                }
            }
            case "extmap" -> ExtMap.parse(v);
            case "ssrc" -> {
                int sp = v.indexOf(' ');
                parseLong("ssrc", sp < 0 ? v : v.substring(0, sp), 0, 0xFFFFFFFFL);
            }
            case "ssrc-group" -> SsrcGroup.parse(v);
            case "rid" -> Rid.parse(v);
            case "simulcast" -> Simulcast.parse(v);
            case "candidate" -> IceCandidate.parse(v);
            case "fingerprint" -> Fingerprint.parse(v);
            case "setup" -> SetupRole.ofSdpName(v);
            case "mid" -> {
                if (!MID.matcher(v).matches()) {
                    throw new IllegalArgumentException("mid: '" + abbreviate(v) + "' (expected: 1..32 token chars)");
                }
            }
            case "ice-ufrag", "ice-pwd" -> {
                if (!ICE_CHARS.matcher(v).matches()) {
                    throw new IllegalArgumentException(name + ": '" + abbreviate(v) + "' (expected: 1..256 ice-chars)");
                }
            }
            case "group" -> {
                String[] f = v.trim().split(" +");
                if (f.length < 1 || !TOKEN.matcher(f[0]).matches() || f.length > 65) {
                    throw new IllegalArgumentException("group: '" + abbreviate(v) + "' (expected: <semantics> <mid>...)");
                }
            }
            case "msid" -> {
                String[] f = v.trim().split(" +");
                if (f.length < 1 || f.length > 2 || f[0].isEmpty() || f[0].length() > 64) {
                    throw new IllegalArgumentException("msid: '" + abbreviate(v) + "' (expected: <stream id> [<track id>])");
                }
            }
            default -> {
                // kept verbatim
            }
        }
        return SdpAttribute.of(name, v);
    }

    static int parseInt(String name, String s, int min, int max) {
        return (int) parseLong(name, s, min, max);
    }

    static long parseLong(String name, String s, long min, long max) {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException(name + ": '" + abbreviate(s) + "' (expected: " + min + ".." + max + ")");
        }
        long n = Long.parseLong(s);
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + n + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
