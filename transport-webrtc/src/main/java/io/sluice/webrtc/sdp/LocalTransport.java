package io.sluice.webrtc.sdp;

import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceCredentials;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What this side puts in its offer or answer besides media: ICE credentials, the DTLS certificate
 * fingerprint, candidates, and the MediaStream id for {@code a=msid}.
 *
 * @param ice           local ufrag/pwd (from the ICE agent)
 * @param fingerprint   the local certificate's fingerprint (from the DTLS context)
 * @param candidates    local candidates (host, srflx), written as {@code a=candidate} followed by
 *                      {@code a=end-of-candidates}
 * @param mediaStreamId the msid stream id (1..64 token chars), e.g. the Sluice stream name
 */
public record LocalTransport(IceCredentials ice, Fingerprint fingerprint, List<IceCandidate> candidates,
                             String mediaStreamId) {
    private static final Pattern ID = Pattern.compile("[!#$%&'*+\\-.0-9A-Z^_`a-z{|}~]{1,64}");

    /**
     * @throws IllegalArgumentException if mediaStreamId is not 1..64 token characters
     */
    public LocalTransport {
        Objects.requireNonNull(ice, "ice");
        Objects.requireNonNull(fingerprint, "fingerprint");
        candidates = List.copyOf(candidates);
        if (mediaStreamId == null || !ID.matcher(mediaStreamId).matches()) {
            throw new IllegalArgumentException("mediaStreamId: " + mediaStreamId + " (expected: 1..64 token chars)");
        }
    }
}
