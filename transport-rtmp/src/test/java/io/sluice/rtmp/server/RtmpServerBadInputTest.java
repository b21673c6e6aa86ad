package io.sluice.rtmp.server;

import static io.sluice.rtmp.server.RtmpServerTestSupport.await;
import static io.sluice.rtmp.server.RtmpServerTestSupport.awaitTrue;
import static io.sluice.rtmp.server.RtmpServerTestSupport.decodedVideoFrames;
import static io.sluice.rtmp.server.RtmpServerTestSupport.ffmpeg;
import static io.sluice.rtmp.server.RtmpServerTestSupport.kill;
import static io.sluice.rtmp.server.RtmpServerTestSupport.media;
import static io.sluice.rtmp.server.RtmpServerTestSupport.read;
import static io.sluice.rtmp.server.RtmpServerTestSupport.videoPacketDts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.MessageTypeId;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and broken peers, each on its own connection built from plain sockets and the module's
 * own handshake and chunk classes, attack the server while ffmpeg publishes and an ffmpeg player
 * records: every attacker is disconnected with one WARN line naming it, and the player's recording
 * has every frame without a gap.
 */
@Tag("interop")
class RtmpServerBadInputTest {
    @TempDir
    Path tmp;

    /** One attack: what the hostile client does after connecting, and the text its WARN line must contain. */
    record Attack(String name, String violation, AttackBody body) {
    }

    @FunctionalInterface
    interface AttackBody {
        void run(RtmpServerTestSupport.RawClient c) throws Exception;
    }

    static List<Attack> attacks() {
        List<Attack> list = new ArrayList<>();
        list.add(new Attack("random bytes", "version", c -> {
            byte[] junk = new byte[4096];
            new Random(42).nextBytes(junk);
            junk[0] = 0x47; // not version 3
            c.raw(junk);
        }));
        list.add(new Attack("truncated handshake, then silence", "handshake not completed", c -> c.raw(new byte[] {3, 0, 0, 0, 0})));
        list.add(new Attack("SetChunkSize 0", "chunkSize: 0", c -> {
            c.handshake();
            c.raw(setChunkSize(0));
        }));
        list.add(new Attack("SetChunkSize 2^31-1", "chunkSize: 2147483647", c -> {
            c.handshake();
            c.raw(setChunkSize(Integer.MAX_VALUE));
        }));
        list.add(new Attack("message longer than the limit", "messageLength: 16777215", c -> {
            c.handshake();
            // type 0 header on csid 6: timestamp 0, length 0xFFFFFF, type 9 (video), stream 1; then a little payload
            c.raw(new byte[] {6, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 9, 1, 0, 0, 0, 1, 2, 3, 4});
        }));
        list.add(new Attack("too many chunk streams", "too many chunk streams", c -> {
            c.handshake();
            for (int csid = 3; csid < 3 + 70; csid++) {
                // one-byte audio messages on message stream 0 (ignored by the session), each on a new chunk stream
                c.send(new RtmpMessage(csid, MessageTypeId.AUDIO, 0, 0, Unpooled.wrappedBuffer(new byte[] {(byte) 0xAF})));
            }
        }));
        list.add(new Attack("garbage AMF in a command", "AMF", c -> {
            c.handshake();
            c.send(new RtmpMessage(3, MessageTypeId.COMMAND_AMF0, 0, 0,
                    Unpooled.wrappedBuffer(new byte[] {0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't', 0x00, 0x3F, (byte) 0xF0, 0, 0, 0, 0, 0, 0, 0x03, 0x00, 0x03, 'a', 'p', 'p', 0x10, 0x7F})));
        }));
        list.add(new Attack("type 1 chunk header on a new chunk stream", "without a prior type 0", c -> {
            c.handshake();
            c.raw(new byte[] {(byte) (1 << 6 | 9), 0, 0, 0, 0, 0, 1, 8, 0});
        }));
        list.add(new Attack("too many createStream", "too many streams", c -> {
            c.handshake();
            c.connect("live");
            for (int i = 0; i < 9; i++) {
                c.command(Commands.createStream(2 + i), 0);
            }
        }));
        return list;
    }

    private static byte[] setChunkSize(int size) {
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeByte(2).writeMedium(0).writeMedium(4).writeByte(MessageTypeId.SET_CHUNK_SIZE).writeIntLE(0).writeInt(size);
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            return bytes;
        } finally {
            b.release();
        }
    }

    @Test
    void everyHostilePeerIsDisconnectedWithOneWarningWhileAPlayerKeepsReceivingEveryFrame() throws Exception {
        assertTrue(RtmpServerTestSupport.ffmpegAvailable(), "ffmpeg/ffprobe not installed");
        RtmpServerTestSupport.LogCapture log = new RtmpServerTestSupport.LogCapture();
        RtmpServer server = RtmpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .handshakeTimeout(java.time.Duration.ofMillis(800)).build().start();
        Process player = null;
        Process publisher = null;
        try {
            RtmpServerTestSupport.Probe probe = new RtmpServerTestSupport.Probe();
            server.hub().subscribe("live/x", probe);
            String url = "rtmp://127.0.0.1:" + server.port() + "/live/x";
            Path out = tmp.resolve("player.flv");
            player = ffmpeg(tmp.resolve("player.log"), "-i", url, "-c", "copy", "-f", "flv", "-y", out.toString());
            awaitTrue("player subscribed", 10_000, () -> server.hub().subscriberCount("live/x") == 2);
            publisher = ffmpeg(tmp.resolve("publisher.log"), "-re", "-i", media(RtmpServerFfmpegTest.FRIDAY).toString(),
                    "-c", "copy", "-f", "flv", url);
            awaitTrue("stream live", 10_000, () -> probe.videoFrames.get() > 15);

            Map<String, Long> closedAfterMs = new LinkedHashMap<>();
            for (Attack a : attacks()) {
                long t0 = System.nanoTime();
                // lines from this attack on only: the OS may give this client the local port of an earlier one
                int mark = log.mark();
                try (RtmpServerTestSupport.RawClient c = new RtmpServerTestSupport.RawClient(server.port())) {
                    int localPort = c.socket.getLocalPort();
                    try {
                        a.body().run(c);
                    } catch (java.io.IOException e) {
                        // the server may close while the attack is still writing
                    }
                    assertTrue(c.awaitClosedByServer(3000), a.name() + ": connection not closed");
                    closedAfterMs.put(a.name(), (System.nanoTime() - t0) / 1_000_000);
                    awaitTrue(a.name() + ": WARN line", 2000,
                            () -> !log.linesSince(mark, "WARN", ":" + localPort + ":").isEmpty());
                    List<String> lines = log.linesSince(mark, "WARN", ":" + localPort + ":");
                    assertEquals(1, lines.size(), a.name() + ": exactly one WARN line: " + lines);
                    assertTrue(lines.get(0).contains("127.0.0.1") && lines.get(0).contains(a.violation()),
                            a.name() + ": the line names the peer and the violation: " + lines.get(0));
                }
            }
            assertTrue(probe.videoFrames.get() < RtmpServerFfmpegTest.FRIDAY_VIDEO_FRAMES,
                    "the attacks ran while the stream was live: " + closedAfterMs);

            assertEquals(0, await(publisher, 30, tmp.resolve("publisher.log")), read(tmp.resolve("publisher.log")));
            assertEquals(0, await(player, 15, tmp.resolve("player.log")), read(tmp.resolve("player.log")));
            int decoded = decodedVideoFrames(out);
            assertEquals(RtmpServerFfmpegTest.FRIDAY_VIDEO_FRAMES, probe.videoFrames.get());
            assertTrue(decoded >= 0.95 * RtmpServerFfmpegTest.FRIDAY_VIDEO_FRAMES, "player decoded " + decoded);
            List<Double> dts = videoPacketDts(out);
            double maxGap = 0;
            for (int i = 1; i < dts.size(); i++) {
                maxGap = Math.max(maxGap, dts.get(i) - dts.get(i - 1));
            }
            assertTrue(maxGap < 0.1, "no gap in the player's video: largest DTS step " + maxGap + " s");
        } finally {
            kill(publisher);
            kill(player);
            server.close();
            log.close();
        }
    }
}
