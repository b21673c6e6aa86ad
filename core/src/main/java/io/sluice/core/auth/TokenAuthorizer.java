package io.sluice.core.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The built-in {@link StreamAuthorizer}: shared-secret tokens per action and stream pattern.
 *
 * <p>An action with no token configured is open; once an action has a token, a request for it is
 * allowed only if it presents a token configured for that action and a pattern matching the stream,
 * and is otherwise refused as {@link AuthDecision.Outcome#UNAUTHORIZED} (HTTP 401). Publish and play
 * tokens are separate: a publish token does not allow playing. Tokens are compared in constant time
 * (their SHA-256 digests through {@link MessageDigest#isEqual}), so neither the content nor the
 * length of a configured token leaks through timing.
 *
 * <p>Where clients put the token: RTMP as {@code ?token=} on the stream URL (the part OBS calls the
 * stream key: {@code cam?token=s3cret}), WHIP/WHEP as {@code Authorization: Bearer s3cret}, the
 * player and publish pages as {@code ?token=} on the page URL (they send it as the bearer token).
 *
 * <p>Token file ({@link Builder#tokenFile(Path)}), one rule a line, {@code #} starts a comment:
 * <pre>
 * # action   stream pattern   token
 * publish    live/*           s3cret-publisher
 * play       *                viewer-pass
 * any        studio/main      studio-token      # "any": publish and play
 * </pre>
 * In a pattern {@code *} matches any run of characters (including {@code /}); everything else is literal.
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenAuthorizer implements StreamAuthorizer {
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7E]{1,1024}");
    private static final Pattern STREAM_PATTERN = Pattern.compile("[A-Za-z0-9._~/*-]{1,256}");

    private record Rule(StreamAction action, String pattern, Pattern regex, byte[] digest) {
    }

    private final List<Rule> rules;
    private final Set<StreamAction> restricted;

    private TokenAuthorizer(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        Set<StreamAction> r = EnumSet.noneOf(StreamAction.class);
        rules.forEach(x -> r.add(x.action));
        this.restricted = Set.copyOf(r);
    }

    /** A builder with no tokens (everything open). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public AuthDecision authorize(AuthRequest request) {
        StreamAction action = request.action();
        if (!restricted.contains(action)) {
            return AuthDecision.allow();
        }
        String verb = action.name().toLowerCase(Locale.ROOT);
        if (request.token().isEmpty()) {
            return AuthDecision.unauthorized("a token is required to " + verb + " '" + request.stream() + "'");
        }
        byte[] presented = sha256(request.token().get());
        boolean match = false;
        for (Rule rule : rules) {
            // every rule of the action is compared, matched or not, so timing does not depend on which one fits
            boolean equal = MessageDigest.isEqual(rule.digest, presented);
            if (rule.action == action && equal && rule.regex.matcher(request.stream()).matches()) {
                match = true;
            }
        }
        return match ? AuthDecision.allow()
                : AuthDecision.unauthorized("the token does not allow to " + verb + " '" + request.stream() + "'");
    }

    /** Whether a token is configured for {@code action} (otherwise the action is open). */
    @Override
    public boolean restricts(StreamAction action) {
        return restricted.contains(action);
    }

    /** Lists the rules without their tokens. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("TokenAuthorizer[");
        for (Rule r : rules) {
            b.append(b.length() > 16 ? ", " : "").append(r.action.name().toLowerCase(Locale.ROOT)).append(' ').append(r.pattern);
        }
        return b.append(']').toString();
    }

    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    /** Builder; setters validate at once. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();

        private Builder() {
        }

        /** Allows publishing any stream with {@code token}. @see #token(StreamAction, String, String) */
        public Builder publishToken(String token) {
            return token(StreamAction.PUBLISH, "*", token);
        }

        /** Allows playing any stream with {@code token}. @see #token(StreamAction, String, String) */
        public Builder playToken(String token) {
            return token(StreamAction.PLAY, "*", token);
        }

        /**
         * Allows {@code action} on the streams matching {@code streamPattern} with {@code token}. Rules add up:
         * any matching rule allows the request.
         *
         * @param streamPattern hub stream names, 1..256 of {@code A-Z a-z 0-9 . _ ~ / -} and {@code *} (any run of characters)
         * @param token         1..1024 printable ASCII characters without spaces
         * @throws IllegalArgumentException if the pattern or token is malformed (the message never shows the token)
         */
        public Builder token(StreamAction action, String streamPattern, String token) {
            Objects.requireNonNull(action, "action");
            if (streamPattern == null || !STREAM_PATTERN.matcher(streamPattern).matches()) {
                throw new IllegalArgumentException("streamPattern: '" + streamPattern
                        + "' (expected: 1..256 of A-Z a-z 0-9 . _ ~ / - and *)");
            }
            if (token == null || !TOKEN.matcher(token).matches()) {
                throw new IllegalArgumentException("token: " + (token == null ? "null" : token.length() + " characters")
                        + " (expected: 1..1024 printable ASCII characters, no spaces)");
            }
            String regex = Arrays.stream(streamPattern.split("\\*", -1)).map(Pattern::quote)
                    .collect(Collectors.joining(".*"));
            rules.add(new Rule(action, streamPattern, Pattern.compile(regex), sha256(token)));
            return this;
        }

        /**
         * Adds the rules of a token file (format in the class comment).
         *
         * @throws IOException              if the file cannot be read
         * @throws IllegalArgumentException if a line is malformed: {@code "tokens.txt:3: ..."}
         */
        public Builder tokenFile(Path file) throws IOException {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int hash = line.indexOf('#');
                String[] f = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
                if (f.length == 1 && f[0].isEmpty()) {
                    continue;
                }
                String where = file + ":" + (i + 1) + ": ";
                if (f.length != 3) {
                    throw new IllegalArgumentException(where + f.length + " fields (expected: <publish|play|any> <stream pattern> <token>)");
                }
                List<StreamAction> actions = switch (f[0].toLowerCase(Locale.ROOT)) {
                    case "publish" -> List.of(StreamAction.PUBLISH);
                    case "play" -> List.of(StreamAction.PLAY);
                    case "any" -> List.of(StreamAction.PUBLISH, StreamAction.PLAY);
                    default -> throw new IllegalArgumentException(where + "action '" + f[0] + "' (expected: publish, play or any)");
                };
                try {
                    for (StreamAction a : actions) {
                        token(a, f[1], f[2]);
                    }
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(where + e.getMessage(), e);
                }
            }
            return this;
        }

        /** @return the authorizer (with no rules: allows everything) */
        public TokenAuthorizer build() {
            return new TokenAuthorizer(rules);
        }
    }
}
