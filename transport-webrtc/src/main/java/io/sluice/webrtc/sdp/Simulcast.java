package io.sluice.webrtc.sdp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code a=simulcast:} (RFC 8853 §5.1): the simulcast streams of an m-section, by rid, for each direction.
 * {@code a=simulcast:send q;h;f} offers three streams; {@code a=simulcast:recv 1,2;3} two, the first with two
 * alternative formats; a {@code ~} prefix marks a stream paused (§5.1, {@code sc-id-paused}).
 *
 * @param send the streams the SDP's writer sends, each a list of alternative rids (preferred first); empty if none
 * @param recv the streams it receives, likewise
 */
public record Simulcast(List<List<Id>> send, List<List<Id>> recv) {
    /** Most streams in one direction, and alternatives of one stream, accepted (Sluice's bound). */
    public static final int MAX_STREAMS = 16;

    /**
     * One {@code sc-id}.
     *
     * @param rid    the rid-id (1..{@value Rid#MAX_ID_LENGTH} chars)
     * @param paused whether it was written with {@code ~}
     */
    public record Id(String rid, boolean paused) {
        /** The sc-id text. */
        @Override
        public String toString() {
            return (paused ? "~" : "") + rid;
        }
    }

    public Simulcast {
        send = send.stream().map(List::copyOf).toList();
        recv = recv.stream().map(List::copyOf).toList();
    }

    /**
     * Parses the attribute value (after {@code a=simulcast:}).
     *
     * @throws IllegalArgumentException if it does not follow RFC 8853 §5.1 (a direction given twice, an empty
     *                                  stream, a malformed rid-id, a rid repeated within a direction, more than
     *                                  {@value #MAX_STREAMS} streams or alternatives)
     */
    public static Simulcast parse(String value) {
        String[] f = value.split(" ", -1);
        if (f.length != 2 && f.length != 4) {
            throw new IllegalArgumentException("simulcast: '" + SdpParser.abbreviate(value)
                    + "' (expected: send|recv <rid>[;<rid>...] [recv|send <rid>...], RFC 8853 §5.1)");
        }
        List<List<Id>> send = null;
        List<List<Id>> recv = null;
        for (int i = 0; i < f.length; i += 2) {
            List<List<Id>> streams = streams(f[i + 1]);
            switch (f[i]) {
                case "send" -> {
                    if (send != null) {
                        throw new IllegalArgumentException("simulcast: send given twice");
                    }
                    send = streams;
                }
                case "recv" -> {
                    if (recv != null) {
                        throw new IllegalArgumentException("simulcast: recv given twice");
                    }
                    recv = streams;
                }
                default -> throw new IllegalArgumentException("simulcast direction: '" + SdpParser.abbreviate(f[i])
                        + "' (expected: send or recv)");
            }
        }
        return new Simulcast(send == null ? List.of() : send, recv == null ? List.of() : recv);
    }

    private static List<List<Id>> streams(String list) {
        String[] streams = list.split(";", -1);
        if (streams.length > MAX_STREAMS) {
            throw new IllegalArgumentException("simulcast: more than " + MAX_STREAMS + " streams");
        }
        List<List<Id>> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String s : streams) {
            String[] alts = s.split(",", -1);
            if (alts.length > MAX_STREAMS) {
                throw new IllegalArgumentException("simulcast: more than " + MAX_STREAMS + " alternatives");
            }
            List<Id> ids = new ArrayList<>();
            for (String a : alts) {
                boolean paused = a.startsWith("~");
                String rid = paused ? a.substring(1) : a;
                if (!Rid.ID.matcher(rid).matches()) {
                    throw new IllegalArgumentException("simulcast rid: '" + SdpParser.abbreviate(a) + "' (expected: [~]<rid-id>)");
                }
                if (!seen.add(rid)) {
                    throw new IllegalArgumentException("simulcast: rid " + rid + " listed twice");
                }
                ids.add(new Id(rid, paused));
            }
            out.add(ids);
        }
        return out;
    }

    /** The attribute value. */
    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        if (!send.isEmpty()) {
            parts.add("send " + text(send));
        }
        if (!recv.isEmpty()) {
            parts.add("recv " + text(recv));
        }
        return String.join(" ", parts);
    }

    private static String text(List<List<Id>> streams) {
        return String.join(";", streams.stream().map(alts -> String.join(",",
                alts.stream().map(Id::toString).toList())).toList());
    }
}
