package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * SDP offer/answer (RFC 8829 JSEP subset, RFC 3264) for Sluice's capabilities: H.264
 * packetization-mode=1 with profile-level-id matching (RFC 6184 §8.1), RTX (RFC 4588), Opus
 * 48000/2 (RFC 7587), rtcp-fb nack / nack pli / ccm fir / goog-remb / transport-cc, header
 * extensions mid / abs-send-time / transport-wide-cc-01 (RFC 8285), BUNDLE (RFC 8843) and
 * rtcp-mux (RFC 5761) required. A video offer with {@code a=simulcast:send} (RFC 8853) and the
 * rtp-stream-id extension (RFC 8852) is answered with {@code a=rid:<id> recv} per stream and
 * {@code a=simulcast:recv} (at most {@link #MAX_SIMULCAST_LAYERS} streams), accepting the rtp-stream-id and
 * repaired-rtp-stream-id extensions as well; other offers never get those.
 *
 * <ul>
 *   <li>Server (WHEP/WHIP endpoint): {@link #answer} answers a browser offer as ICE-lite, with
 *       {@code a=setup:passive} to an {@code actpass} offer, the direction mirrored, the offer's
 *       payload types and extension ids kept.</li>
 *   <li>Client (WHIP): {@link #createOffer} writes a sendonly H.264 + Opus offer with
 *       {@code a=setup:actpass}; {@link #applyAnswer} checks the server's answer.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe except for the injected {@link Random} (SSRCs, session id), which
 * should be thread-safe ({@link SecureRandom} is).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8829#section-5.3">RFC 8829 §5.3</a>
 */
public final class SdpNegotiator {
    /** Feedback Sluice handles for video, in the order written. */
    public static final List<String> VIDEO_FEEDBACK = List.of("goog-remb", "transport-cc", "ccm fir", "nack", "nack pli");
    /** Feedback Sluice handles for audio. */
    public static final List<String> AUDIO_FEEDBACK = List.of("transport-cc");
    /**
     * Most simulcast streams (RFC 8853) accepted on one m-section; an offer with more gets the first ones answered
     * (§5.3.2: the answerer may remove streams), the rest are not sent.
     */
    public static final int MAX_SIMULCAST_LAYERS = 4;
    /** Header extensions Sluice handles, in the order written (ids 1, 2, 3 in an offer). */
    public static final List<String> EXTENSIONS = List.of(ExtMap.MID, ExtMap.ABS_SEND_TIME, ExtMap.TRANSPORT_WIDE_CC);

    /**
     * The media-level attribute {@code a=sframe} (draft-ietf-avtcore-rtp-sframe-02 §6): in an offer or
     * answer, the endpoint expects to receive RTP packets in the SFrame payload format on that m-section.
     */
    public static final String SFRAME = "sframe";

    private static final Set<String> NON_CODECS = Set.of("rtx", "red", "ulpfec", "flexfec-03", "cn",
            "telephone-event");
    private static final String PROTOCOL = "UDP/TLS/RTP/SAVPF";

    private final List<H264Profile> h264Profiles;
    private final boolean rtx;
    private final List<String> videoFeedback;
    private final List<String> audioFeedback;
    private final List<String> extensions;
    private final Random random;
    private final String cname;
    private final boolean sframe;

    private SdpNegotiator(Builder b) {
        this.h264Profiles = List.copyOf(b.h264Profiles);
        this.rtx = b.rtx;
        this.videoFeedback = List.copyOf(b.videoFeedback);
        this.audioFeedback = List.copyOf(b.audioFeedback);
        this.extensions = List.copyOf(b.extensions);
        this.random = b.random;
        this.cname = b.cname != null ? b.cname : Long.toHexString(random.nextLong() & Long.MAX_VALUE);
        this.sframe = b.sframe;
    }

    /** A builder with every capability enabled. */
    public static Builder builder() {
        return new Builder();
    }

    // ---------------------------------------------------------------- server role

    /**
     * Answers a browser's offer as an ICE-lite server.
     *
     * @param offer the parsed offer
     * @param local our ICE credentials, fingerprint, host candidates and stream id
     * @return the answer and the negotiated parameters
     * @throws SdpNegotiationException with a reason for the client when the offer cannot be served
     */
    public NegotiatedSession answer(SessionDescription offer, LocalTransport local) {
        List<List<String>> groups = offer.bundleGroups();
        if (groups.isEmpty()) {
            throw new SdpNegotiationException("offer has no a=group:BUNDLE (BUNDLE is required, RFC 8843)");
        }
        List<String> bundle = groups.get(0);
        List<MediaDescription> answerMedia = new ArrayList<>();
        List<NegotiatedMedia> negotiated = new ArrayList<>();
        List<String> acceptedMids = new ArrayList<>();
        MediaDescription first = null;
        for (int i = 0; i < offer.media().size(); i++) {
            MediaDescription m = offer.media().get(i);
            String mid = m.mid().orElseThrow(() -> new SdpNegotiationException(
                    "offer m-section " + m.media() + " has no a=mid (required with BUNDLE, RFC 8843 §7.2)"));
            MediaKind kind = MediaKind.ofSdpName(m.media());
            if (m.rejected() || kind == null || !m.protocol().endsWith("RTP/SAVPF")) {
                answerMedia.add(rejected(m, mid));
                continue;
            }
            String where = "m-section mid=" + mid + " (" + m.media() + ")";
            boolean sframeOffered = m.has(SFRAME);
            if (sframeOffered && !sframe) {
                // draft-ietf-avtcore-rtp-sframe-02 §6: a peer that does not support SFrame stops the
                // transceiver, which answers the m-section with port 0.
                answerMedia.add(rejected(m, mid));
                continue;
            }
            if (sframeOffered && kind == MediaKind.VIDEO
                    && m.extMaps().stream().noneMatch(e -> e.uri().equals(ExtMap.FRAME_MARKING))) {
                throw new SdpNegotiationException(where + ": a=sframe video without the frame marking header"
                        + " extension (" + ExtMap.FRAME_MARKING + ", RFC 9626), which this receiver needs to tell"
                        + " keyframes in encrypted frames");
            }
            if (!bundle.contains(mid)) {
                throw new SdpNegotiationException(where + " is not in the BUNDLE group " + bundle);
            }
            if (!m.rtcpMux()) {
                throw new SdpNegotiationException(where + ": no a=rtcp-mux (rtcp-mux is required, RFC 5761/RFC 8829)");
            }
            if (first == null) {
                first = m;
            }
            int pt = kind == MediaKind.VIDEO ? chooseH264(m) : chooseOpus(m);
            if (pt < 0) {
                throw new SdpNegotiationException(where + ": no common codec (offered: " + offeredCodecs(m)
                        + "; supported: " + (kind == MediaKind.VIDEO
                        ? "H264 packetization-mode=1 " + h264Profiles : "opus/48000/2") + ")");
            }
            Direction direction = m.direction().reverse();
            Answered a = answerMedia(offer, m, kind, mid, pt, direction, local);
            answerMedia.add(a.description);
            negotiated.add(a.media);
            acceptedMids.add(mid);
        }
        if (first == null) {
            throw new SdpNegotiationException("offer has no audio or video m-section to answer"
                    + (sframe ? "" : " (m-sections with a=sframe are not accepted here)"));
        }
        IceCredentials remoteIce = remoteIce(offer, first, "offer");
        Fingerprint remoteFingerprint = remoteFingerprint(offer, first, "offer");
        SetupRole offered = offer.setup(first).orElse(SetupRole.ACTIVE);
        SetupRole localSetup = switch (offered) {
            case ACTPASS, ACTIVE -> SetupRole.PASSIVE;
            case PASSIVE -> SetupRole.ACTIVE;
            default -> throw new SdpNegotiationException("offer a=setup:" + offered.sdpName()
                    + " (expected: actpass, active or passive, RFC 8842 §5)");
        };
        List<MediaDescription> withSetup = new ArrayList<>();
        for (MediaDescription md : answerMedia) {
            if (md.rejected()) {
                withSetup.add(md);
                continue;
            }
            List<SdpAttribute> attrs = new ArrayList<>(md.attributes());
            attrs.replaceAll(a -> a.name().equals("setup") ? SdpAttribute.of("setup", localSetup.sdpName()) : a);
            withSetup.add(new MediaDescription(md.media(), md.port(), md.protocol(), md.formats(), md.connection(),
                    md.bandwidths(), attrs));
        }
        List<SdpAttribute> session = new ArrayList<>();
        session.add(SdpAttribute.of("group", "BUNDLE " + String.join(" ", acceptedMids)));
        session.add(SdpAttribute.of("ice-lite"));
        session.add(SdpAttribute.of("msid-semantic", " WMS " + local.mediaStreamId()));
        SessionDescription answer = new SessionDescription(origin(), "-", null, List.of(), "0 0", session, withSetup);
        return new NegotiatedSession(answer, offer, remoteIce, remoteFingerprint, localSetup, offer.iceLite(),
                candidates(offer), negotiated);
    }

    private record Answered(MediaDescription description, NegotiatedMedia media) {
    }

    private Answered answerMedia(SessionDescription offer, MediaDescription m, MediaKind kind, String mid, int pt,
                                 Direction direction, LocalTransport local) {
        RtpMap codec = m.rtpMap(pt).orElseThrow();
        int rtxPt = kind == MediaKind.VIDEO && rtx ? findRtx(m, pt) : -1;
        Fmtp fmtp = kind == MediaKind.VIDEO ? h264Fmtp(pt, m.fmtp(pt).get("profile-level-id")) : opusFmtp(pt);
        List<String> supported = kind == MediaKind.VIDEO ? videoFeedback : audioFeedback;
        List<String> feedback = new ArrayList<>(new LinkedHashSet<>(m.rtcpFeedback(pt)));
        feedback.retainAll(supported);
        boolean sf = m.has(SFRAME);
        Map<String, Integer> ext = new LinkedHashMap<>();
        for (ExtMap e : m.extMaps()) {
            boolean wanted = extensions.contains(e.uri()) || (sf && e.uri().equals(ExtMap.FRAME_MARKING));
            if (wanted && !ext.containsKey(e.uri()) && !ext.containsValue(e.id())) {
                ext.put(e.uri(), e.id());
            }
        }
        List<Rid> layers = kind == MediaKind.VIDEO && direction.receives() && !sf ? simulcastLayers(m, pt)
                : List.of();
        if (!layers.isEmpty()) {
            for (ExtMap e : m.extMaps()) {
                boolean rid = e.uri().equals(ExtMap.RTP_STREAM_ID)
                        || (rtxPt >= 0 && e.uri().equals(ExtMap.REPAIRED_RTP_STREAM_ID));
                if (rid && !ext.containsKey(e.uri()) && !ext.containsValue(e.id())) {
                    ext.put(e.uri(), e.id());
                }
            }
            if (!ext.containsKey(ExtMap.RTP_STREAM_ID)) {
                layers = List.of(); // no way to tell the streams apart: answered without simulcast (one stream)
                ext.remove(ExtMap.REPAIRED_RTP_STREAM_ID);
            }
        }
        long ssrc = direction.sends() ? newSsrc() : -1;
        long rtxSsrc = direction.sends() && rtxPt >= 0 ? newSsrc() : -1;
        MediaDescription md = mediaSection(kind, mid, direction, local, SetupRole.PASSIVE, codec, fmtp, feedback,
                rtxPt, ext, ssrc, rtxSsrc, m.rtcpRsize(), sf);
        if (!layers.isEmpty()) {
            md = withSimulcastRecv(md, layers, m.simulcast().orElseThrow());
        }
        NegotiatedMedia nm = new NegotiatedMedia(mid, kind, direction, codec, fmtp, rtxPt, feedback, ext, ssrc,
                rtxSsrc, List.copyOf(m.ssrcs().keySet()), m.rtcpRsize(), sf, layers);
        return new Answered(md, nm);
    }

    /**
     * The streams of the offer's {@code a=simulcast:send} this server receives (RFC 8853 §5.3.2): of each stream the
     * first alternative whose {@code a=rid} allows {@code pt} (RFC 8851 §6), at most {@link #MAX_SIMULCAST_LAYERS};
     * empty without simulcast. The parser already checked that each listed rid is declared {@code send}.
     */
    private static List<Rid> simulcastLayers(MediaDescription m, int pt) {
        Optional<Simulcast> simulcast = m.simulcast();
        if (simulcast.isEmpty() || simulcast.get().send().isEmpty()) {
            return List.of();
        }
        Map<String, Rid> rids = new LinkedHashMap<>();
        for (Rid r : m.rids()) {
            rids.put(r.id(), r);
        }
        List<Rid> layers = new ArrayList<>();
        for (List<Simulcast.Id> alternatives : simulcast.get().send()) {
            for (Simulcast.Id id : alternatives) {
                Rid r = rids.get(id.rid());
                if (r != null && r.send() && (r.payloadTypes().isEmpty() || r.payloadTypes().contains(pt))) {
                    layers.add(r);
                    break;
                }
            }
            if (layers.size() == MAX_SIMULCAST_LAYERS) {
                break;
            }
        }
        return layers;
    }

    /**
     * Adds {@code a=rid:<id> recv} for each layer and {@code a=simulcast:recv <id>;...} (paused as offered) before
     * the candidates (RFC 8853 §5.3.2, RFC 8851 §6).
     */
    private static MediaDescription withSimulcastRecv(MediaDescription md, List<Rid> layers, Simulcast offered) {
        List<SdpAttribute> attrs = new ArrayList<>(md.attributes());
        int at = 0;
        while (at < attrs.size() && !attrs.get(at).name().equals("candidate")
                && !attrs.get(at).name().equals("end-of-candidates")) {
            at++;
        }
        List<SdpAttribute> added = new ArrayList<>();
        List<List<Simulcast.Id>> recv = new ArrayList<>();
        for (Rid r : layers) {
            added.add(SdpAttribute.of("rid", new Rid(r.id(), false, List.of(), Map.of()).toString()));
            boolean paused = offered.send().stream().flatMap(List::stream)
                    .anyMatch(id -> id.rid().equals(r.id()) && id.paused());
            recv.add(List.of(new Simulcast.Id(r.id(), paused)));
        }
        added.add(SdpAttribute.of("simulcast", new Simulcast(List.of(), recv).toString()));
        attrs.addAll(at, added);
        return new MediaDescription(md.media(), md.port(), md.protocol(), md.formats(), md.connection(),
                md.bandwidths(), attrs);
    }

    private MediaDescription mediaSection(MediaKind kind, String mid, Direction direction, LocalTransport local,
                                          SetupRole setup, RtpMap codec, Fmtp fmtp, List<String> feedback, int rtxPt,
                                          Map<String, Integer> ext, long ssrc, long rtxSsrc, boolean rtcpRsize,
                                          boolean sframe) {
        List<SdpAttribute> a = new ArrayList<>();
        a.add(SdpAttribute.of("ice-ufrag", local.ice().ufrag()));
        a.add(SdpAttribute.of("ice-pwd", local.ice().pwd()));
        a.add(SdpAttribute.of("fingerprint", local.fingerprint().toString()));
        a.add(SdpAttribute.of("setup", setup.sdpName()));
        a.add(SdpAttribute.of("mid", mid));
        ext.forEach((uri, id) -> a.add(SdpAttribute.of("extmap", id + " " + uri)));
        a.add(SdpAttribute.of(direction.sdpName()));
        String track = kind.sdpName() + "-" + mid;
        if (direction.sends()) {
            a.add(SdpAttribute.of("msid", local.mediaStreamId() + " " + track));
        }
        a.add(SdpAttribute.of("rtcp-mux"));
        if (rtcpRsize) {
            a.add(SdpAttribute.of("rtcp-rsize"));
        }
        if (sframe) {
            a.add(SdpAttribute.of(SFRAME));
        }
        addCodec(a, codec, fmtp, feedback, rtxPt);
        if (ssrc >= 0) {
            if (rtxSsrc >= 0) {
                a.add(SdpAttribute.of("ssrc-group", "FID " + ssrc + " " + rtxSsrc));
            }
            for (long s : rtxSsrc >= 0 ? new long[] {ssrc, rtxSsrc} : new long[] {ssrc}) {
                a.add(SdpAttribute.of("ssrc", s + " cname:" + cname));
                a.add(SdpAttribute.of("ssrc", s + " msid:" + local.mediaStreamId() + " " + track));
            }
        }
        for (IceCandidate c : local.candidates()) {
            a.add(new SdpAttribute("candidate", c.toSdpValue().substring("candidate:".length())));
        }
        if (!local.candidates().isEmpty()) {
            a.add(SdpAttribute.of("end-of-candidates"));
        }
        List<String> formats = new ArrayList<>();
        formats.add(Integer.toString(codec.payloadType()));
        if (rtxPt >= 0) {
            formats.add(Integer.toString(rtxPt));
        }
        return new MediaDescription(kind.sdpName(), 9, PROTOCOL, formats, "IN IP4 0.0.0.0", List.of(), a);
    }

    private static void addCodec(List<SdpAttribute> a, RtpMap codec, Fmtp fmtp, List<String> feedback, int rtxPt) {
        a.add(SdpAttribute.of("rtpmap", codec.toString()));
        for (String fb : feedback) {
            a.add(SdpAttribute.of("rtcp-fb", codec.payloadType() + " " + fb));
        }
        if (!fmtp.parameters().isEmpty()) {
            a.add(SdpAttribute.of("fmtp", fmtp.toString()));
        }
        if (rtxPt >= 0) {
            a.add(SdpAttribute.of("rtpmap", new RtpMap(rtxPt, "rtx", codec.clockRate(), 0).toString()));
            a.add(SdpAttribute.of("fmtp", rtxPt + " apt=" + codec.payloadType()));
        }
    }

    private static MediaDescription rejected(MediaDescription m, String mid) {
        return new MediaDescription(m.media(), 0, m.protocol(), m.formats(), "IN IP4 0.0.0.0", List.of(),
                List.of(SdpAttribute.of("mid", mid)));
    }

    private int chooseH264(MediaDescription m) {
        for (H264Profile profile : h264Profiles) {
            for (String f : m.formats()) {
                int pt = payloadType(f);
                if (pt < 0) {
                    continue;
                }
                Optional<RtpMap> map = m.rtpMap(pt);
                if (map.isEmpty() || !map.get().is("H264") || map.get().clockRate() != 90000) {
                    continue;
                }
                Fmtp fmtp = m.fmtp(pt);
                if (!"1".equals(fmtp.get("packetization-mode"))) {
                    continue;
                }
                String plid = Optional.ofNullable(fmtp.get("profile-level-id")).orElse("42000a");
                if (H264Profile.ofProfileLevelId(plid).filter(profile::equals).isPresent()) {
                    return pt;
                }
            }
        }
        return -1;
    }

    private static int chooseOpus(MediaDescription m) {
        for (String f : m.formats()) {
            int pt = payloadType(f);
            if (pt >= 0 && m.rtpMap(pt).filter(r -> r.is("opus") && r.clockRate() == 48000 && r.channels() == 2)
                    .isPresent()) {
                return pt;
            }
        }
        return -1;
    }

    private static int findRtx(MediaDescription m, int pt) {
        for (String f : m.formats()) {
            int p = payloadType(f);
            if (p >= 0 && m.rtpMap(p).filter(r -> r.is("rtx")).isPresent()
                    && Integer.toString(pt).equals(m.fmtp(p).get("apt"))) {
                return p;
            }
        }
        return -1;
    }

    private static String offeredCodecs(MediaDescription m) {
        Set<String> names = new LinkedHashSet<>();
        for (String f : m.formats()) {
            int pt = payloadType(f);
            Optional<RtpMap> map = pt < 0 ? Optional.empty() : m.rtpMap(pt);
            if (map.isPresent() && !NON_CODECS.contains(map.get().encodingName().toLowerCase(java.util.Locale.ROOT))) {
                String name = map.get().encoding();
                if (map.get().is("H264")) {
                    Fmtp fmtp = m.fmtp(pt);
                    name += " (packetization-mode=" + Optional.ofNullable(fmtp.get("packetization-mode")).orElse("0")
                            + ", profile-level-id=" + Optional.ofNullable(fmtp.get("profile-level-id")).orElse("42000a")
                            + ")";
                }
                names.add(name);
            }
        }
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static Fmtp h264Fmtp(int pt, String profileLevelId) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("level-asymmetry-allowed", "1");
        p.put("packetization-mode", "1");
        p.put("profile-level-id", profileLevelId == null ? "42000a" : profileLevelId);
        return new Fmtp(pt, p);
    }

    private static Fmtp opusFmtp(int pt) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("minptime", "10");
        p.put("useinbandfec", "1");
        return new Fmtp(pt, p);
    }

    // ---------------------------------------------------------------- client role

    /**
     * Writes a WHIP client offer: one sendonly m-section per kind in {@code kinds} (mids "0", "1",
     * ...), H.264 with every configured profile (payload types 96, 98, ... with RTX 97, 99, ...),
     * Opus on 111, {@code a=setup:actpass}, BUNDLE and rtcp-mux.
     *
     * @param local our ICE credentials, fingerprint, candidates and stream id
     * @param kinds the m-sections in order, e.g. {@code List.of(VIDEO, AUDIO)}
     * @throws IllegalArgumentException if {@code kinds} is empty or repeats a kind
     */
    public SessionDescription createOffer(LocalTransport local, List<MediaKind> kinds) {
        return createOffer(local, kinds, Set.of());
    }

    /**
     * As {@link #createOffer(LocalTransport, List)}, with {@code a=sframe} (draft-ietf-avtcore-rtp-sframe-02
     * §6) on the m-sections of {@code sframeKinds}: this side will send per-frame SFrame RTP payloads there.
     * A video m-section with SFrame also offers the Video Frame Marking extension ({@link ExtMap#FRAME_MARKING},
     * RFC 9626) with the next free id, which carries keyframe-ness past the encryption.
     * {@link #applyAnswer} then requires the answer to accept both.
     *
     * @param sframeKinds a subset of {@code kinds}
     * @throws IllegalArgumentException if {@code kinds} is empty or repeats a kind
     */
    public SessionDescription createOffer(LocalTransport local, List<MediaKind> kinds, Set<MediaKind> sframeKinds) {
        if (kinds.isEmpty() || Set.copyOf(kinds).size() != kinds.size()) {
            throw new IllegalArgumentException("kinds: " + kinds + " (expected: 1..2 distinct kinds)");
        }
        List<MediaDescription> media = new ArrayList<>();
        List<String> mids = new ArrayList<>();
        Map<String, Integer> ext = new LinkedHashMap<>();
        for (int i = 0; i < extensions.size(); i++) {
            ext.put(extensions.get(i), i + 1);
        }
        Map<String, Integer> baseExt = ext;
        for (int i = 0; i < kinds.size(); i++) {
            MediaKind kind = kinds.get(i);
            boolean sf = sframeKinds.contains(kind);
            ext = new LinkedHashMap<>(baseExt);
            if (sf && kind == MediaKind.VIDEO && !ext.containsKey(ExtMap.FRAME_MARKING)) {
                ext.put(ExtMap.FRAME_MARKING, baseExt.size() + 1);
            }
            String mid = Integer.toString(i);
            mids.add(mid);
            long ssrc = newSsrc();
            long rtxSsrc = kind == MediaKind.VIDEO && rtx ? newSsrc() : -1;
            MediaDescription md;
            if (kind == MediaKind.VIDEO) {
                md = mediaSection(kind, mid, Direction.SENDONLY, local, SetupRole.ACTPASS,
                        new RtpMap(96, "H264", 90000, 0), h264Fmtp(96, h264Profiles.get(0).defaultProfileLevelId()),
                        videoFeedback, rtx ? 97 : -1, ext, ssrc, rtxSsrc, true, sf);
                // Further profiles as extra payload types.
                List<SdpAttribute> attrs = new ArrayList<>(md.attributes());
                List<String> formats = new ArrayList<>(md.formats());
                int insertAt = attrs.indexOf(attrs.stream().filter(a -> a.name().equals("ssrc-group")
                        || a.name().equals("ssrc")).findFirst().orElse(null));
                List<SdpAttribute> extra = new ArrayList<>();
                for (int p = 1; p < h264Profiles.size(); p++) {
                    int pt = 96 + 2 * p;
                    int rtxPt = rtx ? pt + 1 : -1;
                    addCodec(extra, new RtpMap(pt, "H264", 90000, 0),
                            h264Fmtp(pt, h264Profiles.get(p).defaultProfileLevelId()), videoFeedback, rtxPt);
                    formats.add(Integer.toString(pt));
                    if (rtxPt >= 0) {
                        formats.add(Integer.toString(rtxPt));
                    }
                }
                attrs.addAll(insertAt < 0 ? attrs.size() : insertAt, extra);
                md = new MediaDescription(md.media(), md.port(), md.protocol(), formats, md.connection(),
                        md.bandwidths(), attrs);
            } else {
                md = mediaSection(kind, mid, Direction.SENDONLY, local, SetupRole.ACTPASS,
                        new RtpMap(111, "opus", 48000, 2), opusFmtp(111), audioFeedback, -1, ext, ssrc, -1, true, sf);
            }
            media.add(md);
        }
        List<SdpAttribute> session = new ArrayList<>();
        session.add(SdpAttribute.of("group", "BUNDLE " + String.join(" ", mids)));
        session.add(SdpAttribute.of("msid-semantic", " WMS " + local.mediaStreamId()));
        return new SessionDescription(origin(), "-", null, List.of(), "0 0", session, media);
    }

    /**
     * Checks the server's answer to an offer from {@link #createOffer} and returns the negotiated
     * parameters.
     *
     * @param localOffer the offer this side sent
     * @param answer     the parsed answer
     * @throws SdpNegotiationException when the answer does not fit the offer or lacks what WebRTC requires
     */
    public NegotiatedSession applyAnswer(SessionDescription localOffer, SessionDescription answer) {
        if (answer.media().size() != localOffer.media().size()) {
            throw new SdpNegotiationException("answer has " + answer.media().size() + " m-sections (expected: "
                    + localOffer.media().size() + " as in the offer)");
        }
        List<NegotiatedMedia> negotiated = new ArrayList<>();
        MediaDescription first = null;
        List<String> bundle = answer.bundleGroups().isEmpty() ? List.of() : answer.bundleGroups().get(0);
        for (int i = 0; i < answer.media().size(); i++) {
            MediaDescription om = localOffer.media().get(i);
            MediaDescription am = answer.media().get(i);
            String mid = om.mid().orElseThrow();
            if (!am.mid().filter(mid::equals).isPresent() || !am.media().equals(om.media())) {
                throw new SdpNegotiationException("answer m-section " + i + ": " + am.media() + " mid="
                        + am.mid().orElse("(none)") + " (expected: " + om.media() + " mid=" + mid + ")");
            }
            String where = "answer m-section mid=" + mid;
            boolean sf = om.has(SFRAME);
            if (sf && (am.rejected() || !am.has(SFRAME))) {
                throw new SdpNegotiationException(where + " (" + om.media() + "): the peer does not accept SFrame"
                        + " (offered a=sframe, answered " + (am.rejected() ? "port 0" : "without a=sframe")
                        + "; draft-ietf-avtcore-rtp-sframe-02 §6); it cannot receive end-to-end encrypted "
                        + om.media() + " in the SFrame RTP payload format");
            }
            if (!sf && !am.rejected() && am.has(SFRAME)) {
                throw new SdpNegotiationException(where + ": a=sframe in the answer but not in the offer");
            }
            if (am.rejected()) {
                continue;
            }
            if (!bundle.contains(mid)) {
                throw new SdpNegotiationException(where + " is not in an a=group:BUNDLE (BUNDLE is required)");
            }
            if (!am.rtcpMux()) {
                throw new SdpNegotiationException(where + ": no a=rtcp-mux (rtcp-mux is required)");
            }
            if (first == null) {
                first = am;
            }
            MediaKind kind = MediaKind.ofSdpName(am.media());
            int pt = -1;
            for (String f : am.formats()) {
                int p = payloadType(f);
                Optional<RtpMap> map = p < 0 ? Optional.empty() : am.rtpMap(p).or(() -> om.rtpMap(p));
                if (map.isPresent() && !NON_CODECS.contains(map.get().encodingName().toLowerCase(java.util.Locale.ROOT))) {
                    pt = p;
                    break;
                }
            }
            final int chosen = pt;
            if (pt < 0 || !om.formats().contains(Integer.toString(pt))) {
                throw new SdpNegotiationException(where + ": codec payload type " + pt + " was not offered");
            }
            RtpMap codec = om.rtpMap(chosen).orElseThrow();
            int rtxPt = findRtx(am, chosen);
            if (rtxPt < 0 && am.formats().stream().anyMatch(f -> findRtx(om, chosen) == payloadType(f))) {
                rtxPt = findRtx(om, chosen);
            }
            Fmtp fmtp = am.attributes("fmtp").isEmpty() ? om.fmtp(chosen) : am.fmtp(chosen);
            Map<String, Integer> ext = new LinkedHashMap<>();
            for (ExtMap e : am.extMaps()) {
                ext.putIfAbsent(e.uri(), e.id());
            }
            if (sf && kind == MediaKind.VIDEO && (!ext.containsKey(ExtMap.FRAME_MARKING)
                    || !Objects.equals(ext.get(ExtMap.FRAME_MARKING), offeredId(om, ExtMap.FRAME_MARKING)))) {
                throw new SdpNegotiationException(where + ": SFrame video answered without the offered frame marking"
                        + " extension (" + ExtMap.FRAME_MARKING + ", RFC 9626), which the receiver needs to find keyframes");
            }
            Direction direction = am.direction().reverse();
            long[] local = localSsrcs(om);
            negotiated.add(new NegotiatedMedia(mid, kind, direction, codec, fmtp, rtxPt, am.rtcpFeedback(chosen), ext,
                    direction.sends() ? local[0] : -1, direction.sends() ? local[1] : -1,
                    List.copyOf(am.ssrcs().keySet()), am.rtcpRsize(), sf));
        }
        if (first == null) {
            throw new SdpNegotiationException("answer rejected every m-section");
        }
        IceCredentials remoteIce = remoteIce(answer, first, "answer");
        Fingerprint remoteFingerprint = remoteFingerprint(answer, first, "answer");
        SetupRole answered = answer.setup(first).orElseThrow(() -> new SdpNegotiationException(
                "answer has no a=setup (expected: active or passive, RFC 8842 §5.3)"));
        SetupRole localSetup = switch (answered) {
            case ACTIVE -> SetupRole.PASSIVE;
            case PASSIVE -> SetupRole.ACTIVE;
            default -> throw new SdpNegotiationException("answer a=setup:" + answered.sdpName()
                    + " (expected: active or passive, RFC 8842 §5.3)");
        };
        return new NegotiatedSession(localOffer, answer, remoteIce, remoteFingerprint, localSetup, answer.iceLite(),
                candidates(answer), negotiated);
    }

    private static Integer offeredId(MediaDescription m, String uri) {
        return m.extMaps().stream().filter(e -> e.uri().equals(uri)).map(ExtMap::id).findFirst().orElse(null);
    }

    private static long[] localSsrcs(MediaDescription m) {
        for (SsrcGroup g : m.ssrcGroups()) {
            if (g.semantics().equals("FID") && g.ssrcs().size() == 2) {
                return new long[] {g.ssrcs().get(0), g.ssrcs().get(1)};
            }
        }
        return m.ssrcs().keySet().stream().findFirst().map(s -> new long[] {s, -1}).orElse(new long[] {-1, -1});
    }

    // ---------------------------------------------------------------- shared

    private static IceCredentials remoteIce(SessionDescription sd, MediaDescription m, String what) {
        try {
            return sd.iceCredentials(m).orElseThrow(() -> new SdpNegotiationException(
                    what + " has no a=ice-ufrag/a=ice-pwd (RFC 8839 §5.4)"));
        } catch (IllegalArgumentException e) {
            throw new SdpNegotiationException(what + " ICE credentials: " + e.getMessage());
        }
    }

    private static Fingerprint remoteFingerprint(SessionDescription sd, MediaDescription m, String what) {
        return sd.fingerprint(m).orElseThrow(() -> new SdpNegotiationException(
                what + " has no a=fingerprint (DTLS-SRTP is required, RFC 8842)"));
    }

    private static List<IceCandidate> candidates(SessionDescription sd) {
        List<IceCandidate> out = new ArrayList<>();
        for (MediaDescription m : sd.media()) {
            if (!m.rejected()) {
                out.addAll(m.candidates());
            }
        }
        return out;
    }

    private static int payloadType(String format) {
        if (format.isEmpty() || format.length() > 3 || !format.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int pt = Integer.parseInt(format);
        return pt <= 127 ? pt : -1;
    }

    private long newSsrc() {
        long s;
        do {
            s = random.nextInt() & 0xFFFFFFFFL;
        } while (s == 0);
        return s;
    }

    private SdpOrigin origin() {
        return new SdpOrigin("-", Long.toString(random.nextLong() & 0x3FFFFFFFFFFFFFFFL), "2", "IN", "IP4",
                "127.0.0.1");
    }

    /** Configures an {@link SdpNegotiator}. */
    public static final class Builder {
        private List<H264Profile> h264Profiles = List.of(H264Profile.CONSTRAINED_BASELINE, H264Profile.BASELINE,
                H264Profile.MAIN, H264Profile.CONSTRAINED_HIGH, H264Profile.HIGH);
        private boolean rtx = true;
        private List<String> videoFeedback = VIDEO_FEEDBACK;
        private List<String> audioFeedback = AUDIO_FEEDBACK;
        private List<String> extensions = EXTENSIONS;
        private Random random = new SecureRandom();
        private String cname;
        private boolean sframe;

        private Builder() {
        }

        /**
         * Whether {@link #answer} accepts m-sections offered with {@code a=sframe}
         * (draft-ietf-avtcore-rtp-sframe-02 §6): echoes the attribute (and, for video, the frame marking
         * extension, which it then requires) and reports {@link NegotiatedMedia#sframe()}. Default
         * {@code false}: such m-sections are rejected with port 0, as the draft asks of a peer without SFrame.
         */
        public Builder sframe(boolean accept) {
            this.sframe = accept;
            return this;
        }

        /**
         * H.264 profiles this side can send/receive, most preferred first (put the profile of the
         * stream being served first). Default: constrained baseline, baseline, main, constrained high, high.
         *
         * @throws IllegalArgumentException if empty
         */
        public Builder h264Profiles(List<H264Profile> profiles) {
            if (profiles.isEmpty()) {
                throw new IllegalArgumentException("h264Profiles: empty (expected: at least one)");
            }
            this.h264Profiles = List.copyOf(profiles);
            return this;
        }

        /** Disables RTX (RFC 4588) for video; default enabled. */
        public Builder withoutRtx() {
            this.rtx = false;
            return this;
        }

        /** rtcp-fb values for video; default {@link #VIDEO_FEEDBACK}. */
        public Builder videoFeedback(List<String> feedback) {
            this.videoFeedback = List.copyOf(feedback);
            return this;
        }

        /** rtcp-fb values for audio; default {@link #AUDIO_FEEDBACK}. */
        public Builder audioFeedback(List<String> feedback) {
            this.audioFeedback = List.copyOf(feedback);
            return this;
        }

        /** Header extension URIs; default {@link #EXTENSIONS}. */
        public Builder extensions(List<String> uris) {
            this.extensions = List.copyOf(uris);
            return this;
        }

        /** Randomness for SSRCs, session ids and the default CNAME; default {@link SecureRandom}. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** The RTCP CNAME written in {@code a=ssrc}; default random hex. */
        public Builder cname(String cname) {
            this.cname = Objects.requireNonNull(cname, "cname");
            return this;
        }

        public SdpNegotiator build() {
            return new SdpNegotiator(this);
        }
    }
}
