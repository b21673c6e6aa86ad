package io.sluice.webrtc.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The HTTP answer to a WHEP/WHIP signalling request, independent of any HTTP library so that the
 * server's signalling can be mounted in another HTTP stack.
 *
 * @param status      HTTP status code, e.g. 201 with an SDP answer
 * @param contentType the body's media type ({@code application/sdp}, {@code text/plain}), or null without body
 * @param body        the body text (UTF-8 on the wire), empty when none
 * @param headers     extra headers ({@code Location}, {@code ETag}, {@code WWW-Authenticate}, …) in order
 */
public record SignalingResponse(int status, String contentType, String body, Map<String, String> headers) {
    /** Copies {@code headers}; a null body becomes empty. */
    public SignalingResponse {
        body = body == null ? "" : body;
        headers = Map.copyOf(new LinkedHashMap<>(Objects.requireNonNull(headers, "headers")));
    }

    /** A response with a one-line {@code text/plain} reason. */
    public static SignalingResponse error(int status, String reason) {
        return new SignalingResponse(status, "text/plain; charset=utf-8", reason + "\n", Map.of());
    }

    /** A response with no body. */
    public static SignalingResponse empty(int status) {
        return new SignalingResponse(status, null, "", Map.of());
    }
}
