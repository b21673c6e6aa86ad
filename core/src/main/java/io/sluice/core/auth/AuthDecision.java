package io.sluice.core.auth;

import java.util.Objects;

/**
 * A {@link StreamAuthorizer}'s answer. Servers answer a refusal in their protocol's own way: RTMP
 * with an {@code onStatus} error carrying {@link #reason()} ({@code NetStream.Publish.Unauthorized},
 * {@code NetStream.Play.Failed}) and a disconnect; HTTP with {@code 401} and
 * {@code WWW-Authenticate: Bearer} for {@link Outcome#UNAUTHORIZED}, {@code 403} for
 * {@link Outcome#FORBIDDEN}.
 *
 * @param outcome allowed or why not
 * @param reason  for a refusal, a short text the client is shown (never the expected token); empty when allowed
 */
public record AuthDecision(Outcome outcome, String reason) {
    private static final AuthDecision ALLOW = new AuthDecision(Outcome.ALLOW, "");

    /** The kinds of answer. */
    public enum Outcome {
        /** Go ahead. */
        ALLOW,
        /** No credential, or one that is not valid: HTTP 401. */
        UNAUTHORIZED,
        /** A valid credential without the right to this stream and action: HTTP 403. */
        FORBIDDEN
    }

    /** @throws NullPointerException if a field is null */
    public AuthDecision {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
    }

    /** Grants the request. */
    public static AuthDecision allow() {
        return ALLOW;
    }

    /** Refuses for missing or invalid credentials, e.g. {@code "a valid token is required"}. */
    public static AuthDecision unauthorized(String reason) {
        return new AuthDecision(Outcome.UNAUTHORIZED, reason);
    }

    /** Refuses a valid credential that lacks the right, e.g. {@code "this token may not publish 'live/x'"}. */
    public static AuthDecision forbidden(String reason) {
        return new AuthDecision(Outcome.FORBIDDEN, reason);
    }

    /** Whether the request is granted. */
    public boolean allowed() {
        return outcome == Outcome.ALLOW;
    }
}
