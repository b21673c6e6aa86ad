package io.sluice.core.auth;

/** What a client asks to do with a stream; each is authorized separately. */
public enum StreamAction {
    /** Send media into the stream (RTMP {@code publish}, WHIP {@code POST}). */
    PUBLISH,
    /** Receive the stream (RTMP {@code play}, WHEP {@code POST}, HTTP delivery {@code GET}). */
    PLAY
}
