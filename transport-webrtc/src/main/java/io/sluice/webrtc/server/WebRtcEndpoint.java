package io.sluice.webrtc.server;

/** The two signalling endpoints of the server, named after their protocols. */
public enum WebRtcEndpoint {
    /**
     * WebRTC-HTTP Egress Protocol: a viewer plays a hub stream ({@code POST /whep/<stream>}).
     *
     * @see <a href="https://datatracker.ietf.org/doc/draft-ietf-wish-whep/">draft-ietf-wish-whep</a>
     */
    WHEP("whep"),
    /**
     * WebRTC-HTTP Ingestion Protocol: a publisher sends a stream into the hub ({@code POST /whip/<stream>}).
     *
     * @see <a href="https://www.rfc-editor.org/rfc/rfc9725">RFC 9725</a>
     */
    WHIP("whip");

    private final String path;

    WebRtcEndpoint(String path) {
        this.path = path;
    }

    /** The first path segment, {@code "whep"} or {@code "whip"}. */
    public String path() {
        return path;
    }
}
