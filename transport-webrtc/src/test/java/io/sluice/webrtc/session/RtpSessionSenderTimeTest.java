package io.sluice.webrtc.session;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.core.EncodedFrame;
import io.sluice.core.time.ManualTicker;
import io.sluice.webrtc.rtp.H264Packetizer;
import io.sluice.webrtc.rtp.RtpHeaderWriter;
import io.sluice.webrtc.sdp.MediaKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The SR's NTP↔RTP mapping (RFC 3550 §6.4.1) and the receiver's use of it, between two engines in simulated time:
 * a paced sender holds each keyframe for about 100 ms, and the receiver must still map every frame's RTP timestamp
 * to the wall-clock time the sender captured it, not the time its packets left the pacer.
 */
@DisplayName("RtpSession: SR mapping from capture time, and senderCaptureTimeUs at the receiver")
class RtpSessionSenderTimeTest {
    @Test
    @DisplayName("through a 400 kbit/s pacer every received frame maps to its capture time within 0.1 ms")
    void receivedFramesMapToTheirCaptureTime() {
        ManualTicker ticker = new ManualTicker();
        RtpHeaderWriter hdr = new RtpHeaderWriter(RtpSessionTest.VIDEO_SSRC, RtpSessionTest.PT);
        H264Packetizer h264 = H264Packetizer.builder(hdr).allocator(RtpSessionTest.ALLOC).build();
        RatePacer pacer = new RatePacer();
        pacer.setTargetBitrate(400_000); // a 3,000-octet keyframe + 1,500-octet frames: keyframes wait in the queue
        RtpSession tx = RtpSession.builder().start(ticker.nanoTime(), ticker.wallClockMicros()).cname("sender")
                .pacer(pacer)
                .send(SendStream.builder(MediaKind.VIDEO, RtpSessionTest.VIDEO_SSRC, 90_000,
                        FramePacketizer.of((f, out) -> h264.packetize(f, out), h264::rtpTimestamp)).build())
                .build();
        RtpSession rx = RtpSessionTest.receiver(ticker);
        RtpSessionTest.Link forward = new RtpSessionTest.Link(30_000_000);
        RtpSessionTest.Link back = new RtpSessionTest.Link(30_000_000);
        Random random = new Random(11);
        long startNanos = ticker.nanoTime();
        long startWallUs = ticker.wallClockMicros();
        List<EncodedFrame> received = new ArrayList<>();
        List<Long> mapped = new ArrayList<>();
        try {
            for (int ms = 0; ms <= 4000; ms++) {
                long now = ticker.nanoTime();
                if (ms % 40 == 0 && ms / 40 < 90) { // 25 frame/s, captured at their PTS
                    EncodedFrame made = RtpSessionTest.frame(ms / 40, random); // keyframe every 30 frames
                    EncodedFrame f = new EncodedFrame(made.track(), made.content(), ms * 1000L, made.isKeyframe());
                    assertTrue(tx.sendFrame(now, f));
                    f.release();
                }
                if (now - tx.pollTimeout() >= 0) {
                    tx.handleTimeout(now);
                }
                if (now - rx.pollTimeout() >= 0) {
                    rx.handleTimeout(now);
                }
                forward.take(tx, now);
                back.take(rx, now);
                forward.deliver(rx, now, b -> false);
                back.deliver(tx, now, b -> false);
                SessionEvent e;
                while ((e = rx.pollEvent()) != null) {
                    EncodedFrame f = assertInstanceOf(SessionEvent.FrameReceived.class, e).frame();
                    received.add(f);
                    mapped.add(rx.senderCaptureTimeUs(MediaKind.VIDEO, f.ptsUs()));
                }
                while (tx.pollEvent() != null) {
                    // not under test
                }
                ticker.setNanoTime(startNanos + (ms + 1) * 1_000_000L);
            }
            assertTrue(received.size() >= 85, "frames received: " + received.size());
            int checked = 0;
            for (int i = 0; i < received.size(); i++) {
                if (mapped.get(i) == Long.MIN_VALUE) {
                    continue; // before the first SR
                }
                long k = received.get(i).ptsUs() / 40_000; // frame k was handed to sendFrame at k · 40 ms
                long errorUs = mapped.get(i) - (startWallUs + k * 40_000);
                assertTrue(Math.abs(errorUs) <= 100, "frame " + k + " (" + (k % 30 == 0 ? "key" : "delta")
                        + ") maps " + errorUs + " µs from its capture");
                checked++;
            }
            assertTrue(checked >= 60, "frames mapped through an SR: " + checked);
        } finally {
            received.forEach(EncodedFrame::release);
            forward.close();
            back.close();
            tx.close();
            rx.close();
        }
    }
}
