package io.sluice.benchmarks;

import io.sluice.codec.ffmpeg.AvRawFrame;
import io.sluice.codec.ffmpeg.FfmpegSource;
import io.sluice.codec.ffmpeg.FfmpegVideoEncoder;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.Delivery;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * One video frame through {@link FfmpegVideoEncoder#encode}: what the encoder stage of a pipeline
 * costs per frame, in time and in Java heap allocation ({@code -prof gc}, {@code gc.alloc.rate.norm}
 * bytes per operation = per encoded frame, including the input frame wrapper and the output
 * {@link EncodedFrame}).
 *
 * <pre>
 * mvn -q -Pgpl -DskipTests package -pl core,codec,benchmarks
 * java -jar benchmarks/target/benchmarks.jar VideoEncodeBenchmark -prof gc -f 1 -wi 3 -i 5
 * </pre>
 * Input: the first 60 decoded frames of {@code flower_960x540_5s_h264_aac.mp4} (from
 * {@code -Dsluice.shared.dir}, default {@code ../shared}), cycled with increasing timestamps.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class VideoEncodeBenchmark {
    @Param({"libx264", "libopenh264"})
    public String encoder;

    private final List<AvRawFrame> frames = new ArrayList<>();
    private TrackInfo input;
    private FfmpegVideoEncoder enc;
    private long n;
    private long bytes;
    private final Consumer<EncodedFrame> sink = f -> {
        bytes += f.size();
        f.release();
    };

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        Path clip = Path.of(System.getProperty("sluice.shared.dir", "../shared"), "media", "flower_960x540_5s_h264_aac.mp4");
        try (FfmpegSource source = FfmpegSource.of(clip.toString())) {
            List<TrackInfo> tracks = source.open();
            input = tracks.stream().filter(TrackInfo::isVideo).findFirst().orElseThrow();
            source.select(Map.of(input.trackId(), Delivery.DECODED));
            MediaFrame f;
            while (frames.size() < 60 && (f = source.read()) != null) {
                frames.add((AvRawFrame) f);
            }
        }
        enc = new FfmpegVideoEncoder(input, VideoEncoderConfig.builder().encoderName(encoder).bitrateBps(2_500_000)
                .gop(Duration.ofSeconds(2)).build(), 0);
    }

    @Benchmark
    public long encodeOneFrame() {
        AvRawFrame src = frames.get((int) (n % frames.size()));
        long ptsUs = n * 33_367;
        n++;
        AvRawFrame frame = AvRawFrame.cloneOf(0, MediaType.VIDEO, src.avFrame(), ptsUs, 0);
        try {
            enc.encode(frame, sink);
        } finally {
            frame.release();
        }
        return bytes;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        enc.flush(EncodedFrame::release);
        enc.close();
        frames.forEach(AvRawFrame::release);
        frames.clear();
    }
}
