package io.sluice.webrtc.dtls;

import io.netty.buffer.ByteBufAllocator;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shared, immutable DTLS-SRTP configuration: the local certificate (and so the SDP fingerprint),
 * the SRTP protection profiles in preference order, timeouts and MTU. Makes one
 * {@link DtlsEndpoint} per peer connection, as Netty's {@code SslContext} makes one handler per
 * channel. Thread-safe.
 *
 * <pre>{@code
 * DtlsContext ctx = DtlsContext.builder().build();            // fresh P-256 certificate
 * String myFingerprint = ctx.certificate().fingerprint().toSdpValue();  // a=fingerprint:...
 * DtlsEndpoint ep = ctx.newEndpoint(DtlsRole.fromSdpSetup("passive"), remoteSdpFingerprint);
 * ep.start(listener);
 * }</pre>
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5764">RFC 5764 (DTLS-SRTP)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8827#section-6.5">RFC 8827 §6.5</a>
 */
public final class DtlsContext {
    /** Default handshake timeout: 10 seconds. */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Default initial retransmission timeout: 1 second (RFC 6347 §4.2.4.1), doubled on each retransmission. */
    public static final Duration DEFAULT_INITIAL_RETRANSMIT_TIMEOUT = Duration.ofSeconds(1);
    /** Default MTU: 1200 bytes of UDP payload, as WebRTC stacks use. */
    public static final int DEFAULT_MTU_BYTES = 1200;
    /** Smallest MTU accepted: room for a record header, a handshake header and some payload. */
    public static final int MIN_MTU_BYTES = 256;
    /** Largest MTU accepted: the largest UDP payload over IPv4. */
    public static final int MAX_MTU_BYTES = 65507;
    /** Default profiles in preference order: AEAD_AES_128_GCM, then AES128_CM_HMAC_SHA1_80. */
    public static final List<SrtpProtectionProfile> DEFAULT_SRTP_PROFILES =
            List.of(SrtpProtectionProfile.AEAD_AES_128_GCM, SrtpProtectionProfile.AES128_CM_HMAC_SHA1_80);

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();

    private final DtlsCertificate certificate;
    private final List<SrtpProtectionProfile> srtpProfiles;
    private final Duration handshakeTimeout;
    private final Duration initialRetransmitTimeout;
    private final int mtuBytes;
    private final ThreadFactory threadFactory;
    private final ByteBufAllocator allocator;
    private final SecureRandom secureRandom;

    private DtlsContext(Builder b) {
        this.certificate = b.certificate != null ? b.certificate : DtlsCertificate.generate();
        this.srtpProfiles = b.srtpProfiles;
        this.handshakeTimeout = b.handshakeTimeout;
        this.initialRetransmitTimeout = b.initialRetransmitTimeout;
        this.mtuBytes = b.mtuBytes;
        this.threadFactory = b.threadFactory;
        this.allocator = b.allocator;
        this.secureRandom = b.secureRandom;
    }

    /** A builder with the defaults documented on each setter. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this context's settings, certificate included. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.certificate = certificate;
        b.srtpProfiles = srtpProfiles;
        b.handshakeTimeout = handshakeTimeout;
        b.initialRetransmitTimeout = initialRetransmitTimeout;
        b.mtuBytes = mtuBytes;
        b.threadFactory = threadFactory;
        b.allocator = allocator;
        b.secureRandom = secureRandom;
        return b;
    }

    /**
     * A new, not yet started endpoint for one peer connection.
     *
     * @param role {@link DtlsRole#CLIENT} for {@code a=setup:active}, {@link DtlsRole#SERVER} for
     *     {@code a=setup:passive}
     * @param expectedRemoteFingerprint the peer's SDP {@code a=fingerprint} value, e.g.
     *     {@code "sha-256 AB:CD:…"}; the handshake fails unless the peer's certificate matches it
     * @throws IllegalArgumentException if the fingerprint is malformed
     */
    public DtlsEndpoint newEndpoint(DtlsRole role, String expectedRemoteFingerprint) {
        return newEndpoint(role, DtlsFingerprint.parse(expectedRemoteFingerprint));
    }

    /**
     * A new, not yet started endpoint for one peer connection.
     *
     * @param role the local DTLS role
     * @param expectedRemoteFingerprint the fingerprint the peer's certificate must match
     */
    public DtlsEndpoint newEndpoint(DtlsRole role, DtlsFingerprint expectedRemoteFingerprint) {
        return new DtlsEndpoint(this, Objects.requireNonNull(role, "role"),
                Objects.requireNonNull(expectedRemoteFingerprint, "expectedRemoteFingerprint"));
    }

    /** The local certificate; its {@link DtlsCertificate#fingerprint()} goes into the local SDP. */
    public DtlsCertificate certificate() {
        return certificate;
    }

    /** SRTP protection profiles, most preferred first: offered by a client, accepted by a server. */
    public List<SrtpProtectionProfile> srtpProfiles() {
        return srtpProfiles;
    }

    /** How long a handshake may take from {@link DtlsEndpoint#start} to completion. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** First retransmission timeout of a handshake flight; Bouncy Castle doubles it on each retry. */
    public Duration initialRetransmitTimeout() {
        return initialRetransmitTimeout;
    }

    /** Largest datagram the endpoint sends, in bytes of UDP payload. */
    public int mtuBytes() {
        return mtuBytes;
    }

    /** Makes each endpoint's handshake thread. */
    public ThreadFactory threadFactory() {
        return threadFactory;
    }

    /** Allocates the datagrams returned by {@link DtlsEndpoint#pollTransmit()}. */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    SecureRandom secureRandom() {
        return secureRandom;
    }

    private static Thread newDaemonThread(Runnable r) {
        Thread t = new Thread(r, "sluice-dtls-" + THREAD_IDS.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** Builds a {@link DtlsContext}. Setters validate at once; not thread-safe. */
    public static final class Builder {
        private DtlsCertificate certificate;
        private List<SrtpProtectionProfile> srtpProfiles = DEFAULT_SRTP_PROFILES;
        private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
        private Duration initialRetransmitTimeout = DEFAULT_INITIAL_RETRANSMIT_TIMEOUT;
        private int mtuBytes = DEFAULT_MTU_BYTES;
        private ThreadFactory threadFactory = DtlsContext::newDaemonThread;
        private ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
        private SecureRandom secureRandom = new SecureRandom();

        private Builder() {
        }

        /** The local certificate. Default: a fresh one from {@link DtlsCertificate#generate()} at {@link #build()}. */
        public Builder certificate(DtlsCertificate certificate) {
            this.certificate = Objects.requireNonNull(certificate, "certificate");
            return this;
        }

        /**
         * SRTP protection profiles, most preferred first. A client offers them in this order; a
         * server picks, among the client's offer, the first in this order. Default:
         * {@link #DEFAULT_SRTP_PROFILES}.
         *
         * @throws IllegalArgumentException if empty or with duplicates
         */
        public Builder srtpProfiles(List<SrtpProtectionProfile> profiles) {
            Objects.requireNonNull(profiles, "profiles");
            if (profiles.isEmpty()) {
                throw new IllegalArgumentException("srtpProfiles: [] (expected: at least one)");
            }
            EnumSet<SrtpProtectionProfile> seen = EnumSet.noneOf(SrtpProtectionProfile.class);
            for (SrtpProtectionProfile p : profiles) {
                if (!seen.add(Objects.requireNonNull(p, "profile"))) {
                    throw new IllegalArgumentException("srtpProfiles: " + profiles + " (expected: no duplicates)");
                }
            }
            this.srtpProfiles = List.copyOf(new ArrayList<>(profiles));
            return this;
        }

        /**
         * How long a handshake may take. Default: 10 s.
         *
         * @throws IllegalArgumentException unless 1 ms ≤ timeout ≤ {@link Integer#MAX_VALUE} ms
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = checkMillis("handshakeTimeout", timeout);
            return this;
        }

        /**
         * First retransmission timeout of a handshake flight. Default: 1 s (RFC 6347 §4.2.4.1).
         *
         * @throws IllegalArgumentException unless 1 ms ≤ timeout ≤ {@link Integer#MAX_VALUE} ms
         */
        public Builder initialRetransmitTimeout(Duration timeout) {
            this.initialRetransmitTimeout = checkMillis("initialRetransmitTimeout", timeout);
            return this;
        }

        /**
         * Largest datagram sent, in bytes of UDP payload; Bouncy Castle fragments handshake
         * messages to fit. Default: 1200.
         *
         * @throws IllegalArgumentException outside {@value #MIN_MTU_BYTES}..{@value #MAX_MTU_BYTES}
         */
        public Builder mtuBytes(int mtuBytes) {
            if (mtuBytes < MIN_MTU_BYTES || mtuBytes > MAX_MTU_BYTES) {
                throw new IllegalArgumentException("mtuBytes: " + mtuBytes + " (expected: " + MIN_MTU_BYTES + ".."
                        + MAX_MTU_BYTES + ")");
            }
            this.mtuBytes = mtuBytes;
            return this;
        }

        /** Makes each endpoint's handshake thread. Default: daemon threads named {@code sluice-dtls-<n>}. */
        public Builder threadFactory(ThreadFactory threadFactory) {
            this.threadFactory = Objects.requireNonNull(threadFactory, "threadFactory");
            return this;
        }

        /** Allocates outgoing datagrams. Default: {@link ByteBufAllocator#DEFAULT}. */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /** Randomness for the handshake (and a generated certificate). Default: a new {@link SecureRandom}. */
        public Builder secureRandom(SecureRandom secureRandom) {
            this.secureRandom = Objects.requireNonNull(secureRandom, "secureRandom");
            return this;
        }

        /**
         * Builds the context, generating a certificate if none was set.
         *
         * @throws IllegalArgumentException if the initial retransmission timeout exceeds the handshake timeout
         */
        public DtlsContext build() {
            if (initialRetransmitTimeout.compareTo(handshakeTimeout) > 0) {
                throw new IllegalArgumentException("initialRetransmitTimeout: " + initialRetransmitTimeout.toMillis()
                        + " ms (expected: <= handshakeTimeout " + handshakeTimeout.toMillis() + " ms)");
            }
            return new DtlsContext(this);
        }

        private static Duration checkMillis(String name, Duration d) {
            Objects.requireNonNull(d, name);
            if (d.toMillis() < 1 || d.compareTo(Duration.ofMillis(Integer.MAX_VALUE)) > 0) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: 1 ms.." + Integer.MAX_VALUE + " ms)");
            }
            return d;
        }
    }
}
