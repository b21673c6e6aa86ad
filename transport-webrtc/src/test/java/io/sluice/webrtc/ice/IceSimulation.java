package io.sluice.webrtc.ice;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.webrtc.stun.StunClass;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunMethod;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;

/**
 * An in-memory network with simulated time between an {@link IceControllingAgent} and an
 * {@link IceLiteAgent} (and optionally a STUN server that maps the client through a NAT).
 */
final class IceSimulation {
    /** Decides whether a datagram is lost. */
    interface Loss {
        boolean drop(long nowNanos, InetSocketAddress from, InetSocketAddress to);
    }

    private record InFlight(long at, long seq, InetSocketAddress from, InetSocketAddress to, byte[] bytes) {
    }

    static final long LATENCY = TimeUnit.MILLISECONDS.toNanos(10);
    static final InetSocketAddress NAT_PUBLIC_IP = addr("198.51.100.7", 0);

    final IceControllingAgent client;
    final IceLiteAgent server;
    final InetSocketAddress serverAddress;
    final InetSocketAddress stunServer;
    final List<IceEvent> clientEvents = new ArrayList<>();
    final List<IceEvent> serverEvents = new ArrayList<>();
    final List<IceDatagramResult> serverResults = new ArrayList<>();
    long now;
    long clientConnectedAt = Long.MIN_VALUE;
    Loss loss = (t, f, to) -> false;
    int delivered;
    private long seq;
    private final PriorityQueue<InFlight> network = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));

    IceSimulation(IceControllingAgent client, IceLiteAgent server, InetSocketAddress serverAddress,
                  InetSocketAddress stunServer, long startNanos) {
        this.client = client;
        this.server = server;
        this.serverAddress = serverAddress;
        this.stunServer = stunServer;
        this.now = startNanos;
    }

    static InetSocketAddress addr(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs until {@code durationNanos} of simulated time have passed. */
    void runFor(long durationNanos) {
        long end = now + durationNanos;
        for (int guard = 0; ; guard++) {
            if (guard > 1_000_000) {
                fail("simulation does not advance at " + now);
            }
            drain();
            long next = Math.min(Math.min(client.pollTimeoutNanos(), server.pollTimeoutNanos()),
                    network.isEmpty() ? Long.MAX_VALUE : network.peek().at);
            if (next > end) {
                now = end;
                return;
            }
            now = Math.max(now, next);
            while (!network.isEmpty() && network.peek().at <= now) {
                deliver(network.poll());
            }
            if (client.pollTimeoutNanos() <= now) {
                client.handleTimeout(now);
            }
            if (server.pollTimeoutNanos() <= now) {
                server.handleTimeout(now);
            }
        }
    }

    private void drain() {
        Transmit t;
        while ((t = client.pollTransmit()) != null) {
            schedule(t);
        }
        while ((t = server.pollTransmit()) != null) {
            schedule(t);
        }
        IceEvent e;
        while ((e = client.pollEvent()) != null) {
            if (e.equals(new IceEvent.StateChanged(IceConnectionState.CONNECTED))) {
                clientConnectedAt = now;
            }
            clientEvents.add(e);
        }
        while ((e = server.pollEvent()) != null) {
            serverEvents.add(e);
        }
    }

    private void schedule(Transmit t) {
        byte[] bytes = new byte[t.content().readableBytes()];
        t.content().readBytes(bytes);
        t.content().release();
        if (!loss.drop(now, t.source(), t.destination())) {
            network.add(new InFlight(now + LATENCY, seq++, t.source(), t.destination(), bytes));
        }
    }

    private void deliver(InFlight p) {
        ByteBuf buf = Unpooled.wrappedBuffer(p.bytes);
        try {
            delivered++;
            if (p.to.equals(serverAddress)) {
                serverResults.add(server.handleDatagram(now, p.from, buf));
            } else if (p.to.equals(stunServer)) {
                StunMessage req = StunMessage.decode(buf, null);
                // The NAT keeps the port and rewrites the address.
                InetSocketAddress mapped = new InetSocketAddress(NAT_PUBLIC_IP.getAddress(), p.from.getPort());
                byte[] resp = StunMessage.builder(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING,
                        req.transactionId()).xorMappedAddress(mapped).fingerprint().toByteArray();
                network.add(new InFlight(now + LATENCY, seq++, stunServer, p.from, resp));
            } else if (client.localCandidates().stream()
                    .anyMatch(c -> c.socketAddress().orElseThrow().equals(p.to))) {
                client.handleDatagram(now, p.from, p.to, buf);
            }
            // anything else: unreachable, dropped
        } finally {
            buf.release();
        }
    }

    void close() {
        client.close();
        server.close();
    }
}
