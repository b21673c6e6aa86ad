package io.sluice.webrtc.ice;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.webrtc.stun.StunClass;
import io.sluice.webrtc.stun.StunIntegrity;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunMessageBuilder;
import io.sluice.webrtc.stun.StunMethod;
import io.sluice.webrtc.stun.StunProtocolException;
import io.sluice.webrtc.stun.TransactionId;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * A full ICE agent in the controlling role, for the client side (the WHIP client, whose peer is
 * usually an ICE-lite server). The caller binds the UDP sockets and passes their addresses as host
 * candidates; with a STUN server configured the agent also sends a Binding request from each host
 * socket and reports the server-reflexive candidate ({@link IceEvent.LocalCandidate}).
 *
 * <p>Checks follow RFC 8445 §6.1.2 (pairs of same address family, priority per §6.1.2.3, at most
 * 100 pairs, one Waiting pair per foundation and the rest Frozen), are paced every Ta (50 ms) and
 * retransmitted with an RTO starting at max(500 ms, Ta × outstanding pairs) and doubling
 * (§14.3, RFC 8489 §6.2.1), up to 7 transmissions, then failed after a further 16 × RTO.
 * Nomination is regular (§8.1.1): the first pair
 * whose check succeeds is checked again with USE-CANDIDATE and selected when that succeeds.
 * After selection, consent checks (RFC 7675) go out every 5 s ± 20 %; without a response for 30 s
 * the agent reports {@link IceEvent.ConsentLost} and fails.
 *
 * <p>Sans-IO: call {@link #handleTimeout} once to start and whenever {@link #pollTimeoutNanos()}
 * is due; drain {@link #pollTransmit()} and {@link #pollEvent()} after each call. Not thread-safe.
 *
 * <p>Not implemented: triggered checks and peer-reflexive remote candidates (a lite peer never
 * sends checks), aggressive nomination, role switching on 487, mDNS candidates, TURN.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-6.1.2">RFC 8445 §6.1.2, §7.2, §8.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7675">RFC 7675</a>
 */
public final class IceControllingAgent {
    /** Pair limit, RFC 8445 §6.1.2.5. */
    public static final int MAX_PAIRS = 100;
    static final int MAX_QUEUED = 256;

    private enum PairState { FROZEN, WAITING, IN_PROGRESS, SUCCEEDED, FAILED }

    private enum Kind { CHECK, NOMINATION, CONSENT, SERVER_REFLEXIVE }

    private static final class Pair {
        final IceCandidate local;
        final InetSocketAddress localAddress;
        final IceCandidate remote;
        final InetSocketAddress remoteAddress;
        final long priority;
        final String foundation;
        PairState state;

        Pair(IceCandidate local, InetSocketAddress localAddress, IceCandidate remote, InetSocketAddress remoteAddress) {
            this.local = local;
            this.localAddress = localAddress;
            this.remote = remote;
            this.remoteAddress = remoteAddress;
            this.priority = pairPriority(local.priority(), remote.priority());
            this.foundation = local.foundation() + ":" + remote.foundation();
        }
    }

    private static final class Txn {
        final TransactionId id;
        final Kind kind;
        final Pair pair;
        final InetSocketAddress source;
        final InetSocketAddress destination;
        final byte[] bytes;
        final int maxTransmissions;
        int sent;
        final long initialRto;
        long rto;
        long next;

        Txn(TransactionId id, Kind kind, Pair pair, InetSocketAddress source, InetSocketAddress destination,
            byte[] bytes, int maxTransmissions, long rto) {
            this.id = id;
            this.kind = kind;
            this.pair = pair;
            this.source = source;
            this.destination = destination;
            this.bytes = bytes;
            this.maxTransmissions = maxTransmissions;
            this.initialRto = rto;
            this.rto = rto;
        }
    }

    private final IceCredentials local;
    private IceCredentials remote;
    private final long tieBreaker;
    private final List<IceCandidate> hostCandidates = new ArrayList<>();
    private final List<InetSocketAddress> hostAddresses;
    private final InetSocketAddress stunServer;
    private final long taNanos;
    private final long initialRtoNanos;
    private final int maxTransmissions;
    private final long consentIntervalNanos;
    private final long consentTimeoutNanos;
    private final String software;
    private final ByteBufAllocator alloc;
    private final Random random;

    private final List<IceCandidate> localCandidates = new ArrayList<>();
    private final List<IceCandidate> remoteCandidates = new ArrayList<>();
    private final List<Pair> pairs = new ArrayList<>();
    private final Map<TransactionId, Txn> transactions = new LinkedHashMap<>();
    private final ArrayDeque<Transmit> transmits = new ArrayDeque<>();
    private final ArrayDeque<IceEvent> events = new ArrayDeque<>();

    private IceConnectionState state = IceConnectionState.NEW;
    private boolean started;
    private long nextCheckNanos;
    private Pair nominating;
    private Pair selected;
    private long lastConsentNanos;
    private long nextConsentNanos;
    private long malformed;

    private IceControllingAgent(Builder b) {
        this.random = b.random;
        this.local = b.localCredentials != null ? b.localCredentials : IceCredentials.random(random);
        this.remote = b.remoteCredentials;
        this.tieBreaker = b.tieBreaker != null ? b.tieBreaker : random.nextLong();
        if (b.hostAddresses.isEmpty()) {
            throw new IllegalArgumentException("hostAddresses: empty (expected: at least one bound socket)");
        }
        this.hostAddresses = List.copyOf(b.hostAddresses);
        for (int i = 0; i < hostAddresses.size(); i++) {
            IceCandidate c = IceCandidate.host(hostAddresses.get(i), 65535 - i);
            hostCandidates.add(c);
            localCandidates.add(c);
        }
        this.stunServer = b.stunServer;
        this.taNanos = b.ta.toNanos();
        this.initialRtoNanos = b.initialRto.toNanos();
        this.maxTransmissions = b.maxTransmissions;
        this.consentIntervalNanos = b.consentInterval.toNanos();
        this.consentTimeoutNanos = b.consentTimeout.toNanos();
        this.software = b.software;
        this.alloc = b.alloc;
    }

    /** A builder; {@code hostAddresses} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Pair priority, RFC 8445 §6.1.2.3: {@code 2^32 × MIN(G,D) + 2 × MAX(G,D) + (G > D ? 1 : 0)},
     * G the controlling agent's candidate priority, D the controlled agent's.
     */
    public static long pairPriority(long controlling, long controlled) {
        return (Math.min(controlling, controlled) << 32) + 2 * Math.max(controlling, controlled)
                + (controlling > controlled ? 1 : 0);
    }

    /** This agent's ufrag/pwd, to put in the offer. */
    public IceCredentials localCredentials() {
        return local;
    }

    /** The 64-bit tie-breaker sent in ICE-CONTROLLING. */
    public long tieBreaker() {
        return tieBreaker;
    }

    /** Local candidates so far: the host candidates, then server-reflexive ones as they are learned. */
    public List<IceCandidate> localCandidates() {
        return Collections.unmodifiableList(localCandidates);
    }

    /**
     * Sets the peer's credentials from its answer. Checks start once these and a remote candidate
     * are known.
     *
     * @throws IllegalStateException if different credentials were set before (ICE restart is not supported)
     */
    public void setRemoteCredentials(IceCredentials credentials) {
        Objects.requireNonNull(credentials, "credentials");
        if (remote != null && !remote.equals(credentials)) {
            throw new IllegalStateException("remote credentials already set (ICE restart is not supported)");
        }
        remote = credentials;
    }

    /**
     * Adds a remote candidate (from the answer or trickled) and forms pairs with the host
     * candidates of the same address family.
     *
     * @return false if the candidate is not usable: not UDP, component ≠ 1, not an IP literal, or a duplicate
     */
    public boolean addRemoteCandidate(IceCandidate candidate) {
        if (!candidate.isUdp() || candidate.componentId() != 1 || state == IceConnectionState.CLOSED) {
            return false;
        }
        InetSocketAddress addr = candidate.socketAddress().orElse(null);
        if (addr == null) {
            return false;
        }
        for (IceCandidate c : remoteCandidates) {
            if (c.socketAddress().orElseThrow().equals(addr)) {
                return false;
            }
        }
        remoteCandidates.add(candidate);
        boolean added = false;
        for (int i = 0; i < hostCandidates.size() && pairs.size() < MAX_PAIRS; i++) {
            InetSocketAddress la = hostAddresses.get(i);
            if ((la.getAddress() instanceof Inet4Address) != (addr.getAddress() instanceof Inet4Address)) {
                continue;
            }
            Pair p = new Pair(hostCandidates.get(i), la, candidate, addr);
            boolean foundationActive = pairs.stream().anyMatch(o -> o.foundation.equals(p.foundation)
                    && o.state != PairState.FAILED);
            p.state = foundationActive ? PairState.FROZEN : PairState.WAITING;
            pairs.add(p);
            added = true;
        }
        pairs.sort(Comparator.comparingLong((Pair p) -> p.priority).reversed());
        if (added && state == IceConnectionState.FAILED && selected == null) {
            setState(IceConnectionState.CHECKING);
        }
        return true;
    }

    /**
     * Processes one datagram received on a local socket.
     *
     * @param nowNanos the caller's monotonic time in ns
     * @param from     the source address
     * @param to       the local socket it arrived on (the source of any response)
     * @param datagram borrowed; not released, reader index not moved
     * @return what was done with it
     */
    public IceDatagramResult handleDatagram(long nowNanos, InetSocketAddress from, InetSocketAddress to,
                                            ByteBuf datagram) {
        if (state == IceConnectionState.CLOSED || !StunMessage.isStun(datagram)) {
            return IceDatagramResult.IGNORED;
        }
        start(nowNanos);
        StunMessage m;
        try {
            m = StunMessage.decode(datagram, this::keyFor);
        } catch (StunProtocolException e) {
            malformed++;
            return IceDatagramResult.DROPPED_MALFORMED;
        }
        if (m.messageClass() == StunClass.REQUEST) {
            if (!m.isBindingRequest()) {
                return IceDatagramResult.IGNORED;
            }
            BindingResponder.Outcome out = BindingResponder.respond(m, local, remote, from, false, tieBreaker,
                    software);
            queue(to, from, out.response());
            return out.valid() ? IceDatagramResult.ACCEPTED : IceDatagramResult.REJECTED;
        }
        if (m.messageClass() == StunClass.INDICATION) {
            return IceDatagramResult.IGNORED;
        }
        Txn txn = transactions.get(m.transactionId());
        if (txn == null) {
            return IceDatagramResult.IGNORED;
        }
        if (txn.kind != Kind.SERVER_REFLEXIVE && m.integrity() != StunIntegrity.VALID) {
            return IceDatagramResult.DROPPED_UNAUTHENTICATED;
        }
        transactions.remove(txn.id);
        boolean symmetric = from.equals(txn.destination);
        if (m.messageClass() == StunClass.ERROR_RESPONSE || !symmetric) {
            onFailure(nowNanos, txn);
            updateFailed();
            return IceDatagramResult.ACCEPTED;
        }
        switch (txn.kind) {
            case SERVER_REFLEXIVE -> onServerReflexive(txn, m);
            case CHECK -> {
                txn.pair.state = PairState.SUCCEEDED;
                for (Pair p : pairs) {
                    if (p.state == PairState.FROZEN && p.foundation.equals(txn.pair.foundation)) {
                        p.state = PairState.WAITING;
                    }
                }
                if (selected == null && nominating == null) {
                    nominate(nowNanos, txn.pair);
                }
            }
            case NOMINATION -> {
                nominating = null;
                if (selected != txn.pair) {
                    selected = txn.pair;
                    lastConsentNanos = nowNanos;
                    nextConsentNanos = nowNanos + jitteredConsentInterval();
                    events.add(new IceEvent.SelectedPairChanged(selectedPair().orElseThrow()));
                    setState(IceConnectionState.CONNECTED);
                }
            }
            case CONSENT -> {
                if (txn.pair == selected) {
                    lastConsentNanos = nowNanos;
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
        return IceDatagramResult.ACCEPTED;
    }

    private byte[] keyFor(StunMessage m) {
        if (m.messageClass() == StunClass.REQUEST) {
            return BindingResponder.keyFor(m, local);
        }
        Txn txn = transactions.get(m.transactionId());
        return txn == null || txn.kind == Kind.SERVER_REFLEXIVE || remote == null ? null : remote.key();
    }

    /**
     * Advances time: starts gathering on the first call, retransmits, paces new checks, sends
     * consent checks and detects consent loss.
     *
     * @param nowNanos the caller's monotonic time in ns
     */
    public void handleTimeout(long nowNanos) {
        if (state == IceConnectionState.CLOSED) {
            return;
        }
        start(nowNanos);
        for (Txn txn : new ArrayList<>(transactions.values())) {
            if (nowNanos - txn.next >= 0) {
                if (txn.sent < txn.maxTransmissions) {
                    txn.rto *= 2;
                    send(nowNanos, txn);
                } else {
                    transactions.remove(txn.id);
                    onFailure(nowNanos, txn);
                }
            }
        }
        if (state == IceConnectionState.FAILED) {
            return;
        }
        if (selected != null) {
            if (nowNanos - lastConsentNanos >= consentTimeoutNanos) {
                CandidatePair lost = selectedPair().orElseThrow();
                events.add(new IceEvent.ConsentLost(lost));
                setState(IceConnectionState.FAILED);
                return;
            }
            if (nowNanos - nextConsentNanos >= 0) {
                nextConsentNanos = nowNanos + jitteredConsentInterval();
                startTransaction(nowNanos, Kind.CONSENT, selected, 1);
            }
            return;
        }
        if (remote != null && nowNanos - nextCheckNanos >= 0) {
            Pair p = nextPairToCheck();
            if (p != null) {
                p.state = PairState.IN_PROGRESS;
                startTransaction(nowNanos, Kind.CHECK, p, maxTransmissions);
                nextCheckNanos = nowNanos + taNanos;
                if (state == IceConnectionState.NEW) {
                    setState(IceConnectionState.CHECKING);
                }
            }
        }
        updateFailed();
    }

    /**
     * When {@link #handleTimeout} must next be called (ns, caller's time base). Before the first
     * call it is {@link Long#MIN_VALUE} (now); {@link Long#MAX_VALUE} when nothing is pending.
     */
    public long pollTimeoutNanos() {
        if (state == IceConnectionState.CLOSED) {
            return Long.MAX_VALUE;
        }
        if (!started) {
            return Long.MIN_VALUE;
        }
        long t = Long.MAX_VALUE;
        for (Txn txn : transactions.values()) {
            t = Math.min(t, txn.next);
        }
        if (state == IceConnectionState.FAILED) {
            return t;
        }
        if (selected != null) {
            t = Math.min(t, Math.min(nextConsentNanos, lastConsentNanos + consentTimeoutNanos));
        } else if (remote != null && pairs.stream().anyMatch(
                p -> p.state == PairState.WAITING || p.state == PairState.FROZEN)) {
            t = Math.min(t, nextCheckNanos);
        }
        return t;
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

    /** The selected (nominated) pair, if any. */
    public Optional<CandidatePair> selectedPair() {
        return selected == null ? Optional.empty()
                : Optional.of(new CandidatePair(selected.localAddress, selected.remoteAddress));
    }

    /** Whether media may be sent: a pair is selected and consent is fresh (RFC 7675). */
    public boolean canSend() {
        return state == IceConnectionState.CONNECTED;
    }

    /** STUN datagrams dropped as malformed. */
    public long malformedCount() {
        return malformed;
    }

    /** Stops the agent and releases queued transmits. */
    public void close() {
        Transmit t;
        while ((t = transmits.poll()) != null) {
            t.content().release();
        }
        transactions.clear();
        setState(IceConnectionState.CLOSED);
    }

    private void start(long nowNanos) {
        if (started) {
            return;
        }
        started = true;
        nextCheckNanos = nowNanos;
        if (stunServer != null) {
            boolean v4 = stunServer.getAddress() instanceof Inet4Address;
            for (InetSocketAddress host : hostAddresses) {
                if ((host.getAddress() instanceof Inet4Address) == v4) {
                    TransactionId id = TransactionId.random(random);
                    StunMessageBuilder b = StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, id);
                    if (software != null) {
                        b.software(software);
                    }
                    Txn txn = new Txn(id, Kind.SERVER_REFLEXIVE, null, host, stunServer,
                            b.fingerprint().toByteArray(), maxTransmissions, initialRtoNanos);
                    transactions.put(id, txn);
                    send(nowNanos, txn);
                }
            }
        }
    }

    private Pair nextPairToCheck() {
        for (Pair p : pairs) {
            if (p.state == PairState.WAITING) {
                return p;
            }
        }
        for (Pair p : pairs) {
            if (p.state == PairState.FROZEN) {
                return p;
            }
        }
        return null;
    }

    private void nominate(long nowNanos, Pair pair) {
        nominating = pair;
        startTransaction(nowNanos, Kind.NOMINATION, pair, maxTransmissions);
    }

    private void startTransaction(long nowNanos, Kind kind, Pair pair, int transmissions) {
        TransactionId id = TransactionId.random(random);
        StunMessageBuilder b = StunMessage.builder(StunClass.REQUEST, StunMethod.BINDING, id)
                .username(remote.ufrag() + ":" + local.ufrag());
        if (software != null) {
            b.software(software);
        }
        int localPreference = (int) ((pair.local.priority() >> 8) & 0xFFFF);
        b.priority(IceCandidate.priority(CandidateType.PEER_REFLEXIVE, localPreference, 1))
                .iceControlling(tieBreaker);
        if (kind == Kind.NOMINATION) {
            b.useCandidate();
        }
        byte[] bytes = b.messageIntegrity(remote.key()).fingerprint().toByteArray();
        long outstanding = pairs.stream()
                .filter(p -> p.state == PairState.WAITING || p.state == PairState.IN_PROGRESS).count();
        long rto = Math.max(initialRtoNanos, taNanos * outstanding);
        Txn txn = new Txn(id, kind, pair, pair.localAddress, pair.remoteAddress, bytes, transmissions, rto);
        transactions.put(id, txn);
        send(nowNanos, txn);
    }

    private void send(long nowNanos, Txn txn) {
        txn.sent++;
        // After the last transmission wait Rm × RTO (Rm = 16) for a late response, RFC 8489 §6.2.1.
        txn.next = nowNanos + (txn.sent == txn.maxTransmissions && txn.maxTransmissions > 1
                ? 16 * txn.initialRto : txn.rto);
        queue(txn.source, txn.destination, txn.bytes);
    }

    private void onFailure(long nowNanos, Txn txn) {
        switch (txn.kind) {
            case CHECK -> txn.pair.state = PairState.FAILED;
            case NOMINATION -> {
                txn.pair.state = PairState.FAILED;
                nominating = null;
                for (Pair p : pairs) {
                    if (p.state == PairState.SUCCEEDED) {
                        nominate(nowNanos, p);
                        break;
                    }
                }
            }
            default -> {
                // consent: judged by time since the last response; server-reflexive: give up
            }
        }
    }

    private void onServerReflexive(Txn txn, StunMessage m) {
        InetSocketAddress mapped = m.xorMappedAddress().or(m::mappedAddress).orElse(null);
        if (mapped == null || mapped.equals(txn.source)) {
            return;
        }
        for (IceCandidate c : localCandidates) {
            if (c.type() == CandidateType.SERVER_REFLEXIVE && c.socketAddress().orElseThrow().equals(mapped)) {
                return;
            }
        }
        int index = hostAddresses.indexOf(txn.source);
        IceCandidate c = IceCandidate.of(CandidateType.SERVER_REFLEXIVE, mapped, 65535 - index, txn.source);
        localCandidates.add(c);
        events.add(new IceEvent.LocalCandidate(c));
    }

    private void updateFailed() {
        if (selected == null && nominating == null && !pairs.isEmpty()
                && pairs.stream().allMatch(p -> p.state == PairState.FAILED)) {
            setState(IceConnectionState.FAILED);
        }
    }

    private long jitteredConsentInterval() {
        return (long) (consentIntervalNanos * (0.8 + 0.4 * random.nextDouble()));
    }

    private void setState(IceConnectionState s) {
        if (state != s) {
            state = s;
            events.add(new IceEvent.StateChanged(s));
        }
    }

    private void queue(InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
        if (transmits.size() >= MAX_QUEUED) {
            return;
        }
        ByteBuf buf = alloc.buffer(bytes.length);
        buf.writeBytes(bytes);
        transmits.add(new Transmit(from, to, buf));
    }

    /** Configures an {@link IceControllingAgent}. */
    public static final class Builder {
        private IceCredentials localCredentials;
        private IceCredentials remoteCredentials;
        private Long tieBreaker;
        private final List<InetSocketAddress> hostAddresses = new ArrayList<>();
        private InetSocketAddress stunServer;
        private Duration ta = Duration.ofMillis(50);
        private Duration initialRto = Duration.ofMillis(500);
        private int maxTransmissions = 7;
        private Duration consentInterval = Duration.ofSeconds(5);
        private Duration consentTimeout = Duration.ofSeconds(30);
        private String software;
        private ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        private Random random = new SecureRandom();

        private Builder() {
        }

        /** Local ufrag/pwd; default random. */
        public Builder localCredentials(IceCredentials credentials) {
            this.localCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The peer's ufrag/pwd, if known now; else call {@link IceControllingAgent#setRemoteCredentials}. */
        public Builder remoteCredentials(IceCredentials credentials) {
            this.remoteCredentials = Objects.requireNonNull(credentials, "credentials");
            return this;
        }

        /** The 64-bit tie-breaker; default random. */
        public Builder tieBreaker(long tieBreaker) {
            this.tieBreaker = tieBreaker;
            return this;
        }

        /**
         * Adds a bound local UDP socket address as a host candidate; earlier ones get a higher
         * local preference. At least one is required.
         */
        public Builder hostAddress(InetSocketAddress address) {
            if (Objects.requireNonNull(address, "address").isUnresolved()) {
                throw new IllegalArgumentException("address: " + address + " (expected: resolved)");
            }
            hostAddresses.add(address);
            return this;
        }

        /** A STUN server for server-reflexive candidates; default none. */
        public Builder stunServer(InetSocketAddress address) {
            if (Objects.requireNonNull(address, "address").isUnresolved()) {
                throw new IllegalArgumentException("stunServer: " + address + " (expected: resolved)");
            }
            this.stunServer = address;
            return this;
        }

        /** Pacing interval Ta between new checks; default 50 ms (RFC 8445 §14.2). */
        public Builder ta(Duration ta) {
            this.ta = positive("ta", ta);
            return this;
        }

        /** Initial RTO of a STUN transaction; default 500 ms (RFC 8489 §6.2.1). */
        public Builder initialRto(Duration rto) {
            this.initialRto = positive("initialRto", rto);
            return this;
        }

        /**
         * Transmissions per transaction before it times out (Rc); default 7 (RFC 8489 §6.2.1).
         *
         * @throws IllegalArgumentException unless 1..20
         */
        public Builder maxTransmissions(int n) {
            if (n < 1 || n > 20) {
                throw new IllegalArgumentException("maxTransmissions: " + n + " (expected: 1..20)");
            }
            this.maxTransmissions = n;
            return this;
        }

        /** Mean interval between consent checks; default 5 s, randomised ±20 % (RFC 7675 §5.1). */
        public Builder consentInterval(Duration interval) {
            this.consentInterval = positive("consentInterval", interval);
            return this;
        }

        /** Time without a consent response before consent is lost; default 30 s (RFC 7675 §5.1). */
        public Builder consentTimeout(Duration timeout) {
            this.consentTimeout = positive("consentTimeout", timeout);
            return this;
        }

        /** SOFTWARE attribute in requests; default none. */
        public Builder software(String software) {
            this.software = software;
            return this;
        }

        /** Allocator for transmits; default {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator alloc) {
            this.alloc = Objects.requireNonNull(alloc, "alloc");
            return this;
        }

        /** Randomness for credentials, transaction ids, tie-breaker and jitter; default {@link SecureRandom}. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /**
         * @throws IllegalArgumentException if no host address was given
         */
        public IceControllingAgent build() {
            return new IceControllingAgent(this);
        }

        private static Duration positive(String name, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
