package io.sluice.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamHub;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many blocked playlist requests over real sockets: bounded by maxBlockedRequests, all released when the publisher leaves. */
class BlockedRequestsTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264)
            .codecConfig(new byte[] {1, 0x42, (byte) 0xC0, 0x1E, (byte) 0xFF, (byte) 0xE1, 0, 0}).resolution(320, 240).build();

    @Test
    void thousandsHeldBoundedAndReleasedOnUnpublish() throws Exception {
        int limit = 1500;
        int extra = 200;
        StreamHub hub = StreamHub.create();
        try (HttpDeliveryServer server = HttpDeliveryServer.builder(hub)
                .maxConnections(limit + extra + 1, limit + extra + 1).delivery(d -> d.maxBlockedRequests(limit)).build()) {
            server.start();
            StreamHub.Publication pub = hub.publish("s", List.of(VIDEO), () -> { });
            InetSocketAddress addr = server.address();
            try (Socket first = request(addr, "/hls/s/media.m3u8")) { // starts the stream's segmenter, waits for a segment
                while (server.delivery().blockedRequests() < 1) {
                    Thread.sleep(10);
                }
                // 5 s of 30 fps video, 1 s GOP, sent at once: segments 1 and 2 complete
                for (int i = 0; i < 150; i++) {
                    long us = i * 1_000_000L / 30;
                    pub.send(new EncodedFrame(VIDEO, Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 1, 0x65}), us, i % 30 == 0));
                }
                assertEquals("HTTP/1.1 200 OK", statusLine(first.getInputStream()));
            }
            List<Socket> held = new ArrayList<>();
            try {
                for (int i = 0; i < limit + extra; i++) {
                    held.add(request(addr, "/hls/s/media.m3u8?_HLS_msn=4"));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (server.delivery().blockedRequests() < limit) {
                    assertTrue(System.nanoTime() < deadline, "held " + server.delivery().blockedRequests());
                    Thread.sleep(20);
                }
                assertEquals(limit, server.delivery().blockedRequests());
                long t0 = System.nanoTime();
                pub.close();
                Map<String, Integer> statuses = new HashMap<>();
                for (Socket s : held) {
                    statuses.merge(statusLine(s.getInputStream()), 1, Integer::sum);
                }
                assertEquals(Map.of("HTTP/1.1 503 Service Unavailable", limit + extra), statuses);
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(6), "released before the 3 x target duration deadline");
                assertEquals(0, server.delivery().blockedRequests());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
        } finally {
            hub.close();
        }
    }

    static Socket request(InetSocketAddress addr, String path) throws IOException {
        Socket s = new Socket();
        s.connect(addr, 5000);
        s.setSoTimeout(20_000);
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    static String statusLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\r') {
            sb.append((char) c);
        }
        return sb.toString();
    }
}
