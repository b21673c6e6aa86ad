package io.sluice.http.server;

import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.hub.StreamHub;
import io.sluice.webrtc.server.LoopingSource;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Publishes a real clip into a hub stream in real time from a background thread, looped: H.264 re-encoded
 * with a 1 s GOP and no B-frames (so 2 s segments can start at IDRs), AAC copied.
 */
public final class HubClip implements AutoCloseable {
    public static final Path RABBIT = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "bbb_rabbit_320x240_8s_h264_aac.mp4");

    private final Thread thread;
    private final LoopingSource source;
    private volatile StreamPipeline pipeline;
    /** What ended the publishing thread abnormally, or {@code null}. */
    public volatile Throwable failure;

    /** Starts publishing {@code loops} loops of {@link #RABBIT} to {@code stream} of {@code hub}, video at 500 kbit/s. */
    public HubClip(StreamHub hub, String stream, int loops) {
        this(hub, stream, loops, 500_000);
    }

    /** As {@link #HubClip(StreamHub, String, int)} with the video re-encoded at {@code videoBps} bit/s. */
    public HubClip(StreamHub hub, String stream, int loops, long videoBps) {
        source = new LoopingSource(RABBIT.toString(), loops);
        thread = new Thread(() -> {
            try {
                StreamPipeline p = StreamPipeline.builder().source(source).realtime(true)
                        .video(VideoEncoderConfig.builder().bitrateBps(videoBps).gop(Duration.ofSeconds(1)).build())
                        .copyAudio(true)
                        .transport(hub.transport(stream)).build();
                pipeline = p;
                p.start();
                p.completion().get();
            } catch (Throwable t) {
                failure = t;
            }
        }, "hub-clip-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Waits until {@code stream} of {@code hub} is published (its tracks known).
     *
     * @throws AssertionError if it is not within 20 s
     */
    public static void awaitPublished(StreamHub hub, String stream) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (hub.tracks(stream).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("'" + stream + "' never published");
            }
            Thread.sleep(20);
        }
    }

    /** Ends the clip (the publisher leaves the hub) and waits for the pipeline. */
    @Override
    public void close() throws InterruptedException {
        source.finish();
        thread.join(10_000);
        StreamPipeline p = pipeline;
        if (p != null) {
            p.close();
        }
        thread.join(10_000);
    }
}
