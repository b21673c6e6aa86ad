package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.flv.FlvMuxer;
import io.sluice.rtmp.message.ChunkStreamIds;
import io.sluice.rtmp.message.MessageTypeId;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The RTMP publish path for one frame, without the socket: {@link FlvMuxer#videoFrame} (FLV tag
 * body: header + retained slice of the payload) into an {@link RtmpMessage}, then
 * {@link ChunkEncoder#encode} into one reusable output buffer (cleared per frame), as
 * {@code RtmpChunkEncoder} does on the EventLoop. Frames are 6 Mbit/s-like: 25 KB video frames
 * (6 Mbit/s at 30 fps), chunk size 4096 (what the client announces). CPU time per MB sent =
 * score (µs/op) × 1 000 000 / frameBytes; allocation per frame from {@code -prof gc}
 * ({@code gc.alloc.rate.norm}, bytes per op).
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,transport-rtmp,benchmarks
 * java -jar benchmarks/target/benchmarks.jar RtmpPublishBenchmark -prof gc -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class RtmpPublishBenchmark {
    /** Frame payload size, bytes: 25 KB video frames (6 Mbit/s at 30 fps), 400 B AAC-like frames. */
    @Param({"25000", "400"})
    public int frameBytes;

    @Param({"4096"})
    public int chunkSize;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final ChunkEncoder encoder = new ChunkEncoder();
    private EncodedFrame frame;
    private ByteBuf out;
    private long timestampMs;

    @Setup
    public void setup() {
        TrackInfo track = TrackInfo.builder(0, Codec.H264).resolution(1280, 720)
                .codecConfig(new byte[] {1, 0x64, 0, 0x1f, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();
        byte[] payload = new byte[frameBytes];
        ThreadLocalRandom.current().nextBytes(payload);
        ByteBuf buf = alloc.directBuffer(frameBytes).writeBytes(payload);
        buf.setInt(0, frameBytes - 4); // one AVCC NAL unit
        frame = new EncodedFrame(track, buf, 66_000, 33_000, false, 0);
        encoder.setChunkSize(chunkSize);
        out = alloc.directBuffer(frameBytes + 2 * (frameBytes / chunkSize + 1) * 18 + 64);
    }

    @TearDown
    public void tearDown() {
        frame.release();
        out.release();
    }

    /** One video frame muxed and chunked; returns the bytes on the wire. */
    @Benchmark
    public int muxAndChunk() {
        ByteBuf body = FlvMuxer.videoFrame(frame, alloc);
        RtmpMessage message = new RtmpMessage(ChunkStreamIds.VIDEO, MessageTypeId.VIDEO, 1, timestampMs += 33, body);
        try {
            out.clear();
            encoder.encode(message, out);
            return out.readableBytes();
        } finally {
            message.release();
        }
    }
}
