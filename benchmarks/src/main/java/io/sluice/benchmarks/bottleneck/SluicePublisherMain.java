package io.sluice.benchmarks.bottleneck;

import io.sluice.codec.MediaSources;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.MediaType;
import io.sluice.core.PipelineListener;
import io.sluice.core.PipelineStats;
import io.sluice.core.SluiceException;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.Transports;
import io.sluice.webrtc.whip.client.WhipStats;
import io.sluice.webrtc.whip.client.WhipTransport;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;

/**
 * A Sluice publisher, run in the sender namespace: {@code StreamPipeline} encoding a real clip (live pace,
 * H.264 at the default 2.5 Mbit/s) to one transport ({@code whip+http://…} or {@code rtmp://…}), with the
 * pipeline's defaults for everything else (so adaptation, once the pipeline has it, is on as users get it).
 *
 * <p>Usage: {@code SluicePublisherMain <input> <destination> <seconds>}. Prints, every 100 ms,
 * {@code S <nanoTime> <transport bytesSent> <framesSent> <framesDropped> <queuedBytes> <queueDrops>
 * <video bitrate bit/s> <estimate bit/s or 0>}, and {@code E <nanoTime> <kind> <bit/s> <reason>} for each bandwidth
 * estimate the transport reports, {@code R <nanoTime> <target> <estimate> <size> <reason>} for each rate decision,
 * {@code V <nanoTime> <ptsUs> <bytes>} for each encoded video frame as it is handed to the transport (after the encoder,
 * before the transport's send buffer: what {@code Analysis} splits delay growth at), {@code X <message>} on an error. A run that fails before sending a frame (the
 * first connection refused or timed out) starts again, up to 3 times.
 */
public final class SluicePublisherMain {
    private SluicePublisherMain() {
    }

    /** Attempts at the first connection: on a machine with a load of 40 on 2 cores a fresh JVM can miss the server's 5 s handshake timeout. */
    private static final int CONNECT_ATTEMPTS = 3;

    public static void main(String[] args) throws Exception {
        String input = args[0];
        URI dest = URI.create(args[1]);
        long seconds = Long.parseLong(args[2]);
        PrintStream out = System.out;
        for (int attempt = 1; ; attempt++) {
            boolean sent = publish(input, dest, seconds, out);
            if (sent || attempt >= CONNECT_ATTEMPTS) {
                break;
            }
            synchronized (out) {
                out.println("X nothing sent on attempt " + attempt + ": starting the pipeline again");
            }
        }
        out.println("DONE");
        out.flush();
        System.exit(0);
    }

    /** One pipeline run; returns whether the transport sent any frame (false: it failed before its first publish). */
    private static boolean publish(String input, URI dest, long seconds, PrintStream out) throws Exception {
        boolean webrtc = dest.getScheme().startsWith("whip");
        long[] lastEstimate = {0};
        long[] framesSent = {0};
        Transport transport = Transports.create(dest); // kept for the WHIP client's own counters (N lines)
        try (StreamPipeline p = StreamPipeline.builder()
                .source(MediaSources.open(input))
                .video(VideoEncoderConfig.defaults())
                .audio(webrtc ? AudioEncoderConfig.builder().codec(Codec.OPUS).build() : AudioEncoderConfig.defaults())
                .realtime(true)
                .duration(Duration.ofSeconds(seconds))
                .transport(transport)
                .transform(frame -> {
                    if (frame.mediaType() == MediaType.VIDEO) {
                        synchronized (out) {
                            out.println("V " + System.nanoTime() + " " + frame.ptsUs() + " " + frame.size());
                        }
                    }
                    return frame;
                })
                .listener(new PipelineListener() {
                    @Override
                    public void onBandwidthEstimate(URI transport, BandwidthEstimate e) {
                        lastEstimate[0] = e.bitrateBps();
                        synchronized (out) {
                            out.println("E " + System.nanoTime() + " " + e.kind() + " " + e.bitrateBps() + " " + e);
                        }
                    }

                    @Override
                    public void onRateChanged(io.sluice.core.spi.RateDecision d) {
                        synchronized (out) {
                            out.println("R " + System.nanoTime() + " " + d.targetBps() + " " + d.estimateBps() + " "
                                    + (d.size() == null ? "-" : d.size().width() + "x" + d.size().height()) + " " + d.reason());
                        }
                    }

                    @Override
                    public void onTransportStateChanged(URI transport, TransportState state, Throwable cause) {
                        synchronized (out) {
                            out.println("T " + System.nanoTime() + " " + state + (cause == null ? "" : " " + cause));
                        }
                    }

                    @Override
                    public void onError(SluiceException e) {
                        synchronized (out) {
                            out.println("X " + e);
                        }
                    }
                })
                .build()) {
            try {
                p.start();
            } catch (SluiceException e) { // the first connection failed (start waits for it)
                synchronized (out) {
                    out.println("X " + e);
                }
                return false;
            }
            while (!p.completion().isDone()) {
                PipelineStats s = p.stats();
                long videoBps = 0;
                for (PipelineStats.Track t : s.tracks()) {
                    if (t.track().mediaType() == MediaType.VIDEO) {
                        videoBps = t.bitrateBps();
                    }
                }
                if (!s.transports().isEmpty()) {
                    PipelineStats.Transport t = s.transports().get(0);
                    framesSent[0] = t.stats().framesSent();
                    synchronized (out) {
                        out.println("S " + System.nanoTime() + " " + t.stats().bytesSent() + " " + t.stats().framesSent()
                                + " " + t.stats().framesDropped() + " " + t.stats().queuedBytes() + " " + t.queueDrops()
                                + " " + videoBps + " " + lastEstimate[0] + " " + (s.rate() == null ? 0 : s.rate().targetBps())
                                + " " + (s.rate() == null || s.rate().size() == null ? "-"
                                        : s.rate().size().width() + "x" + s.rate().size().height()));
                        if (transport instanceof WhipTransport w) {
                            WhipStats ws = w.whipStats();
                            out.println("N " + System.nanoTime() + " " + ws.nacksReceived() + " " + ws.retransmissions()
                                    + " " + ws.rtpPacketsSent() + " " + ws.paddingPacketsSent());
                        }
                        out.flush();
                    }
                }
                Thread.sleep(100);
            }
            p.completion().exceptionally(e -> {
                out.println("X " + e);
                return null;
            }).join();
            framesSent[0] = Math.max(framesSent[0], p.stats().transports().isEmpty() ? 0
                    : p.stats().transports().get(0).stats().framesSent());
        }
        return framesSent[0] > 0;
    }
}
