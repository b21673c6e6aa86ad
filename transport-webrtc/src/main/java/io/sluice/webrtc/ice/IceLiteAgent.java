package io.sluice.webrtc.ice;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.webrtc.stun.StunClass;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunProtocolException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * An ICE-lite agent for one server-side session (RFC 8445 §2.5): it gathers only host candidates,
 * never sends checks, answers the browser's Binding requests that carry a valid USERNAME
 * ({@code localUfrag:remoteUfrag}) and MESSAGE-INTEGRITY with a success response holding the
 * XOR-MAPPED-ADDRESS of the source, and selects the pair the browser nominates with USE-CANDIDATE.
 *
 * <p>Consent freshness (RFC 7675): the browser keeps sending checks on the selected pair (about
 * every 5 s); each valid one refreshes consent. If none arrives for the consent timeout (30 s), the
 * agent emits {@link IceEvent.ConsentLost} and enters {@link IceConnectionState#FAILED}, and
 * {@link #canSend()} turns false: the caller must stop sending media. The same timeout applies
 * before the first nomination, counted from the first {@code handle*} call.
 *
 * <p>Sans-IO: call {@link #handleTimeout} once when the session starts and again whenever
 * {@link #pollTimeoutNanos()} is due; drain {@link #pollTransmit()} and {@link #pollEvent()} after
 * each call. Not thread-safe; confine to one EventLoop.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-2.5">RFC 8445 §2.5 (lite)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-7.3">RFC 8445 §7.3</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7675#section-5.1">RFC 7675 §5.1</a>
 */
public final class IceLiteAgent {
    /** Most remote addresses whose check times are tracked; further ones are answered but not tracked. */
    static final int MAX_TRACKED_REMOTES = 16;
    /** Most transmits queued before the caller polls; more are dropped. */
    static final int MAX_QUEUED = 64;

    private final IceCredentials local;
    private final IceCredentials remote;
    private final InetSocketAddress localAddress;
    private final long consentTimeoutNanos;
    private final String software;
    private final ByteBufAllocator alloc;
    private final long tieBreaker;

    private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
    private final ArrayDeque<IceEvent> events = new ArrayDeque<>();
    private final Map<InetSocketAddress, Long> lastValidCheck = new LinkedHashMap<>();
    private IceConnectionState state = IceConnectionState.NEW;
    private CandidatePair selected;
    private boolean started;
    private long startNanos;
    private long malformed;
    private long rejected;

    private IceLiteAgent(Builder b) {
        this.local = b.localCredentials != null ? b.localCredentials : IceCredentials.random(b.random);
        this.remote = Objects.requireNonNull(b.remoteCredentials, "remoteCredentials");
        this.localAddress = Objects.requireNonNull(b.localAddress, "localAddress");
        this.consentTimeoutNanos = b.consentTimeout.toNanos();
        this.software = b.software;
        this.alloc = b.alloc;
        this.tieBreaker = b.random.nextLong();
    }

    /** A builder; {@code remoteCredentials} and {@code localAddress} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** This agent's ufrag and pwd, to put in the SDP answer. */
    public IceCredentials localCredentials() {
        return local;
    }

    /** The peer's credentials from the offer. */
    public IceCredentials remoteCredentials() {
        return remote;
    }

    /**
     * Processes one datagram received on the local socket. Only Binding requests are acted on.
     *
     * @param nowNanos the caller's monotonic time in ns
     * @param from     the datagram's source address
     * @param datagram borrowed; not released, reader index not moved
     * @return what was done with it
     */
    public IceDatagramResult handleDatagram(long nowNanos, InetSocketAddress from, ByteBuf datagram) {
        start(nowNanos);
        if (state == IceConnectionState.CLOSED || !StunMessage.isStun(datagram)) {
            return IceDatagramResult.IGNORED;
        }
        StunMessage req;
        try {
            req = StunMessage.decode(datagram, m -> BindingResponder.keyFor(m, local));
        } catch (StunProtocolException e) {
            malformed++;
            return IceDatagramResult.DROPPED_MALFORMED;
        }
        if (req.messageClass() != StunClass.REQUEST) {
            return IceDatagramResult.IGNORED;
        }
        if (!req.isBindingRequest()) {
            rejected++;
            return IceDatagramResult.IGNORED;
        }
        BindingResponder.Outcome out = BindingResponder.respond(req, local, remote, from, true, tieBreaker, software);
        queue(out.response(), from);
        if (!out.valid()) {
            rejected++;
            return IceDatagramResult.REJECTED;
        }
        if (state == IceConnectionState.FAILED) {
            return IceDatagramResult.ACCEPTED; // consent is not regained without an ICE restart
        }
        if (lastValidCheck.containsKey(from) || lastValidCheck.size() < MAX_TRACKED_REMOTES) {
            lastValidCheck.put(from, nowNanos);
        }
        if (req.useCandidate() && (selected == null || !selected.remote().equals(from))) {
            selected = new CandidatePair(localAddress, from);
            lastValidCheck.put(from, nowNanos);
            events.add(new IceEvent.SelectedPairChanged(selected));
            setState(IceConnectionState.CONNECTED);
        } else if (state == IceConnectionState.NEW) {
            setState(IceConnectionState.CHECKING);
        }
        return IceDatagramResult.ACCEPTED;
    }

    /**
     * Advances time: detects consent loss and the initial connect timeout.
     *
     * @param nowNanos the caller's monotonic time in ns
     */
    public void handleTimeout(long nowNanos) {
        start(nowNanos);
        if (state == IceConnectionState.FAILED || state == IceConnectionState.CLOSED) {
            return;
        }
        if (selected != null) {
            long last = lastValidCheck.get(selected.remote());
            if (nowNanos - last >= consentTimeoutNanos) {
                events.add(new IceEvent.ConsentLost(selected));
                setState(IceConnectionState.FAILED);
            }
        } else if (nowNanos - startNanos >= consentTimeoutNanos) {
            setState(IceConnectionState.FAILED);
        }
    }

    /**
     * When {@link #handleTimeout} must next be called, in the caller's ns time base;
     * {@link Long#MAX_VALUE} when nothing is pending.
     */
    public long pollTimeoutNanos() {
        if (state == IceConnectionState.FAILED || state == IceConnectionState.CLOSED) {
            return Long.MAX_VALUE;
        }
        if (!started) {
            return Long.MIN_VALUE;
        }
        if (selected != null) {
            return lastValidCheck.get(selected.remote()) + consentTimeoutNanos;
        }
        return startNanos + consentTimeoutNanos;
    }

    /** The next datagram to send, or null. The caller owns its content. */
    public Transmit pollTransmit() {
        return transmits.poll();
    }

    /** The next event, or null. */
    public IceEvent pollEvent() {
        return events.poll();
    }

    /** The current state. */
    public IceConnectionState state() {
        return state;
    }

    /** The nominated pair, if any. */
    public Optional<CandidatePair> selectedPair() {
        return Optional.ofNullable(selected);
    }

    /** Whether media may be sent: a pair is nominated and consent is fresh. */
    public boolean canSend() {
        return state == IceConnectionState.CONNECTED;
    }

    /** STUN datagrams dropped as malformed. */
    public long malformedCount() {
        return malformed;
    }

    /** Requests answered with an error (bad credentials, role conflict, unknown attributes). */
    public long rejectedCount() {
        return rejected;
    }

    /** Stops the agent and releases queued transmits. */
    public void close() {
        Transmit t;
        while ((t = transmits.poll()) != null) {
            t.content().release();
        }
        setState(IceConnectionState.CLOSED);
    }

    private void start(long nowNanos) {
        if (!started) {
            started = true;
            startNanos = nowNanos;
        }
    }

    private void setState(IceConnectionState s) {
        if (state != s) {
            state = s;
            events.add(new IceEvent.StateChanged(s));
        }
    }

    private void queue(byte[] bytes, InetSocketAddress to) {
        if (transmits.size() >= MAX_QUEUED) {
            return;
        }
        ByteBuf buf = alloc.buffer(bytes.length);
        buf.writeBytes(bytes);
        transmits.add(new Transmit(localAddress, to, buf));
    }

    /** Configures an {@link IceLiteAgent}. */
    public static final class Builder {
        private IceCredentials localCredentials;
        private IceCredentials remoteCredentials;
        private InetSocketAddress localAddress;
        private Duration consentTimeout = Duration.ofSeconds(30);
        private String software;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private Random random = new SecureRandom();

        private Builder() {
        }

        /** Local ufrag/pwd; default: {@link IceCredentials#random} from {@link #random}. */
        public Builder localCredentials(IceCredentials credentials) {
            this.localCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The browser's ufrag/pwd from its offer. Required. */
        public Builder remoteCredentials(IceCredentials credentials) {
            this.remoteCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The local UDP socket address (the server's shared port); the source of every transmit. Required. */
        public Builder localAddress(InetSocketAddress address) {
            this.localAddress = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Time without a valid check after which consent is lost; default 30 s (RFC 7675 §5.1).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder consentTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("consentTimeout: " + timeout + " (expected: > 0)");
            }
            this.consentTimeout = timeout;
            return this;
        }

        /** SOFTWARE attribute for responses; default none. */
        public Builder software(String software) {
            this.software = software;
            return this;
        }

        /** Allocator for transmits; default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /** Randomness for credentials and tie-breaker; default {@link SecureRandom}. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * @throws NullPointerException if remoteCredentials or localAddress is missing
         */
        public IceLiteAgent build() {
            return new IceLiteAgent(this);
        }
    }
}
