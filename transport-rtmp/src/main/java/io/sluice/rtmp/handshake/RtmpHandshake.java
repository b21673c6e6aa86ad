package io.sluice.rtmp.handshake;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.Queue;
import java.util.Random;

/**
 * The RTMP simple handshake (RTMP spec §5.2) as a sans-IO state machine, for either side:
 * {@link #client()} sends C0+C1, reads S0+S1, sends C2, reads S2; {@link #server()} reads C0+C1,
 * sends S0+S1+S2, reads C2.
 *
 * <pre>
 * C0/S0: 1 byte, version = 3
 * C1/S1: 1536 bytes = time (4, ms, big-endian) | zero (4) | random (1528)
 * C2/S2: 1536 bytes = time (4, the peer's C1/S1 time) | time2 (4, when it was read) | random echo (1528)
 * </pre>
 *
 * <p>Usage: {@link #feed(ByteBuf)} received bytes, then {@link #pollOutbound()} until it returns
 * {@code null} and send what it returns; repeat until {@link #isComplete()}. The handshake
 * consumes exactly its own bytes: whatever {@code feed} left unread in the buffer after
 * completion (the first chunks, which a client may pipeline right after C2) belongs to the chunk
 * stream and is the caller's to pass on.
 *
 * <p>The echo in C2/S2 is not enforced: servers that answer with the complex (digest)
 * handshake, as Flash Media Server and nginx-rtmp may, still work; {@link #peerEchoMatched()}
 * tells whether the peer echoed our random bytes. A version other than 3 is rejected. Timeouts
 * are the transport's job. Time is never read from a clock: it is given at construction.
 *
 * <p>Not thread-safe; confine to one EventLoop.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#52-handshake">RTMP spec §5.2 Handshake</a>
 */
public final class RtmpHandshake {
    /** The RTMP version byte of C0/S0 (§5.2.2). */
    public static final int VERSION = 3;
    /** Size of C1, S1, C2 and S2 in bytes (§5.2.3, §5.2.4). */
    public static final int HANDSHAKE_SIZE = 1536;
    private static final int RANDOM_OFFSET = 8;

    private enum Role { CLIENT, SERVER }

    private enum State {
        /** Awaiting the peer's version byte (C0 or S0). */
        VERSION,
        /** Awaiting C1 or S1. */
        PEER_RANDOM,
        /** Awaiting the peer's echo (C2 or S2). */
        PEER_ECHO,
        COMPLETE,
        FAILED
    }

    private final Role role;
    private final long timeMs;
    private final byte[] own = new byte[HANDSHAKE_SIZE];
    private final byte[] pending = new byte[HANDSHAKE_SIZE];
    private final Queue<ByteBuf> outbound = new ArrayDeque<>();
    private int filled;
    private State state = State.VERSION;
    private boolean peerEchoMatched;

    private RtmpHandshake(Role role, long timeMs, Random random) {
        this.role = role;
        this.timeMs = timeMs;
        Objects.requireNonNull(random, "random");
        putInt(own, 0, (int) timeMs);
        // bytes 4..7 stay zero (§5.2.3)
        byte[] rnd = new byte[HANDSHAKE_SIZE - RANDOM_OFFSET];
        random.nextBytes(rnd);
        System.arraycopy(rnd, 0, own, RANDOM_OFFSET, rnd.length);
        if (role == Role.CLIENT) {
            ByteBuf c0c1 = Unpooled.buffer(1 + HANDSHAKE_SIZE);
            c0c1.writeByte(VERSION).writeBytes(own);
            outbound.add(c0c1);
        }
    }

    /** A client handshake with time 0 and random bytes from a {@link SecureRandom}. C0+C1 are ready to poll at once. */
    public static RtmpHandshake client() {
        return new RtmpHandshake(Role.CLIENT, 0, new SecureRandom());
    }

    /**
     * A client handshake.
     *
     * @param timeMs the C1 time field and C2 time2 field, ms (any epoch; only its low 32 bits are sent)
     * @param random source of the 1528 random bytes
     */
    public static RtmpHandshake client(long timeMs, Random random) {
        return new RtmpHandshake(Role.CLIENT, timeMs, random);
    }

    /** A server handshake with time 0 and random bytes from a {@link SecureRandom}. */
    public static RtmpHandshake server() {
        return new RtmpHandshake(Role.SERVER, 0, new SecureRandom());
    }

    /**
     * A server handshake.
     *
     * @param timeMs the S1 time field and S2 time2 field, ms
     * @param random source of the 1528 random bytes
     */
    public static RtmpHandshake server(long timeMs, Random random) {
        return new RtmpHandshake(Role.SERVER, timeMs, random);
    }

    /**
     * Consumes handshake bytes from {@code in}, as many as the handshake still needs and no more.
     * Does nothing once complete.
     *
     * @param in received bytes; borrowed (its reader index advances past the consumed bytes)
     * @throws RtmpProtocolException if the peer's version byte is not 3
     * @throws IllegalStateException if the handshake failed before
     */
    public void feed(ByteBuf in) {
        if (state == State.FAILED) {
            throw new IllegalStateException("handshake failed; no more input accepted");
        }
        while (state != State.COMPLETE && in.isReadable()) {
            if (state == State.VERSION) {
                int version = in.readUnsignedByte();
                if (version != VERSION) {
                    state = State.FAILED;
                    releaseOutbound();
                    throw new RtmpProtocolException("RTMP version: " + version + " (expected: " + VERSION + ")"
                            + (version == 6 ? "; RTMPE is not supported" : ""));
                }
                state = State.PEER_RANDOM;
                continue;
            }
            int n = Math.min(in.readableBytes(), HANDSHAKE_SIZE - filled);
            in.readBytes(pending, filled, n);
            filled += n;
            if (filled < HANDSHAKE_SIZE) {
                return;
            }
            filled = 0;
            if (state == State.PEER_RANDOM) {
                onPeerRandom();
                state = State.PEER_ECHO;
            } else {
                peerEchoMatched = Arrays.equals(pending, RANDOM_OFFSET, HANDSHAKE_SIZE, own, RANDOM_OFFSET, HANDSHAKE_SIZE);
                state = State.COMPLETE;
            }
        }
    }

    /** Builds our echo of the peer's C1/S1 (now in {@code pending}) and queues what to send. */
    private void onPeerRandom() {
        ByteBuf out = Unpooled.buffer(role == Role.SERVER ? 1 + 2 * HANDSHAKE_SIZE : HANDSHAKE_SIZE);
        if (role == Role.SERVER) {
            out.writeByte(VERSION).writeBytes(own); // S0 + S1
        }
        out.writeBytes(pending, 0, 4); // time: the peer's
        out.writeInt((int) timeMs); // time2: when we read it
        out.writeBytes(pending, RANDOM_OFFSET, HANDSHAKE_SIZE - RANDOM_OFFSET); // random echo
        outbound.add(out);
    }

    /**
     * The next bytes to send, or {@code null} if there are none now.
     *
     * @return bytes owned by the caller (write them to the peer, which releases them)
     */
    public ByteBuf pollOutbound() {
        return outbound.poll();
    }

    /** Whether the peer's C2 (server) or S2 (client) was received; the chunk stream starts now. */
    public boolean isComplete() {
        return state == State.COMPLETE;
    }

    /** Whether the peer's C2/S2 echoed our random bytes exactly; meaningful once {@link #isComplete()}. */
    public boolean peerEchoMatched() {
        return peerEchoMatched;
    }

    /** Releases bytes not yet polled; call when abandoning the handshake. Idempotent. */
    public void releaseOutbound() {
        for (ByteBuf b; (b = outbound.poll()) != null; ) {
            b.release();
        }
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }
}
