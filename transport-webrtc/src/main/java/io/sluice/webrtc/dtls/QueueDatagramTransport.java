package io.sluice.webrtc.dtls;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.tls.DatagramTransport;

/**
 * The {@link DatagramTransport} Bouncy Castle's blocking DTLS protocol runs over: received
 * datagrams are copied into a bounded queue that {@link #receive} blocks on (on the endpoint's
 * handshake thread), and sent datagrams are copied into {@code ByteBuf}s that the owner polls.
 *
 * <p>Thread-safe: {@link #offerReceived}, {@link #pollSend} and {@link #close} may be called from
 * any thread; {@link #receive} and {@link #send} are called by Bouncy Castle on the handshake thread.
 */
final class QueueDatagramTransport implements DatagramTransport {
    /** Received datagrams held at most before new ones are dropped. */
    static final int RECEIVE_QUEUE_CAPACITY = 256;
    /** Smallest receive limit: a peer with a larger MTU than ours may still send 1500-byte datagrams. */
    private static final int MIN_RECEIVE_LIMIT = 1500;
    /** Wakes {@link #receive} when the transport closes. */
    private static final byte[] CLOSED_MARKER = new byte[0];

    /** Thrown from {@link #receive}/{@link #send} once closed; an {@code InterruptedIOException} so Bouncy Castle sends no alert. */
    static final class TransportClosedException extends InterruptedIOException {
        private static final long serialVersionUID = 1L;

        TransportClosedException() {
            super("DTLS transport closed");
        }
    }

    /** Called on the handshake thread after a datagram was queued for sending. */
    interface SendListener {
        void datagramQueued();
    }

    private final int mtuBytes;
    private final ByteBufAllocator allocator;
    private final SendListener sendListener;
    private final LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>(RECEIVE_QUEUE_CAPACITY);
    private final ArrayDeque<ByteBuf> toSend = new ArrayDeque<>(); // guarded by itself
    private final AtomicLong droppedDatagrams = new AtomicLong();
    private volatile boolean receiveClosed;
    private volatile boolean closedByProtocol;
    private boolean sendClosed; // guarded by toSend

    QueueDatagramTransport(int mtuBytes, ByteBufAllocator allocator, SendListener sendListener) {
        this.mtuBytes = mtuBytes;
        this.allocator = allocator;
        this.sendListener = sendListener;
    }

    /** Copies a received datagram (readable bytes; indexes untouched) into the queue, or drops it if full or closed. */
    void offerReceived(ByteBuf datagram) {
        if (receiveClosed || !datagram.isReadable()) {
            droppedDatagrams.incrementAndGet();
            return;
        }
        byte[] copy = ByteBufUtil.getBytes(datagram, datagram.readerIndex(), datagram.readableBytes());
        if (!received.offer(copy)) {
            droppedDatagrams.incrementAndGet();
        }
    }

    /** The next datagram to send, owned by the caller, or {@code null}. */
    ByteBuf pollSend() {
        synchronized (toSend) {
            return toSend.poll();
        }
    }

    /** Received datagrams dropped: queue full, empty, or after close. */
    long droppedDatagrams() {
        return droppedDatagrams.get();
    }

    /** {@code true} once Bouncy Castle closed the transport (close_notify exchanged or a fatal alert). */
    boolean isClosedByProtocol() {
        return closedByProtocol;
    }

    /** Stops {@link #receive}: it throws {@link TransportClosedException} from now on. Idempotent. */
    void closeReceive() {
        receiveClosed = true;
        received.clear();
        received.offer(CLOSED_MARKER);
    }

    /** Releases queued outgoing datagrams and drops any sent later. Idempotent. */
    void closeSend() {
        List<ByteBuf> pending;
        synchronized (toSend) {
            sendClosed = true;
            pending = new ArrayList<>(toSend);
            toSend.clear();
        }
        for (ByteBuf b : pending) {
            b.release();
        }
    }

    @Override
    public int getReceiveLimit() {
        return Math.max(mtuBytes, MIN_RECEIVE_LIMIT);
    }

    @Override
    public int getSendLimit() {
        return mtuBytes;
    }

    /** Blocks for the next datagram; a {@code waitMillis} of 0 waits without limit. Returns -1 on timeout. */
    @Override
    public int receive(byte[] buf, int off, int len, int waitMillis) throws InterruptedIOException {
        if (receiveClosed) {
            throw new TransportClosedException();
        }
        byte[] datagram;
        try {
            datagram = waitMillis == 0 ? received.take() : received.poll(waitMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransportClosedException();
        }
        if (datagram == null) {
            return -1;
        }
        if (datagram == CLOSED_MARKER) {
            received.offer(CLOSED_MARKER); // keep waking later calls
            throw new TransportClosedException();
        }
        int n = Math.min(len, datagram.length);
        System.arraycopy(datagram, 0, buf, off, n);
        return n;
    }

    @Override
    public void send(byte[] buf, int off, int len) throws InterruptedIOException {
        ByteBuf datagram = allocator.buffer(len, len).writeBytes(buf, off, len);
        synchronized (toSend) {
            if (!sendClosed) {
                toSend.add(datagram);
                datagram = null;
            }
        }
        if (datagram != null) {
            datagram.release();
            throw new TransportClosedException();
        }
        sendListener.datagramQueued();
    }

    /** Called by Bouncy Castle when the DTLS connection ends; the outgoing queue stays pollable (close_notify). */
    @Override
    public void close() {
        closedByProtocol = true;
        closeReceive();
    }
}
