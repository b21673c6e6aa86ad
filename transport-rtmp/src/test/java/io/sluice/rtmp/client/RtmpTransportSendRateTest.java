package io.sluice.rtmp.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.rtmp.server.RtmpServer;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RTMP client reports what the rate controller needs (drain rate, queued bytes, queued media) every 200 ms,
 * publishing to the embedded server on loopback.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RtmpTransportSendRateTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240)
            .codecConfig(new byte[] {1, 0x42, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();

    @Test
    void reportsSendRateEvery200Ms() throws Exception {
        List<long[]> reports = new CopyOnWriteArrayList<>(); // {nanoTime, bitrateBps, queuedBytes, queueDelayUs}
        TransportFeedback feedback = new TransportFeedback() {
            @Override
            public void onStateChanged(TransportState state, Throwable cause) {
            }

            @Override
            public void onKeyframeRequest(int trackId, String reason) {
            }

            @Override
            public void onBandwidthEstimate(BandwidthEstimate e) {
                if (e.kind() == BandwidthEstimate.Kind.SEND_RATE) {
                    reports.add(new long[] {System.nanoTime(), e.bitrateBps(), e.queuedBytes(), e.queueDelayUs()});
                }
            }

            @Override
            public void onWritabilityChanged(boolean writable) {
            }
        };
        try (RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).build().start();
             RtmpTransport t = RtmpTransport.builder(URI.create("rtmp://127.0.0.1:" + server.port() + "/live/rate"))
                     .socketSendBuffer(64 * 1024).build()) {
            t.open(List.of(VIDEO), feedback);
            long start = System.nanoTime();
            for (int i = 0; i < 75; i++) { // 3 s at 25 fps, 5 000 bytes a frame: 1 Mbit/s
                byte[] payload = new byte[5000];
                payload[3] = (byte) 0x88;
                payload[4] = i % 25 == 0 ? (byte) 0x65 : (byte) 0x41; // an AVCC NAL unit: IDR or non-IDR slice
                t.send(new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(payload), i * 40_000L, i % 25 == 0));
                long due = start + (i + 1) * 40_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        }
        assertTrue(reports.size() >= 10, "SEND_RATE reports in 3 s: " + reports.size());
        long sum = 0;
        for (int i = 1; i < reports.size(); i++) {
            long gapMs = (reports.get(i)[0] - reports.get(i - 1)[0]) / 1_000_000;
            assertTrue(gapMs >= 100 && gapMs <= 350, "report interval " + gapMs + " ms");
            sum += reports.get(i)[1];
            assertTrue(reports.get(i)[2] >= 0 && reports.get(i)[3] >= 0);
        }
        long meanBps = sum / (reports.size() - 1);
        assertTrue(meanBps > 700_000 && meanBps < 1_400_000, "mean drain rate " + meanBps + " bit/s for 1 Mbit/s sent");
    }
}
