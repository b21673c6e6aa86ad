package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.MediaFrame;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.spi.Delivery;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

class PushSourceTest {
    private static final int W = 64;
    private static final int H = 48;

    private static PushSource openSource(int capacity) {
        PushSource source = PushSource.builder().video(W, H, Rational.of(30, 1)).audio(48_000, 2).queueCapacity(capacity).build();
        assertEquals(2, source.open().size());
        source.select(Map.of(0, Delivery.DECODED, 1, Delivery.DECODED));
        return source;
    }

    @Test
    void i420FramesComeBackWithTheirPixelsAndTimestamps() throws Exception {
        try (PushSource source = openSource(8)) {
            int yStride = W + 16;
            byte[] y = new byte[yStride * H];
            byte[] u = new byte[W / 2 * H / 2];
            byte[] v = new byte[W / 2 * H / 2];
            for (int i = 0; i < 3; i++) {
                Arrays.fill(y, (byte) (50 + i));
                Arrays.fill(u, (byte) 100);
                Arrays.fill(v, (byte) 150);
                source.pushI420(y, yStride, u, W / 2, v, W / 2, i * 33_333L);
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(W * H);
            direct.put(0, (byte) 7);
            source.pushI420(direct, W, ByteBuffer.wrap(u), W / 2, ByteBuffer.wrap(v), W / 2, 100_000L);
            source.end();
            for (int i = 0; i < 4; i++) {
                MediaFrame f = source.read();
                try {
                    AvRawFrame raw = (AvRawFrame) f;
                    assertEquals(MediaType.VIDEO, raw.mediaType());
                    assertEquals(W, raw.width());
                    assertEquals(H, raw.height());
                    assertEquals(i < 3 ? i * 33_333L : 100_000L, raw.ptsUs());
                    ByteBuffer plane = AvFrames.plane(raw.avFrame(), 0, H);
                    assertEquals(i < 3 ? 50 + i : 7, plane.get(0));
                    assertEquals(i < 3 ? 50 + i : 0, plane.get((H - 1) * raw.avFrame().linesize(0) + W - 1));
                    assertEquals((byte) 150, AvFrames.plane(raw.avFrame(), 2, H / 2).get(0));
                } finally {
                    f.release();
                }
            }
            assertNull(source.read(), "end of input");
            assertThrows(IllegalStateException.class, () -> source.pushI420(y, yStride, u, W / 2, v, W / 2, 0));
        }
    }

    @Test
    void imagesAreConvertedAndScaled() throws Exception {
        int[] types = {BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_INT_RGB,
            BufferedImage.TYPE_INT_ARGB, BufferedImage.TYPE_INT_BGR, BufferedImage.TYPE_USHORT_565_RGB};
        try (PushSource source = openSource(types.length + 1)) {
            for (int i = 0; i < types.length; i++) {
                BufferedImage img = new BufferedImage(W * 2, H * 2, types[i]); // scaled down by swscale
                Graphics2D g = img.createGraphics();
                g.setColor(Color.RED);
                g.fillRect(0, 0, img.getWidth(), img.getHeight());
                g.dispose();
                source.pushImage(img, i * 1000L);
            }
            for (int i = 0; i < types.length; i++) {
                MediaFrame f = source.read();
                try {
                    AvRawFrame raw = (AvRawFrame) f;
                    assertEquals(avutil.AV_PIX_FMT_YUV420P, raw.avFrame().format());
                    assertEquals(W, raw.width());
                    assertEquals(i * 1000L, raw.ptsUs());
                    // BT.601 limited range red: Y 81, Cb 90, Cr 240
                    int yv = AvFrames.plane(raw.avFrame(), 0, H).get(W / 2) & 0xFF;
                    int cb = AvFrames.plane(raw.avFrame(), 1, H / 2).get(W / 4) & 0xFF;
                    int cr = AvFrames.plane(raw.avFrame(), 2, H / 2).get(W / 4) & 0xFF;
                    String what = "image type " + types[i] + ": Y=" + yv + " Cb=" + cb + " Cr=" + cr;
                    assertTrue(Math.abs(yv - 81) <= 3 && Math.abs(cb - 90) <= 3 && Math.abs(cr - 240) <= 3, what);
                } finally {
                    f.release();
                }
            }
        }
    }

    @Test
    void pcmBecomesPlanarFloat() throws Exception {
        try (PushSource source = openSource(4)) {
            short[] s16 = new short[1024 * 2];
            for (int i = 0; i < 1024; i++) {
                s16[2 * i] = 16384;      // left 0.5
                s16[2 * i + 1] = -8192;  // right -0.25
            }
            source.pushPcm(s16, 1024, 0);
            float[] f32 = new float[480 * 2];
            Arrays.fill(f32, 0.125f);
            source.pushPcm(f32, 480, 21_333);
            AvRawFrame a = (AvRawFrame) source.read();
            AvRawFrame b = (AvRawFrame) source.read();
            try {
                assertEquals(MediaType.AUDIO, a.mediaType());
                assertEquals(1, a.trackId());
                assertEquals(1024, a.sampleCount());
                assertEquals(48_000, a.sampleRate());
                assertEquals(2, a.channels());
                assertEquals(avutil.AV_SAMPLE_FMT_FLTP, a.avFrame().format());
                assertEquals(0.5f, new FloatPointer(a.avFrame().data(0)).get(1023));
                assertEquals(-0.25f, new FloatPointer(a.avFrame().data(1)).get(0));
                assertEquals(480, b.sampleCount());
                assertEquals(21_333, b.ptsUs());
                assertEquals(0.125f, new FloatPointer(b.avFrame().data(1)).get(479));
            } finally {
                a.release();
                b.release();
            }
            assertThrows(IllegalArgumentException.class, () -> source.pushPcm(new short[10], 6, 0));
        }
    }

    @Test
    void abortWakesABlockedReadAndABlockedPush() throws Exception {
        try (PushSource source = openSource(1)) {
            AtomicReference<Object> readResult = new AtomicReference<>("pending");
            CountDownLatch started = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                started.countDown();
                try {
                    readResult.set(source.read());
                } catch (Throwable t) {
                    readResult.set(t);
                }
            }, "push-reader");
            reader.start();
            started.await();
            Thread.sleep(200);
            assertTrue(reader.isAlive(), "read() must block on an empty queue");
            long start = System.nanoTime();
            source.abort();
            reader.join(1_000);
            assertTrue(!reader.isAlive(), "read() still blocked after abort()");
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(500));
            assertNull(readResult.get());
            assertThrows(IllegalStateException.class, () -> source.pushPcm(new float[2], 1, 0));
        }

        try (PushSource source = openSource(1)) {
            source.pushPcm(new float[2], 1, 0); // fills the queue
            AtomicReference<Throwable> pushResult = new AtomicReference<>();
            Thread pusher = new Thread(() -> {
                try {
                    source.pushPcm(new float[2], 1, 1);
                } catch (Throwable t) {
                    pushResult.set(t);
                }
            }, "push-writer");
            pusher.start();
            Thread.sleep(200);
            assertTrue(pusher.isAlive(), "push must block on a full queue");
            source.abort();
            pusher.join(1_000);
            assertTrue(!pusher.isAlive());
            assertTrue(pushResult.get() instanceof IllegalStateException, String.valueOf(pushResult.get()));
        } // close() releases the queued frame
    }

    @Test
    void discardedTracksDropPushes() throws Exception {
        try (PushSource source = PushSource.builder().video(W, H, null).audio(44_100, 1).build()) {
            source.open();
            source.select(Map.of(1, Delivery.DECODED));
            source.pushI420(new byte[W * H], W, new byte[W * H / 4], W / 2, new byte[W * H / 4], W / 2, 0);
            source.pushPcm(new short[100], 100, 0);
            assertEquals(1, source.queuedFrames());
            MediaFrame f = source.read();
            assertEquals(MediaType.AUDIO, f.mediaType());
            f.release();
        }
    }

    @Test
    void validatesArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PushSource.builder().video(0, 720, null));
        assertEquals("video: 0x720 (expected: even, 16..8192 each)", e.getMessage());
        assertThrows(IllegalStateException.class, () -> PushSource.builder().build());
        try (PushSource source = openSource(2)) {
            e = assertThrows(IllegalArgumentException.class,
                    () -> source.pushI420(new byte[10], W, new byte[W * H / 4], W / 2, new byte[W * H / 4], W / 2, 0));
            assertEquals("y: 10 bytes (expected: >= " + W * H + ")", e.getMessage());
        }
    }
}
