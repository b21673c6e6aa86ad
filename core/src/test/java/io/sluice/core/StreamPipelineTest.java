package io.sluice.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.spi.Delivery;
import io.sluice.core.spi.Encoder;
import io.sluice.core.spi.EncoderProvider;
import io.sluice.core.spi.FrameTransform;
import io.sluice.core.spi.MediaSource;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.TransportStats;
import io.sluice.core.time.ManualTicker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Pipeline scheduling with in-memory stand-ins for source, encoder and transport (the FFmpeg-backed
 * ones are tested end to end in the codec module).
 */
class StreamPipelineTest {

    /** Emits {@code count} video frames (keyframe every 10) and as many audio frames, raw or encoded. */
    static class ScriptedSource implements MediaSource {
        final int count;
        final boolean encoded;
        final long sleepMillisPerFrame;
        final AtomicBoolean closed = new AtomicBoolean();
        volatile boolean aborted;
        int next;
        Map<Integer, Delivery> delivery;

        ScriptedSource(int count, boolean encoded, long sleepMillisPerFrame) {
            this.count = count;
            this.encoded = encoded;
            this.sleepMillisPerFrame = sleepMillisPerFrame;
        }

        @Override
        public String name() {
            return "scripted:" + count;
        }

        @Override
        public List<TrackInfo> open() {
            return List.of(EncodedFrameQueueTest.VIDEO, EncodedFrameQueueTest.AUDIO);
        }

        @Override
        public void select(Map<Integer, Delivery> delivery) {
            this.delivery = delivery;
        }

        @Override
        public boolean isLive() {
            return false;
        }

        @Override
        public MediaFrame read() throws InterruptedException {
            if (aborted || next >= 2 * count) {
                return null;
            }
            if (sleepMillisPerFrame > 0) {
                Thread.sleep(sleepMillisPerFrame);
            }
            int i = next++;
            boolean video = i % 2 == 0;
            long n = i / 2;
            if (encoded) {
                return video ? EncodedFrameQueueTest.video(n, n % 10 == 0) : EncodedFrameQueueTest.audio(n);
            }
            return new TestRawFrame(video ? 0 : 1, video ? MediaType.VIDEO : MediaType.AUDIO, n * (video ? 33_333 : 21_333));
        }

        @Override
        public void abort() {
            aborted = true;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    static final class TestRawFrame extends RawFrame {
        TestRawFrame(int trackId, MediaType type, long ptsUs) {
            super(trackId, type, ptsUs, System.nanoTime());
        }

        @Override
        public int width() {
            return 320;
        }

        @Override
        public int height() {
            return 240;
        }

        @Override
        public int sampleCount() {
            return 1024;
        }

        @Override
        public int sampleRate() {
            return 48000;
        }

        @Override
        public int channels() {
            return 2;
        }

        @Override
        protected void deallocate() {
        }
    }

    /** "Encodes" a raw frame into an 8-byte payload holding its PTS; keyframe every 10 video frames. */
    static final class CountingEncoderProvider implements EncoderProvider {
        final List<AtomicBoolean> closed = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger keyframeRequests = new AtomicInteger();

        @Override
        public Encoder createVideoEncoder(TrackInfo input, VideoEncoderConfig config, int outputTrackId) {
            return encoder(TrackInfo.builder(outputTrackId, config.codec()).resolution(input.width(), input.height()).build());
        }

        @Override
        public Encoder createAudioEncoder(TrackInfo input, AudioEncoderConfig config, int outputTrackId) {
            return encoder(TrackInfo.builder(outputTrackId, config.codec()).audio(48000, 2).build());
        }

        private Encoder encoder(TrackInfo out) {
            AtomicBoolean isClosed = new AtomicBoolean();
            closed.add(isClosed);
            return new Encoder() {
                int n;
                long bitrate = 1;

                @Override
                public TrackInfo outputTrack() {
                    return out;
                }

                @Override
                public void encode(RawFrame frame, Consumer<EncodedFrame> sink) {
                    boolean key = out.isAudio() || n++ % 10 == 0;
                    sink.accept(new EncodedFrame(out, Unpooled.buffer(8).writeLong(frame.ptsUs()), frame.ptsUs(),
                            frame.ptsUs(), key, frame.createdNanos()));
                }

                @Override
                public void flush(Consumer<EncodedFrame> sink) {
                }

                @Override
                public void setTargetBitrate(long bitrateBps) {
                    bitrate = bitrateBps;
                }

                @Override
                public long targetBitrate() {
                    return bitrate;
                }

                @Override
                public void requestKeyframe() {
                    keyframeRequests.incrementAndGet();
                }

                @Override
                public void close() {
                    isClosed.set(true);
                }
            };
        }
    }

    /** Collects frames; optionally slow. */
    static final class CollectingTransport implements Transport {
        final List<EncodedFrame> frames = Collections.synchronizedList(new ArrayList<>());
        final AtomicBoolean closed = new AtomicBoolean();
        final long sleepMillisPerFrame;
        volatile List<TrackInfo> tracks;
        volatile TransportFeedback feedback;

        CollectingTransport(long sleepMillisPerFrame) {
            this.sleepMillisPerFrame = sleepMillisPerFrame;
        }

        @Override
        public URI uri() {
            return URI.create("test://collect");
        }

        @Override
        public void open(List<TrackInfo> tracks, TransportFeedback feedback) {
            this.tracks = tracks;
            this.feedback = feedback;
            feedback.onStateChanged(TransportState.CONNECTED, null);
        }

        @Override
        public boolean send(EncodedFrame frame) {
            try {
                if (sleepMillisPerFrame > 0) {
                    Thread.sleep(sleepMillisPerFrame);
                }
                frames.add(frame.copy());
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                frame.release();
            }
        }

        @Override
        public TransportStats stats() {
            return new TransportStats(closed.get() ? TransportState.CLOSED : TransportState.CONNECTED, 0, frames.size(), 0, 0, 0);
        }

        @Override
        public void close() {
            closed.set(true);
        }

        void releaseAll() {
            synchronized (frames) {
                frames.forEach(EncodedFrame::release);
                frames.clear();
            }
        }
    }

    @Test
    void passthroughDeliversEveryFrameInOrderAndCompletes() {
        ScriptedSource source = new ScriptedSource(300, true, 0);
        CollectingTransport transport = new CollectingTransport(0);
        try (StreamPipeline p = StreamPipeline.builder().source(source).copy(true).transport(transport).build()) {
            p.start();
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(Delivery.ENCODED, source.delivery.get(0));
            assertEquals(600, transport.frames.size());
            assertTrue(transport.closed.get(), "transport closed at the end of input");
            assertTrue(source.closed.get());
            long[] lastPts = {-1, -1};
            for (EncodedFrame f : transport.frames) {
                assertTrue(f.ptsUs() > lastPts[f.trackId()], "per-track order");
                lastPts[f.trackId()] = f.ptsUs();
            }
            PipelineStats stats = p.stats();
            assertEquals(300, stats.tracks().get(0).framesOut());
        } finally {
            transport.releaseAll();
        }
    }

    @Test
    void framesOutCountsWhatLeavesTheTransformsNotWhatEntersThem() {
        ScriptedSource source = new ScriptedSource(300, true, 0);
        CollectingTransport transport = new CollectingTransport(0);
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        FrameTransform dropOdd = frame -> {
            if (frame.track().isVideo() && seen.getAndIncrement() % 2 == 1) {
                frame.release(); // a decryptor without the key drops like this
                return null;
            }
            return frame;
        };
        try (StreamPipeline p = StreamPipeline.builder().source(source).copy(true).transform(dropOdd).transport(transport).build()) {
            p.start();
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            long videoSent = transport.frames.stream().filter(f -> f.track().isVideo()).count();
            PipelineStats.Track video = p.stats().tracks().stream().filter(t -> t.track().isVideo()).findFirst().orElseThrow();
            assertEquals(150, videoSent, "the transform dropped every other video frame");
            assertEquals(videoSent, video.framesOut(), "framesOut counts after the transforms");
            assertEquals(300, video.framesIn());
        } finally {
            transport.releaseAll();
        }
    }

    /** Records the order of transform calls and appends a marker byte to each payload. */
    static final class MarkingTransform implements FrameTransform {
        final byte marker;
        final List<String> calls;
        final AtomicBoolean closed = new AtomicBoolean();

        MarkingTransform(byte marker, List<String> calls) {
            this.marker = marker;
            this.calls = calls;
        }

        @Override
        public EncodedFrame apply(EncodedFrame frame) {
            calls.add(Character.toString(marker));
            EncodedFrame out = frame.replace(Unpooled.buffer().writeBytes(frame.content()).writeByte(marker));
            frame.release();
            return out;
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }

    @Test
    void theEncryptionTransformRunsAfterEveryOtherTransformAndIsClosed() {
        ScriptedSource source = new ScriptedSource(5, true, 0);
        CollectingTransport transport = new CollectingTransport(0);
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        MarkingTransform encryption = new MarkingTransform((byte) 'E', calls);
        MarkingTransform first = new MarkingTransform((byte) 'A', calls);
        MarkingTransform second = new MarkingTransform((byte) 'B', calls);
        try (StreamPipeline p = StreamPipeline.builder().source(source).copy(true)
                .encryption(encryption) // set first, still runs last
                .transform(first).transform(second)
                .transport(transport).build()) {
            p.start();
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(10, transport.frames.size());
            for (EncodedFrame f : transport.frames) {
                int end = f.content().writerIndex();
                assertEquals("ABE", f.content().toString(end - 3, 3, java.nio.charset.StandardCharsets.US_ASCII));
            }
            assertEquals("ABE".repeat(10), String.join("", calls));
        } finally {
            transport.releaseAll();
        }
        assertTrue(encryption.closed.get() && first.closed.get() && second.closed.get(), "the pipeline closes its transforms");
        assertThrows(NullPointerException.class, () -> StreamPipeline.builder().encryption(null));
    }

    @Test
    void encodingPathUsesTheEncoderProviderAndClosesEncoders() {
        ScriptedSource source = new ScriptedSource(100, false, 0);
        CollectingTransport transport = new CollectingTransport(0);
        CountingEncoderProvider encoders = new CountingEncoderProvider();
        try (StreamPipeline p = StreamPipeline.builder().source(source).encoderProvider(encoders).transport(transport).build()) {
            p.start();
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(200, transport.frames.size());
            assertEquals(2, transport.tracks.size());
            assertEquals(Delivery.DECODED, source.delivery.get(1));
        } finally {
            transport.releaseAll();
        }
        assertEquals(2, encoders.closed.size());
        assertTrue(encoders.closed.stream().allMatch(AtomicBoolean::get), "every encoder closed");
    }

    @Test
    void aKeyframeRequestFromATransportReachesTheEncoder() throws Exception {
        ScriptedSource source = new ScriptedSource(100_000, false, 1);
        CollectingTransport transport = new CollectingTransport(0);
        CountingEncoderProvider encoders = new CountingEncoderProvider();
        try (StreamPipeline p = StreamPipeline.builder().source(source).encoderProvider(encoders).transport(transport).build()) {
            p.start();
            transport.feedback.onKeyframeRequest(0, "test PLI");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (encoders.keyframeRequests.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, encoders.keyframeRequests.get());
            transport.feedback.onKeyframeRequest(0, "again at once: rate-limited");
            assertEquals(1, encoders.keyframeRequests.get());
        } finally {
            transport.releaseAll();
        }
    }

    @Test
    void closeWhileRunningStopsWithinASecondAndFreesEverything() throws Exception {
        int threadsBefore = Thread.activeCount();
        ScriptedSource source = new ScriptedSource(1_000_000, false, 1);
        CollectingTransport transport = new CollectingTransport(2);
        CountingEncoderProvider encoders = new CountingEncoderProvider();
        CountDownLatch closedEvent = new CountDownLatch(1);
        StreamPipeline p = StreamPipeline.builder().source(source).encoderProvider(encoders).transport(transport)
                .listener(new PipelineListener() {
                    @Override
                    public void onClosed() {
                        closedEvent.countDown();
                    }
                }).build();
        p.start();
        Thread.sleep(300);
        long t0 = System.nanoTime();
        p.close();
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(tookMs < 1000, "close took " + tookMs + " ms");
        assertTrue(closedEvent.await(0, TimeUnit.SECONDS));
        assertTrue(source.closed.get());
        assertTrue(transport.closed.get());
        assertTrue(encoders.closed.stream().allMatch(AtomicBoolean::get));
        assertThrows(CancellationException.class, () -> p.completion().join());
        p.close(); // idempotent
        transport.releaseAll();
        Thread.sleep(50);
        assertTrue(Thread.activeCount() <= threadsBefore, "threads left: " + Thread.activeCount() + " > " + threadsBefore);
    }

    @Test
    void aSourceThatFailsToOpenFailsStartWithItsOwnException() {
        MediaSource broken = new ScriptedSource(1, true, 0) {
            @Override
            public List<TrackInfo> open() {
                throw new MediaSourceException(name(), "avformat_open_input() returned -2 (No such file or directory)");
            }
        };
        CollectingTransport transport = new CollectingTransport(0);
        StreamPipeline p = StreamPipeline.builder().source(broken).copy(true).transport(transport).build();
        MediaSourceException e = assertThrows(MediaSourceException.class, p::start);
        assertTrue(e.getMessage().contains("scripted:1"), e.getMessage());
        assertTrue(transport.closed.get(), "transports are closed when start fails");
        p.close();
    }

    @Test
    void aSourceWithoutVideoIsRejectedUnlessVideoIsDisabled() {
        ScriptedSource audioOnly = new ScriptedSource(10, true, 0) {
            @Override
            public List<TrackInfo> open() {
                return List.of(EncodedFrameQueueTest.AUDIO);
            }

            @Override
            public MediaFrame read() {
                return null;
            }
        };
        StreamPipeline p = StreamPipeline.builder().source(audioOnly).copy(true).transport(new CollectingTransport(0)).build();
        MediaSourceException e = assertThrows(MediaSourceException.class, p::start);
        assertTrue(e.getMessage().contains("no video stream"), e.getMessage());
        p.close();
    }

    @Test
    void anUnknownSchemeIsATypedErrorAtBuild() {
        UnsupportedSchemeException e = assertThrows(UnsupportedSchemeException.class,
                () -> StreamPipeline.builder().source(new ScriptedSource(1, true, 0)).transport("bogus://host/x").build());
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
    }

    @Test
    void invalidSettingsFailWhereTheyAreSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VideoEncoderConfig.builder().bitrateBps(-1));
        assertTrue(e.getMessage().contains("bitrate: -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StreamPipeline.builder().duration(Duration.ZERO));
        assertFalse(VideoEncoderConfig.defaults().encoderName().isPresent());
    }

    @Test
    void builderCallsAfterBuildDoNotChangeTheBuiltPipeline() {
        ScriptedSource source = new ScriptedSource(100, true, 0);
        CollectingTransport transport = new CollectingTransport(0);
        StreamPipeline.Builder b = StreamPipeline.builder().source(source).copy(true).transport(transport);
        try (StreamPipeline p = b.build()) {
            b.duration(Duration.ofMillis(100)).noAudio(); // too late: p keeps what it was built with
            p.start();
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(200, transport.frames.size(), "every frame of both tracks, no duration limit");
        } finally {
            transport.releaseAll();
        }
    }

    @Test
    void aSecondBuildCannotHandTheSameTransportOrSourceToAnotherPipeline() {
        CollectingTransport transport = new CollectingTransport(0);
        StreamPipeline.Builder b = StreamPipeline.builder().source(new ScriptedSource(1, true, 0)).copy(true).transport(transport);
        StreamPipeline first = b.build();
        IllegalStateException e = assertThrows(IllegalStateException.class, b::build);
        assertTrue(e.getMessage().contains("test://collect") && e.getMessage().contains("scripted:1") && e.getMessage().contains("previous build()"), e.getMessage());
        b.source(new ScriptedSource(1, true, 0));
        e = assertThrows(IllegalStateException.class, b::build, "the transport instance is still the first pipeline's");
        assertTrue(e.getMessage().contains("test://collect"), e.getMessage());
        first.close();
        assertTrue(transport.closed.get());

        // URIs are factories: every build() creates its own transport; a new source makes a second pipeline
        StreamPipeline.Builder byUri = StreamPipeline.builder().source(new ScriptedSource(1, true, 0)).copy(true).transport("null:");
        StreamPipeline a = byUri.build();
        e = assertThrows(IllegalStateException.class, byUri::build);
        assertTrue(e.getMessage().contains("scripted:1"), e.getMessage());
        StreamPipeline c = byUri.source(new ScriptedSource(1, true, 0)).build();
        a.close();
        c.close();
    }

    /** Waits (bounded, real time) until {@code condition} holds: other threads do the work. */
    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(2);
        }
    }

    @Test
    void coalescedKeyframeRequestsFireWhenTheThrottleIntervalEndsOnThePipelinesTicker() throws Exception {
        ManualTicker ticker = new ManualTicker();
        ScriptedSource source = new ScriptedSource(100_000, false, 1);
        CollectingTransport transport = new CollectingTransport(0);
        CountingEncoderProvider encoders = new CountingEncoderProvider();
        try (StreamPipeline p = StreamPipeline.builder().source(source).encoderProvider(encoders).transport(transport)
                .ticker(ticker).build()) {
            p.start();
            transport.feedback.onKeyframeRequest(0, "PLI");
            assertEquals(1, encoders.keyframeRequests.get(), "the first request goes through at once");
            transport.feedback.onKeyframeRequest(0, "PLI from a second viewer");
            transport.feedback.onKeyframeRequest(0, "PLI from a third viewer");
            assertEquals(1, encoders.keyframeRequests.get(), "inside 250 ms: coalesced");
            ticker.advanceMillis(250);
            awaitTrue(() -> encoders.keyframeRequests.get() == 2, "the coalesced request at the end of the interval");
            transport.feedback.onKeyframeRequest(0, "PLI right after");
            assertEquals(2, encoders.keyframeRequests.get(), "simulated time has not moved: coalesced again");
        } finally {
            transport.releaseAll();
        }
    }

    @Test
    void aPacedSourceIsReleasedByTheTickerNotByTheSystemClock() throws Exception {
        ManualTicker ticker = new ManualTicker();
        ScriptedSource source = new ScriptedSource(300, true, 0); // video every 33.333 ms, audio every 21.333 ms
        CollectingTransport transport = new CollectingTransport(0);
        try (StreamPipeline p = StreamPipeline.builder().source(source).copy(true).realtime(true).transport(transport)
                .queueCapacity(8, 64, 1000) // room for the whole input: the last step releases it at once
                .ticker(ticker).build()) {
            p.start();
            awaitTrue(() -> transport.frames.size() == 2, "the two frames at timestamp 0");
            ticker.advanceMillis(1000);
            // due by 1 s: video 0..30 (30 x 33.333 ms = 999.99 ms) and audio 0..46 (46 x 21.333 ms = 981.3 ms)
            awaitTrue(() -> transport.frames.size() == 31 + 47, "the frames due by 1 s");
            assertEquals(31 + 47, transport.frames.size(), "nothing after 1 s leaves while simulated time stands still");
            assertTrue(transport.frames.stream().allMatch(f -> f.ptsUs() <= 1_000_000));
            ticker.advanceMillis(10_000);
            p.completion().orTimeout(10, TimeUnit.SECONDS).join();
            assertEquals(600, transport.frames.size());
        } finally {
            transport.releaseAll();
        }
    }
}
