package io.sluice.webrtc.sdp;

import java.util.List;
import java.util.Map;

/**
 * The outcome of negotiating one m-section: what the RTP/RTCP layers need to send or receive it.
 *
 * @param mid            the m-section's mid (also sent in the RTP MID header extension)
 * @param kind           audio or video
 * @param direction      the local direction (e.g. {@link Direction#SENDONLY} for a WHEP server)
 * @param codec          the chosen codec (payload type, name, clock rate, channels)
 * @param fmtp           the chosen codec's format parameters as answered
 * @param rtxPayloadType the RTX payload type (RFC 4588, {@code apt} = codec), or -1
 * @param rtcpFeedback   negotiated rtcp-fb values, e.g. {@code nack}, {@code nack pli}, {@code transport-cc}
 * @param extensionIds   negotiated header extension URI → id (RFC 8285)
 * @param localSsrc      the SSRC this side sends with, or -1 when not sending
 * @param localRtxSsrc   this side's RTX SSRC, or -1
 * @param remoteSsrcs    SSRCs the peer announced (may be empty: then learn them from the MID extension)
 * @param rtcpRsize      whether reduced-size RTCP was negotiated (RFC 5506)
 * @param sframe         whether both sides put {@code a=sframe} on the m-section: RTP payloads use the SFrame
 *                       payload format (draft-ietf-avtcore-rtp-sframe-02 §4, §6), one descriptor octet then a
 *                       fragment of an SFrame ciphertext
 * @param simulcastLayers the simulcast streams accepted from the peer (RFC 8853), as the peer's {@code a=rid:<id> send}
 *                       lines declared them (restrictions included), in its {@code a=simulcast:send} order; at most
 *                       {@link SdpNegotiator#MAX_SIMULCAST_LAYERS}; empty without simulcast. Their RTP packets carry
 *                       the rid in {@link ExtMap#RTP_STREAM_ID}, which {@code extensionIds} then holds
 */
public record NegotiatedMedia(String mid, MediaKind kind, Direction direction, RtpMap codec, Fmtp fmtp,
                              int rtxPayloadType, List<String> rtcpFeedback, Map<String, Integer> extensionIds,
                              long localSsrc, long localRtxSsrc, List<Long> remoteSsrcs, boolean rtcpRsize,
                              boolean sframe, List<Rid> simulcastLayers) {
    public NegotiatedMedia {
        simulcastLayers = List.copyOf(simulcastLayers);
        rtcpFeedback = List.copyOf(rtcpFeedback);
        extensionIds = Map.copyOf(extensionIds);
        remoteSsrcs = List.copyOf(remoteSsrcs);
    }

    /** Without simulcast. */
    public NegotiatedMedia(String mid, MediaKind kind, Direction direction, RtpMap codec, Fmtp fmtp, int rtxPayloadType,
                           List<String> rtcpFeedback, Map<String, Integer> extensionIds, long localSsrc,
                           long localRtxSsrc, List<Long> remoteSsrcs, boolean rtcpRsize, boolean sframe) {
        this(mid, kind, direction, codec, fmtp, rtxPayloadType, rtcpFeedback, extensionIds, localSsrc, localRtxSsrc,
                remoteSsrcs, rtcpRsize, sframe, List.of());
    }

    /** Whether the peer sends this m-section as RID-identified simulcast streams. */
    public boolean simulcast() {
        return !simulcastLayers.isEmpty();
    }
}
