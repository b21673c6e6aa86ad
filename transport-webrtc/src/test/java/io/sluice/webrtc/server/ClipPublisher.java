package io.sluice.webrtc.server;

import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.spi.Transport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Publishes a clip into a hub stream in real time, looped {@code runs} times as one source with
 * continuous timestamps, from a background thread.
 */
final class ClipPublisher implements AutoCloseable {
    static final Path RABBIT = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "bbb_rabbit_320x240_8s_h264_aac.mp4");

    private final Thread thread;
    private final List<StreamPipeline> pipelines = new ArrayList<>();
    private final List<LoopingSource> sources = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean stop;
    volatile Throwable failure;

    /**
     * @param opus true: H.264 passthrough + audio encoded to Opus; false: copy everything (AAC audio)
     */
    ClipPublisher(StreamHub hub, String stream, Path clip, int runs, boolean opus) {
        this(() -> hub.transport(stream), stream, clip, runs, opus);
    }

    /** Publishes to {@code transport} (made on the publisher thread), e.g. a WHIP client. */
    ClipPublisher(Supplier<Transport> transport, String stream, Path clip, int runs, boolean opus) {
        thread = new Thread(() -> {
            try {
                LoopingSource source = new LoopingSource(clip.toString(), runs);
                sources.add(source);
                StreamPipeline.Builder b = StreamPipeline.builder().source(source)
                        .realtime(true).transport(transport.get());
                if (opus) {
                    b.copyVideo(true).audio(AudioEncoderConfig.builder().codec(Codec.OPUS).bitrateBps(64_000).build());
                } else {
                    b.copy(true);
                }
                StreamPipeline p = b.build();
                synchronized (pipelines) {
                    pipelines.add(p);
                }
                p.start();
                p.completion().get();
            } catch (Throwable t) {
                if (!stop) {
                    failure = t;
                }
            }
        }, "clip-publisher-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        sources.forEach(LoopingSource::finish);
        thread.join(10_000); // the pipeline ends cleanly at the source's next read
        synchronized (pipelines) {
            for (StreamPipeline p : pipelines) {
                p.close();
            }
        }
        thread.join(20_000);
    }
}
