package io.sluice.webrtc.dtls;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.bouncycastle.tls.DTLSClientProtocol;
import org.bouncycastle.tls.DTLSServerProtocol;
import org.bouncycastle.tls.DTLSTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One DTLS-SRTP association with one peer: runs Bouncy Castle's blocking DTLS 1.2 handshake
 * ({@code DTLSClientProtocol} or {@code DTLSServerProtocol}) on a dedicated daemon thread over an
 * in-memory datagram queue, checks the peer certificate against the SDP fingerprint, negotiates
 * {@code use_srtp} and exports the SRTP keys. Made by {@link DtlsContext#newEndpoint}.
 *
 * <p>The endpoint does no network I/O. The owner (a Netty adapter or a test):
 * <ul>
 *   <li>feeds every DTLS datagram from the peer (first byte 20–63, RFC 7983) to
 *       {@link #handleDatagram(ByteBuf)};</li>
 *   <li>sends what {@link #pollTransmit()} returns, whenever {@link Listener#onTransmitReady} fires;</li>
 *   <li>takes the keys from {@link #handshakeFuture()} or {@link Listener#onHandshakeCompleted};</li>
 *   <li>calls {@link #close()} when the connection ends, whatever happened.</li>
 * </ul>
 *
 * <p>Thread-safety: all public methods may be called from any thread. Listener methods and
 * {@link #handshakeFuture()} completions run on the endpoint's handshake thread: they must not
 * block; a Netty adapter hands the work to its event loop. The handshake thread ends when the
 * handshake fails, the peer closes, or {@link #close()} is called.
 *
 * <p>Retransmission timing comes from Bouncy Castle, which reads the system clock itself; this is
 * the one engine in {@code io.sluice.webrtc} that does not take time from a {@code Ticker}.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6347">RFC 6347 (DTLS 1.2)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc5764">RFC 5764 (DTLS-SRTP)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8842">RFC 8842 (SDP offer/answer for DTLS)</a>
 */
public final class DtlsEndpoint implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DtlsEndpoint.class);

    /** Lifecycle of an endpoint. */
    public enum State {
        /** Made, not started; datagrams fed now are queued for the handshake. */
        NEW,
        /** The handshake thread is running the handshake. */
        HANDSHAKING,
        /** Handshake done, keys exported; the thread keeps answering retransmissions and close_notify. */
        CONNECTED,
        /** The handshake failed on its own (see {@link #handshakeFuture()}); the thread has ended or is ending. */
        FAILED,
        /** Closed locally (also during the handshake) or by the peer's close_notify. */
        CLOSED
    }

    /**
     * Callbacks from the handshake thread. All methods have empty defaults. A listener that throws
     * is logged and does not stop the endpoint.
     */
    public interface Listener {
        /** Outgoing datagrams are waiting: drain {@link DtlsEndpoint#pollTransmit()} (from any thread). */
        default void onTransmitReady(DtlsEndpoint endpoint) {
        }

        /** The handshake completed; {@code keys} are for the SRTP layer. Called at most once. */
        default void onHandshakeCompleted(DtlsEndpoint endpoint, DtlsSrtpKeys keys) {
        }

        /**
         * The handshake failed: {@link DtlsFingerprintMismatchException},
         * {@link DtlsHandshakeTimeoutException} or another {@link DtlsHandshakeException}. Called
         * at most once, never after {@link #onHandshakeCompleted}. A fatal alert for the peer may
         * be waiting in {@link DtlsEndpoint#pollTransmit()}.
         */
        default void onHandshakeFailed(DtlsEndpoint endpoint, DtlsHandshakeException cause) {
        }

        /** The handshake thread ended (after failure, the peer's close_notify, or {@link DtlsEndpoint#close()}). Called once. */
        default void onClosed(DtlsEndpoint endpoint) {
        }
    }

    private static final Listener NO_LISTENER = new Listener() {
    };

    private final DtlsHandshake handshake;
    private final QueueDatagramTransport transport;
    private final CompletableFuture<DtlsSrtpKeys> handshakeFuture = new CompletableFuture<>();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicLong ignoredApplicationData = new AtomicLong();
    private final Object lock = new Object();
    private volatile Listener listener = NO_LISTENER;
    private volatile State state = State.NEW;
    private volatile boolean closeRequested;
    private volatile DTLSTransport connection;
    private Thread thread; // guarded by lock

    DtlsEndpoint(DtlsContext config, DtlsRole role, DtlsFingerprint expectedRemoteFingerprint) {
        this.handshake = new DtlsHandshake(config, role, expectedRemoteFingerprint);
        this.transport = new QueueDatagramTransport(config.mtuBytes(), config.allocator(), this::onDatagramQueued);
    }

    /** Starts the handshake with no listener; watch {@link #handshakeFuture()} and poll {@link #pollTransmit()}. */
    public void start() {
        start(NO_LISTENER);
    }

    /**
     * Starts the handshake thread. A client sends its ClientHello at once; a server waits for one.
     * The handshake timeout ({@link DtlsContext#handshakeTimeout()}) runs from now.
     *
     * @param listener callbacks, invoked on the handshake thread
     * @throws IllegalStateException if already started or closed
     */
    public void start(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            if (state != State.NEW || closeRequested) {
                throw new IllegalStateException("start: endpoint is " + state + " (expected: NEW)");
            }
            this.listener = listener;
            this.state = State.HANDSHAKING;
            thread = handshake.config.threadFactory().newThread(this::run);
            thread.start();
        }
    }

    /**
     * Feeds one datagram received from the peer. The readable bytes are copied; the buffer's
     * indexes are not changed. Datagrams arriving before {@link #start} are kept for the handshake.
     * Never throws on bad input: garbage, records Bouncy Castle cannot authenticate, and datagrams
     * beyond the queue capacity or after close are dropped (see {@link #droppedDatagrams()}).
     *
     * @param datagram one UDP payload holding DTLS records; borrowed, never released here
     */
    public void handleDatagram(ByteBuf datagram) {
        transport.offerReceived(Objects.requireNonNull(datagram, "datagram"));
    }

    /**
     * The next datagram to send to the peer, each at most {@link DtlsContext#mtuBytes()} long.
     *
     * @return a datagram the caller owns and must release (or write, which releases), or
     *     {@code null} if none is waiting or the endpoint is closed
     */
    public ByteBuf pollTransmit() {
        return transport.pollSend();
    }

    /**
     * Completes with the SRTP keys when the handshake succeeds, or exceptionally with a
     * {@link DtlsHandshakeException} (fingerprint mismatch, timeout, alert, closed first).
     * Completed on the handshake thread, after the listener's {@code onHandshakeCompleted} or
     * {@code onHandshakeFailed} has returned, so whoever waits on the future sees the listener's
     * effects: attach non-blocking actions or use the {@code …Async} forms.
     */
    public CompletableFuture<DtlsSrtpKeys> handshakeFuture() {
        return handshakeFuture;
    }

    /** The local DTLS role. */
    public DtlsRole role() {
        return handshake.role;
    }

    /** The fingerprint the peer's certificate must match. */
    public DtlsFingerprint expectedRemoteFingerprint() {
        return handshake.expectedRemoteFingerprint;
    }

    /** Current lifecycle state. */
    public State state() {
        return state;
    }

    /** How far the handshake got; {@link DtlsHandshakeStep#COMPLETED} once keys were exported. */
    public DtlsHandshakeStep handshakeStep() {
        return handshake.step();
    }

    /** Received datagrams dropped because the queue was full ({@value QueueDatagramTransport#RECEIVE_QUEUE_CAPACITY}), empty, or closed. */
    public long droppedDatagrams() {
        return transport.droppedDatagrams();
    }

    /** Application-data records received after the handshake and ignored (no data channel yet). */
    public long ignoredApplicationData() {
        return ignoredApplicationData.get();
    }

    /**
     * Ends a connected association gracefully: queues a close_notify alert (RFC 5246 §7.2.1) for
     * {@link #pollTransmit()} and lets the handshake thread end. Write the alert, then call
     * {@link #close()}. Does nothing unless {@link State#CONNECTED}. May fire
     * {@link Listener#onTransmitReady} on the calling thread.
     */
    public void closeNotify() {
        DTLSTransport c = connection;
        if (c != null && state == State.CONNECTED && !closeRequested) {
            try {
                c.close();
            } catch (IOException e) {
                log.debug("DTLS {} close_notify failed: {}", handshake.role, e.toString());
            }
        }
    }

    /**
     * Stops the endpoint: wakes the handshake thread (interrupt plus closing its datagram queue) so it
     * ends promptly, releases queued outgoing datagrams, and fails a pending handshake with a
     * {@link DtlsHandshakeException}. Does not block and does not send close_notify. Idempotent.
     */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closeRequested) {
                return;
            }
            closeRequested = true;
            t = thread;
        }
        transport.closeReceive();
        transport.closeSend();
        if (t != null) {
            t.interrupt();
        } else {
            state = State.CLOSED;
            handshakeFuture.completeExceptionally(handshake.translate(null, true));
            terminated.countDown();
        }
    }

    /**
     * Waits for the handshake thread to end (it ends after failure, the peer's close_notify or {@link #close()}).
     *
     * @param timeout how long to wait at most
     * @return {@code true} if the thread has ended (or never started and the endpoint is closed)
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Handshake state, for tests in this package. */
    DtlsHandshake handshake() {
        return handshake;
    }

    @Override
    public String toString() {
        return "DtlsEndpoint{" + handshake.role + ", " + state + ", " + handshake.step() + '}';
    }

    private void run() {
        boolean connected = false;
        try {
            DTLSTransport dtls;
            if (handshake.role == DtlsRole.CLIENT) {
                handshake.step(DtlsHandshakeStep.AWAITING_SERVER_HELLO);
                dtls = new DTLSClientProtocol().connect(new DtlsHandshake.Client(handshake), transport);
            } else {
                handshake.step(DtlsHandshakeStep.AWAITING_CLIENT_HELLO);
                dtls = new DTLSServerProtocol().accept(new DtlsHandshake.Server(handshake), transport);
            }
            DtlsSrtpKeys keys = handshake.keys();
            handshake.step(DtlsHandshakeStep.COMPLETED);
            connected = true;
            connection = dtls;
            state = State.CONNECTED;
            notifyListener(l -> l.onHandshakeCompleted(this, keys));
            handshakeFuture.complete(keys);
            receiveUntilClosed(dtls);
        } catch (IOException | RuntimeException e) {
            if (!connected) {
                DtlsHandshakeException failure = handshake.translate(e, closeRequested);
                state = closeRequested ? State.CLOSED : State.FAILED;
                log.debug("{}", failure.getMessage());
                notifyListener(l -> l.onHandshakeFailed(this, failure));
                handshakeFuture.completeExceptionally(failure);
            } else if (!closeRequested && !transport.isClosedByProtocol()) {
                log.debug("DTLS {} connection ended: {}", handshake.role, e.toString());
            }
        } finally {
            if (state != State.FAILED) {
                state = State.CLOSED;
            }
            transport.closeReceive();
            notifyListener(l -> l.onClosed(this));
            terminated.countDown();
        }
    }

    /**
     * After the handshake the record layer must keep reading: it answers a peer that retransmits its
     * last flight (our Finished was lost) and handles close_notify. Application data is counted and
     * dropped. Ends with an exception when the transport closes.
     */
    private void receiveUntilClosed(DTLSTransport dtls) throws IOException {
        byte[] buf = new byte[dtls.getReceiveLimit()];
        while (!closeRequested) {
            if (dtls.receive(buf, 0, buf.length, 0) >= 0) { // waitMillis 0: no limit
                ignoredApplicationData.incrementAndGet();
            }
        }
    }

    private void onDatagramQueued() {
        notifyListener(l -> l.onTransmitReady(this));
    }

    private void notifyListener(Consumer<Listener> call) {
        Listener l = listener;
        try {
            call.accept(l);
        } catch (RuntimeException e) {
            log.warn("DTLS {} listener {} threw", handshake.role, l, e);
        }
    }
}
