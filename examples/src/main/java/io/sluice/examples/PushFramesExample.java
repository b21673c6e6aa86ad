package io.sluice.examples;

import io.sluice.codec.ffmpeg.PushSource;
import io.sluice.core.Rational;
import io.sluice.core.StreamPipeline;
import io.sluice.core.VideoEncoderConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * An application that draws its own frames (Java2D) and generates its own audio, and streams them
 * with a {@link PushSource}. Timestamps are the application's, in µs on one clock for both tracks.
 *
 * <pre>
 * java -cp examples/target/sluice.jar io.sluice.examples.PushFramesExample [destination, default push-demo.mp4]
 * </pre>
 */
public final class PushFramesExample {
    private PushFramesExample() {
    }

    public static void main(String[] args) throws Exception {
        String destination = args.length > 0 ? args[0] : "push-demo.mp4";
        int width = 640;
        int height = 360;
        int fps = 30;
        int sampleRate = 48_000;
        PushSource source = PushSource.builder().video(width, height, Rational.of(fps, 1)).audio(sampleRate, 2)
                .live(false) // rendered faster than real time: push blocks instead of the pipeline dropping
                .build();
        try (StreamPipeline pipeline = StreamPipeline.builder()
                .source(source)
                .video(VideoEncoderConfig.builder().bitrateBps(1_000_000).build())
                .transport(destination)
                .build()) {
            pipeline.start();
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
            short[] pcm = new short[1024 * 2];
            long samplesSent = 0;
            for (int frame = 0; frame < 5 * fps; frame++) {
                long ptsUs = frame * 1_000_000L / fps;
                draw(image, frame);
                source.pushImage(image, ptsUs); // blocks while the pipeline's queue is full
                // Audio up to the same media time, in 1024-sample blocks of a 440 Hz tone.
                while (samplesSent * 1_000_000L / sampleRate < ptsUs + 1_000_000L / fps) {
                    for (int i = 0; i < 1024; i++) {
                        short v = (short) (3000 * Math.sin(2 * Math.PI * 440 * (samplesSent + i) / sampleRate));
                        pcm[2 * i] = v;
                        pcm[2 * i + 1] = v;
                    }
                    source.pushPcm(pcm, 1024, samplesSent * 1_000_000L / sampleRate);
                    samplesSent += 1024;
                }
            }
            source.end();
            pipeline.completion().join();
        }
        System.out.println("wrote " + destination);
    }

    private static void draw(BufferedImage image, int frame) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(new Color(20, 30, 60));
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.setColor(Color.ORANGE);
        int x = (frame * 7) % (image.getWidth() - 80);
        g.fillOval(x, image.getHeight() / 2 - 40, 80, 80);
        g.setColor(Color.WHITE);
        g.drawString("frame " + frame, 20, 30);
        g.dispose();
    }
}
