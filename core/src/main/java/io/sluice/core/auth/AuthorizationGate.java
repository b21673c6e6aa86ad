package io.sluice.core.auth;

import io.sluice.core.time.Ticker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a server calls to authorize a request: runs the application's {@link StreamAuthorizer}, turns
 * an exception or a {@code null} answer into {@link AuthDecision.Outcome#FORBIDDEN}, and logs refusals
 * at WARN once per client address and minute (so a client retrying a bad token cannot flood the log;
 * the refusals in between are counted and reported with the next line).
 *
 * <p>Thread-safe; holds at most {@value #MAX_CLIENTS} client entries (a flood of distinct addresses
 * is not logged beyond that until entries expire).
 */
public final class AuthorizationGate {
    private static final Logger log = LoggerFactory.getLogger(AuthorizationGate.class);
    /** Client addresses remembered for the once-a-minute log. */
    static final int MAX_CLIENTS = 4096;
    private static final long LOG_INTERVAL_NANOS = Duration.ofMinutes(1).toNanos();

    private final StreamAuthorizer authorizer;
    private final Ticker ticker;
    private final Map<InetAddress, long[]> lastLogged = new ConcurrentHashMap<>(); // {nanos, suppressed}

    /**
     * @param authorizer the application's authorizer
     * @param ticker     time for the once-a-minute log
     */
    public AuthorizationGate(StreamAuthorizer authorizer, Ticker ticker) {
        this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /** The wrapped authorizer. */
    public StreamAuthorizer authorizer() {
        return authorizer;
    }

    /**
     * Decides {@code request}; never throws for the authorizer's failures.
     *
     * @return the decision; never {@code null}
     */
    public AuthDecision authorize(AuthRequest request) {
        AuthDecision d;
        try {
            d = authorizer.authorize(request);
            if (d == null) {
                d = AuthDecision.forbidden("not authorized");
            }
        } catch (RuntimeException e) {
            log.warn("{}: the authorizer failed ({}); refused", request, e.toString(), e);
            return AuthDecision.forbidden("authorization failed");
        }
        if (!d.allowed()) {
            long suppressed = logPermit(request.remoteAddress().getAddress(), ticker.nanoTime());
            if (suppressed >= 0) {
                log.warn("{}: refused ({}): {}{}", request, d.outcome(), d.reason(), suppressed > 0
                        ? " (and " + suppressed + " more refusals of this client in the minute before)" : "");
            }
        }
        return d;
    }

    /**
     * Whether a refusal of {@code client} at {@code nowNanos} is logged (at most once a minute per client).
     *
     * @return -1 to stay silent, else the refusals of this client not logged since its last line
     */
    long logPermit(InetAddress client, long nowNanos) {
        long[] e = lastLogged.get(client);
        if (e != null) {
            synchronized (e) {
                if (nowNanos - e[0] < LOG_INTERVAL_NANOS) {
                    e[1]++;
                    return -1;
                }
                long suppressed = e[1];
                e[0] = nowNanos;
                e[1] = 0;
                return suppressed;
            }
        }
        if (lastLogged.size() >= MAX_CLIENTS) {
            lastLogged.values().removeIf(x -> nowNanos - x[0] >= LOG_INTERVAL_NANOS);
            if (lastLogged.size() >= MAX_CLIENTS) {
                return -1;
            }
        }
        return lastLogged.putIfAbsent(client, new long[] {nowNanos, 0}) == null ? 0 : -1;
    }
}
