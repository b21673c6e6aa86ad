package io.sluice.webrtc.server;

import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.StreamPipeline;
import io.sluice.core.hub.StreamHub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a clip into a hub stream in real time, several times in a row: each run starts a little
 * before the previous one ends and replaces it (the hub must replace publishers), so the stream has
 * no gap; WHEP sessions rebase the timestamps.
 */
final class ClipPublisher implements AutoCloseable {
    static final Path RABBIT = Path.of(System.getProperty("sluice.shared.dir", "/work/shared"), "media",
            "bbb_rabbit_320x240_8s_h264_aac.mp4");

    private final Thread thread;
    private final List<StreamPipeline> pipelines = new ArrayList<>();
    private volatile boolean stop;
    volatile Throwable failure;

    /**
     * @param opus true: H.264 passthrough + audio encoded to Opus; false: copy everything (AAC audio)
     */
    ClipPublisher(StreamHub hub, String stream, Path clip, int runs, Duration clipLength, boolean opus) {
        thread = new Thread(() -> {
            try {
                for (int i = 0; i < runs && !stop; i++) {
                    StreamPipeline.Builder b = StreamPipeline.builder().source(MediaSources.open(clip.toString()))
                            .realtime(true).transport(hub.transport(stream));
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
                    long waitMs = clipLength.toMillis() - 250;
                    try {
                        p.completion().get(waitMs, TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.TimeoutException e) {
                        // expected: start the next run just before this one ends
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }, "clip-publisher-" + stream);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(20_000);
        synchronized (pipelines) {
            for (StreamPipeline p : pipelines) {
                p.close();
            }
        }
    }
}
