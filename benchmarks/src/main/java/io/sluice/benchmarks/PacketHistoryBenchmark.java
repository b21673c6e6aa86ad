package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacketAllocator;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * {@link PacketHistory#put} as a WHEP viewer session uses it (one per viewer on the UDP thread): a
 * 2048-slot ring, 2 s of history, 1200-octet packets at 300 packets/s (≈ 2.9 Mbit/s), copies from an
 * {@link RtpPacketAllocator}. The ring holds ~600 packets, so the rest of it is empty: the cost of
 * eviction is what this measures. ns per packet.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar PacketHistoryBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PacketHistoryBenchmark {
    @Param({"2048"})
    public int capacity;

    private PacketHistory history;
    private ByteBuf packet;
    private int seq;
    private long nowUs;

    @Setup
    public void setup() {
        history = new PacketHistory(capacity, 2_000_000, new RtpPacketAllocator(1300, 4096));
        packet = Unpooled.buffer(1216);
        new RtpHeaderWriter(0x1234, 96).write(packet, 0, 0, false);
        packet.writeZero(1200 - packet.readableBytes());
    }

    @Benchmark
    public int put() {
        seq = (seq + 1) & 0xFFFF;
        packet.setShort(2, seq);
        nowUs += 3_333; // 300 packets a second
        history.put(packet, nowUs);
        return history.size();
    }

    @TearDown
    public void tearDown() {
        history.close();
        packet.release();
    }
}
