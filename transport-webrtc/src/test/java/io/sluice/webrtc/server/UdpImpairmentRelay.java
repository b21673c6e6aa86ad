package io.sluice.webrtc.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A UDP proxy on loopback between one browser and the server: drops a fraction of datagrams in
 * both directions (seeded), and can corrupt the last byte of every n-th SRTP/SRTCP datagram from
 * the browser (a bad authentication tag). The server advertises the relay's port as its candidate.
 */
final class UdpImpairmentRelay implements AutoCloseable {
    private final DatagramChannel channel;
    private final Thread thread;
    private final Random random;
    private final double dropRate;
    private final int corruptEvery;
    private volatile InetSocketAddress server;
    private volatile SocketAddress client;
    /** While true, every datagram in both directions is dropped (a link outage). */
    volatile boolean blackout;
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong forwarded = new AtomicLong();
    final AtomicLong corrupted = new AtomicLong();

    UdpImpairmentRelay(double dropRate, long seed, int corruptEvery) throws IOException {
        this.dropRate = dropRate;
        this.random = new Random(seed);
        this.corruptEvery = corruptEvery;
        channel = DatagramChannel.open();
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        thread = new Thread(this::run, "udp-impairment-relay");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    void target(InetSocketAddress server) {
        this.server = server;
    }

    private void run() {
        ByteBuffer buf = ByteBuffer.allocate(65536);
        long fromClient = 0;
        try {
            while (channel.isOpen()) {
                buf.clear();
                SocketAddress from = channel.receive(buf);
                buf.flip();
                InetSocketAddress s = server;
                if (s == null) {
                    continue;
                }
                boolean fromServer = from.equals(s);
                if (!fromServer) {
                    client = from;
                }
                if (blackout || random.nextDouble() < dropRate) {
                    dropped.incrementAndGet();
                    continue;
                }
                int first = buf.limit() > 0 ? buf.get(0) & 0xFF : 0;
                if (!fromServer && corruptEvery > 0 && first >= 128 && first <= 191 && ++fromClient % corruptEvery == 0) {
                    buf.put(buf.limit() - 1, (byte) (buf.get(buf.limit() - 1) ^ 0x5A));
                    corrupted.incrementAndGet();
                }
                SocketAddress to = fromServer ? client : s;
                if (to != null) {
                    channel.send(buf, to);
                    forwarded.incrementAndGet();
                }
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        channel.close();
        thread.join(2000);
    }
}
