package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.rtp.RtpPacketAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * {@link H264Packetizer} (NAL_AWARE, 1200-octet payloads, 16 octets SRTP tail room) over one access unit: a 30 KB IDR (STAP-A with SPS/PPS, then
 * FU-A fragments) or a 5 KB P frame, with the MID, abs-send-time and transport-cc header extensions.
 * Packets come from {@code pooled} heap buffers ({@code PooledByteBufAllocator}, as the WHIP client
 * uses) or from an {@link RtpPacketAllocator} of {@link H264Packetizer#maxPacketLength()} octets
 * ({@code packet}), and are released after each operation. Throughput = µs per access unit; allocation per
 * access unit from {@code -prof gc} ({@code gc.alloc.rate.norm}).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar H264PacketizerBenchmark -prof gc -f 1 -wi 3 -i 5 -w 1 -r 1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class H264PacketizerBenchmark {
    static final byte[] SPS = {0x67, 0x42, (byte) 0xC0, 0x1E, (byte) 0xD9, 0x00, (byte) 0xA0, 0x47, (byte) 0xFE, (byte) 0xC8};
    static final byte[] PPS = {0x68, (byte) 0xCE, 0x3C, (byte) 0x80};

    @Param({"IDR_30KB", "P_5KB"})
    public String frame;

    @Param({"pooled", "packet"})
    public String allocator;

    private H264Packetizer packetizer;
    private EncodedFrame accessUnit;
    private final List<ByteBuf> out = new ArrayList<>(64);
    private long pts;

    @Setup
    public void setup() {
        boolean idr = frame.startsWith("IDR");
        int size = idr ? 30_000 : 5_000;
        byte[] config = new byte[8 + SPS.length + 3 + PPS.length];
        int i = 0;
        for (byte b : new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, (byte) SPS.length}) {
            config[i++] = b;
        }
        System.arraycopy(SPS, 0, config, i, SPS.length);
        i += SPS.length;
        config[i++] = 1;
        config[i++] = 0;
        config[i++] = (byte) PPS.length;
        System.arraycopy(PPS, 0, config, i, PPS.length);
        TrackInfo track = TrackInfo.builder(0, Codec.H264).resolution(1280, 720).codecConfig(config).build();
        byte[] nal = new byte[size];
        new Random(1).nextBytes(nal);
        nal[0] = (byte) (idr ? 0x65 : 0x41);
        ByteBuf payload = Unpooled.buffer(size + 4).writeInt(size).writeBytes(nal);
        accessUnit = new EncodedFrame(track, payload, 0, idr);
        RtpHeaderWriter header = new RtpHeaderWriter(0x1234, 96).mid(1, "0").absSendTime(2).transportSequenceNumber(3);
        int maxPacket = H264Packetizer.builder(header).tailRoom(16).maxPayloadSize(1200).build().maxPacketLength();
        ByteBufAllocator alloc = allocator.equals("packet") ? new RtpPacketAllocator(maxPacket, 256)
                : new PooledByteBufAllocator(false);
        packetizer = H264Packetizer.builder(header).allocator(alloc).tailRoom(16).maxPayloadSize(1200).build();
    }

    /** Packetizes one access unit and releases the packets. */
    @Benchmark
    public int packetize() {
        out.clear();
        int n = packetizer.packetize(accessUnit, out);
        for (int i = 0; i < n; i++) {
            out.get(i).release();
        }
        return n;
    }

    @TearDown
    public void tearDown() {
        accessUnit.release();
    }
}
