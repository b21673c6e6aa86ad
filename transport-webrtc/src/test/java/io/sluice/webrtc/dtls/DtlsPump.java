package io.sluice.webrtc.dtls;

import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Moves datagrams between two endpoints in memory, like a network with seeded random loss and
 * reordering. Runs on the test thread; releases every datagram it takes.
 */
final class DtlsPump {
    private final DtlsEndpoint a;
    private final DtlsEndpoint b;
    private final Random random;
    private final double lossRate;
    private final double reorderRate;
    int delivered;
    int dropped;
    int reordered;
    int largestDatagram;

    /**
     * @param lossRate probability (0..1) that a datagram is dropped
     * @param reorderRate probability (0..1) that a datagram is held back behind the next one in its direction
     */
    DtlsPump(DtlsEndpoint a, DtlsEndpoint b, long seed, double lossRate, double reorderRate) {
        this.a = a;
        this.b = b;
        this.random = new Random(seed);
        this.lossRate = lossRate;
        this.reorderRate = reorderRate;
    }

    /** A lossless, in-order pump. */
    static DtlsPump perfect(DtlsEndpoint a, DtlsEndpoint b) {
        return new DtlsPump(a, b, 0, 0, 0);
    }

    /** Pumps until both handshake futures are done. */
    void untilHandshakesDone(Duration limit) throws InterruptedException {
        until(() -> a.handshakeFuture().isDone() && b.handshakeFuture().isDone(), limit);
    }

    /**
     * Pumps until {@code done} holds or {@code limit} passes, then delivers what is still held back.
     *
     * @throws AssertionError if the limit passes
     */
    void until(BooleanSupplier done, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        List<ByteBuf> heldAtoB = new ArrayList<>();
        List<ByteBuf> heldBtoA = new ArrayList<>();
        try {
            while (!done.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("pump limit " + limit + " passed: " + a + " / " + b);
                }
                boolean moved = move(a, b, heldAtoB) | move(b, a, heldBtoA);
                if (!moved) {
                    Thread.sleep(1);
                }
            }
        } finally {
            flush(heldAtoB, b);
            flush(heldBtoA, a);
        }
    }

    /** Delivers everything waiting in {@code from}'s transmit queue to {@code to}, losslessly. */
    static int drain(DtlsEndpoint from, DtlsEndpoint to) {
        int n = 0;
        for (ByteBuf d = from.pollTransmit(); d != null; d = from.pollTransmit()) {
            try {
                if (to != null) {
                    to.handleDatagram(d);
                }
                n++;
            } finally {
                d.release();
            }
        }
        return n;
    }

    private boolean move(DtlsEndpoint from, DtlsEndpoint to, List<ByteBuf> held) {
        boolean moved = false;
        for (ByteBuf d = from.pollTransmit(); d != null; d = from.pollTransmit()) {
            moved = true;
            double r = random.nextDouble();
            if (r < lossRate) {
                dropped++;
                d.release();
                continue;
            }
            if (held.isEmpty() && random.nextDouble() < reorderRate) {
                reordered++;
                held.add(d); // overtaken by the next datagram
                continue;
            }
            deliver(d, to);
            flush(held, to);
        }
        return moved;
    }

    private void flush(List<ByteBuf> held, DtlsEndpoint to) {
        for (ByteBuf d : held) {
            deliver(d, to);
        }
        held.clear();
    }

    private void deliver(ByteBuf d, DtlsEndpoint to) {
        try {
            largestDatagram = Math.max(largestDatagram, d.readableBytes());
            to.handleDatagram(d);
            delivered++;
        } finally {
            d.release();
        }
    }
}
