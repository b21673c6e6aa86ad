package io.sluice.core.auth;

/** The protocol a request arrived over, and so where its token came from. */
public enum StreamProtocol {
    /** RTMP or RTMPS; the token is the {@code token} query parameter of the stream name or app. */
    RTMP,
    /** WHIP ingest (RFC 9725); the token is the {@code Authorization: Bearer} value (RFC 6750 §2.1). */
    WHIP,
    /** WHEP playback; the token is the {@code Authorization: Bearer} value. */
    WHEP,
    /** HTTP delivery (HLS/DASH, pages); the token is the bearer value or the {@code token} query parameter. */
    HTTP
}
