package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real webcam H.264 RTP capture (shared/captures, see DATA.md): 3,896 packets, 2,036 frames, one
 * sequence number (20539) missing in the capture itself.
 */
class CaptureDepacketizeTest {
    static final Path CAPTURE = Pcap.sharedDir().resolve("captures/sipp_h264_rtp_webcam_640x480.pcap");
    static final TrackInfo TRACK = TrackInfo.builder(0, Codec.H264).resolution(640, 480).build();

    @TempDir
    Path tmp;

    static List<Pcap.UdpPacket> capture() throws IOException {
        assertTrue(Files.exists(CAPTURE), "capture not found: " + CAPTURE);
        return Pcap.readUdp(CAPTURE);
    }

    record Run(List<byte[]> aus, int keyframes, long lost, long dropped, boolean requested) {
    }

    static Run depacketize(List<Pcap.UdpPacket> packets, boolean waitForKeyframe) {
        JitterBuffer jb = JitterBuffer.builder(TRACK, new H264Depacketizer()).waitForKeyframeAfterLoss(waitForKeyframe).build();
        List<byte[]> aus = new ArrayList<>();
        int keys = 0;
        boolean requested = false;
        long now = 0;
        for (Pcap.UdpPacket p : packets) {
            now = p.timeUs();
            jb.insert(Unpooled.copiedBuffer(p.payload()), now);
            EncodedFrame f;
            while ((f = jb.poll(now)) != null) {
                aus.add(ByteBufUtil.getBytes(f.content()));
                keys += f.isKeyframe() ? 1 : 0;
                f.release();
            }
            requested |= jb.pollKeyframeRequest();
        }
        EncodedFrame f;
        while ((f = jb.poll(now + 10_000_000)) != null) {
            aus.add(ByteBufUtil.getBytes(f.content()));
            f.release();
        }
        Run r = new Run(aus, keys, jb.packetsLost(), jb.framesDropped(), requested);
        jb.close();
        return r;
    }

    static byte[] annexB(List<byte[]> aus) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] au : aus) {
            int i = 0;
            while (i < au.length) {
                int len = ((au[i] & 0xFF) << 24) | ((au[i + 1] & 0xFF) << 16) | ((au[i + 2] & 0xFF) << 8) | (au[i + 3] & 0xFF);
                o.writeBytes(new byte[] {0, 0, 0, 1});
                o.write(au, i + 4, len);
                i += 4 + len;
            }
        }
        return o.toByteArray();
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + out);
        return out;
    }

    /** Decodes with ffmpeg (must exit 0) and returns ffprobe's decoded-frame count. */
    int decodedFrames(List<byte[]> aus, String name) throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/ffmpeg")), "ffmpeg not installed");
        Path file = tmp.resolve(name);
        Files.write(file, annexB(aus));
        String errors = run("/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-f", "h264", "-i", file.toString(), "-f", "null", "-");
        System.out.println(name + ": ffmpeg errors: " + (errors.isBlank() ? "none" : errors.strip().lines().count() + " lines"));
        String count = run("/usr/bin/ffprobe", "-v", "error", "-f", "h264", "-count_frames", "-select_streams", "v:0",
                "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", file.toString());
        return Integer.parseInt(count.strip());
    }

    @Test
    void exactRoundTripReassemblesEveryCompleteAccessUnit() throws Exception {
        List<Pcap.UdpPacket> packets = capture();
        assertEquals(3896, packets.size());
        Run r = depacketize(packets, false);
        // 2036 frames; the one holding the missing sequence number 20539 cannot be complete.
        System.out.println("exact: access units " + r.aus().size() + ", keyframes " + r.keyframes() + ", lost seq " + r.lost());
        assertEquals(2035, r.aus().size());
        assertEquals(1, r.lost());
        assertEquals(15, r.keyframes());
        int frames = decodedFrames(r.aus(), "exact.h264");
        System.out.println("exact: ffprobe decoded frames " + frames);
        assertTrue(frames >= 2030, "decoded " + frames);

        // Re-packetize the reassembled access units and depacketize again: identical.
        H264Packetizer pz = H264Packetizer.builder(new RtpHeaderWriter(7, 96)).initialSequenceNumber(65500)
                .initialTimestamp(0).build();
        JitterBuffer jb = JitterBuffer.builder(TRACK, new H264Depacketizer()).waitForKeyframeAfterLoss(false).build();
        List<ByteBuf> out = new ArrayList<>();
        List<byte[]> again = new ArrayList<>();
        for (int i = 0; i < r.aus().size(); i++) {
            EncodedFrame f = new EncodedFrame(TRACK, Unpooled.wrappedBuffer(r.aus().get(i)), i * 66_666L, false);
            out.clear();
            pz.packetize(f, out);
            f.release();
            for (ByteBuf p : out) {
                jb.insert(p, i * 66_666L);
            }
            EncodedFrame g;
            while ((g = jb.poll(i * 66_666L)) != null) {
                again.add(ByteBufUtil.getBytes(g.content()));
                g.release();
            }
        }
        jb.close();
        assertEquals(r.aus().size(), again.size());
        for (int i = 0; i < again.size(); i++) {
            assertArrayEquals(r.aus().get(i), again.get(i), "access unit " + i);
        }
    }

    @Test
    void shuffledWithOnePercentLossStillDecodes() throws Exception {
        List<Pcap.UdpPacket> packets = new ArrayList<>(capture());
        Random rnd = new Random(20240601);
        // Shuffle inside windows of 6 packets, keep arrival times increasing, drop ~1 %.
        List<Pcap.UdpPacket> impaired = new ArrayList<>();
        int dropped = 0;
        for (int i = 0; i < packets.size(); i += 6) {
            List<Pcap.UdpPacket> w = new ArrayList<>(packets.subList(i, Math.min(packets.size(), i + 6)));
            List<Long> times = w.stream().map(Pcap.UdpPacket::timeUs).toList();
            Collections.shuffle(w, rnd);
            for (int k = 0; k < w.size(); k++) {
                if (rnd.nextInt(100) == 0) {
                    dropped++;
                    continue;
                }
                impaired.add(new Pcap.UdpPacket(times.get(k), w.get(k).payload()));
            }
        }
        Run r = depacketize(impaired, true);
        int frames = decodedFrames(r.aus(), "impaired.h264");
        System.out.println("impaired: dropped packets " + dropped + ", access units out " + r.aus().size()
                + ", frames dropped waiting for keyframe " + r.dropped() + ", ffprobe decoded frames " + frames);
        assertTrue(r.requested(), "a keyframe request was raised");
        // Every loss drops the rest of its GOP (the capture has a random access point only every ~9 s),
        // and FFmpeg holds back frames after a recovery point until the picture has been refreshed.
        assertTrue(frames <= r.aus().size() && frames > 150, "decoded " + frames);
    }
}
