package io.sluice.rtmp.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.spi.BandwidthEstimate;
import io.sluice.core.spi.TransportFeedback;
import io.sluice.core.spi.TransportState;
import io.sluice.rtmp.client.RtmpTransport;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every failure of the first connection ends in a {@link TransportException} naming the URL and the step. */
@Tag("interop")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public class RtmpTransportErrorsInteropTest {
    static final TrackInfo VIDEO = TrackInfo.builder(0, Codec.H264).resolution(320, 240)
            .codecConfig(new byte[] {1, 0x42, 0, 0x1e, (byte) 0xff, (byte) 0xe1, 0, 0, 1, 0}).build();

    @TempDir
    Path dir;

    /** Records state changes. */
    /** Records the state changes; ignores the rest. Public for the embedded server's tests. */
    public static final class Feedback implements TransportFeedback {
        /** The states reported, in order. */
        public final List<TransportState> states = new CopyOnWriteArrayList<>();

        @Override
        public void onStateChanged(TransportState state, Throwable cause) {
            states.add(state);
        }

        @Override
        public void onKeyframeRequest(int trackId, String reason) {
        }

        @Override
        public void onBandwidthEstimate(BandwidthEstimate estimate) {
        }

        @Override
        public void onWritabilityChanged(boolean writable) {
        }
    }

    private static TransportException openFails(RtmpTransport t, Feedback fb) {
        try (t) {
            TransportException e = assertThrows(TransportException.class, () -> t.open(List.of(VIDEO), fb));
            assertEquals(List.of(TransportState.CONNECTING, TransportState.FAILED), fb.states);
            assertThrows(TransportException.class, () -> t.send(new EncodedFrame(VIDEO, Unpooled.buffer(4).writeInt(0), 0, true)),
                    "send after failure throws and releases the frame");
            return e;
        }
    }

    @Test
    void connectionRefusedNamesUrlAndStep() throws Exception {
        int port = NginxRtmp.freePort();
        long start = System.nanoTime();
        TransportException e = openFails(RtmpTransport.builder(URI.create("rtmp://127.0.0.1:" + port + "/live/key")).build(), new Feedback());
        assertTrue(e.getMessage().contains("connect to rtmp://127.0.0.1:" + port + "/live failed"), e.getMessage());
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void handshakeTimeoutAgainstASilentServer() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try (Socket s = silent.accept()) {
                    Thread.sleep(5000); // accepts, reads nothing, answers nothing
                } catch (Exception ignored) {
                    // test over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            long start = System.nanoTime();
            TransportException e = openFails(RtmpTransport.builder(URI.create("rtmp://127.0.0.1:" + silent.getLocalPort() + "/live/key"))
                    .handshakeTimeout(Duration.ofMillis(500)).build(), new Feedback());
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals("transport 'rtmp://127.0.0.1:" + silent.getLocalPort() + "/live/key': handshake with rtmp://127.0.0.1:"
                    + silent.getLocalPort() + "/live timed out after 500 ms", e.getMessage());
            assertTrue(ms >= 450 && ms < 3000, "failed after " + ms + " ms");
            acceptor.interrupt();
        }
    }

    @Test
    void unknownAppAndDuplicateStreamSurfaceTheServersAnswer() throws Exception {
        assertTrue(NginxRtmp.available(), "needs nginx and libnginx-mod-rtmp (.ci/install-deps.sh)");
        try (NginxRtmp nginx = NginxRtmp.start(dir)) {
            // nginx-rtmp answers connect to an unknown app by closing the connection.
            TransportException noApp = openFails(RtmpTransport.builder(URI.create("rtmp://127.0.0.1:" + nginx.port() + "/nope/key")).build(),
                    new Feedback());
            assertTrue(noApp.getMessage().contains("rtmp://127.0.0.1:" + nginx.port() + "/nope closed by the server while waiting for the answer to 'connect'"),
                    noApp.getMessage());

            // A second publisher of a live stream gets NetStream.Publish.BadName with nginx's description.
            Feedback first = new Feedback();
            try (RtmpTransport live = RtmpTransport.builder(URI.create(nginx.url("dup"))).build()) {
                live.open(List.of(VIDEO), first);
                TransportException dup = openFails(RtmpTransport.builder(URI.create(nginx.url("dup"))).build(), new Feedback());
                assertTrue(dup.getMessage().endsWith("publish 'dup' rejected by server: NetStream.Publish.BadName (Already publishing)"),
                        dup.getMessage());
            }
            assertEquals(List.of(TransportState.CONNECTING, TransportState.CONNECTED, TransportState.CLOSED), first.states);
            String log = nginx.log();
            assertTrue(log.contains("deleteStream"), "clean unpublish:\n" + log);
        }
    }
}
