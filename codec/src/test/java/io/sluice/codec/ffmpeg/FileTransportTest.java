package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.sluice.core.AudioEncoderConfig;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.core.VideoEncoderConfig;
import io.sluice.core.spi.EncoderProvider;
import io.sluice.core.spi.Transport;
import io.sluice.core.spi.TransportState;
import io.sluice.core.spi.Transports;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileTransportTest {
    private static final String RABBIT = "bbb_rabbit_320x240_8s_h264_aac.mp4";

    @TempDir
    Path tmp;

    /** Video and audio of the first 2 s of the rabbit clip, encoded once per test, in decode order by time. */
    private List<EncodedFrame> encodeRabbit(List<TrackInfo> tracksOut) {
        List<EncodedFrame> frames = new ArrayList<>();
        EncoderProvider provider = ServiceLoader.load(EncoderProvider.class).findFirst().orElseThrow();
        assertInstanceOf(FfmpegEncoderProvider.class, provider);
        try (TestDecoder vdec = TestDecoder.video(RABBIT); TestDecoder adec = TestDecoder.audio(RABBIT);
                var venc = provider.createVideoEncoder(vdec.track(0), VideoEncoderConfig.builder().bitrateBps(500_000).build(), 0);
                var aenc = provider.createAudioEncoder(adec.track(1), AudioEncoderConfig.defaults(), 1)) {
            tracksOut.add(venc.outputTrack());
            tracksOut.add(aenc.outputTrack());
            for (AvRawFrame in = vdec.next(); in != null && in.ptsUs() < 2_000_000; in = vdec.next()) {
                try {
                    venc.encode(in, frames::add);
                } finally {
                    in.release();
                }
            }
            for (AvRawFrame in = adec.next(); in != null && in.ptsUs() < 2_000_000; in = adec.next()) {
                try {
                    aenc.encode(in, frames::add);
                } finally {
                    in.release();
                }
            }
            venc.flush(frames::add);
            aenc.flush(frames::add);
        }
        frames.sort(Comparator.comparingLong(EncodedFrame::dtsUs));
        return frames;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mp4", "mkv", "flv", "ts", "mov"})
    void recordsVideoAndAudio(String ext) {
        List<TrackInfo> tracks = new ArrayList<>();
        List<EncodedFrame> frames = encodeRabbit(tracks);
        long videoFrames = frames.stream().filter(f -> f.track().isVideo()).count();
        Path out = tmp.resolve("rabbit." + ext);
        RecordingFeedback feedback = new RecordingFeedback();
        Transport t = Transports.create(out.toUri());
        assertInstanceOf(FileTransport.class, t);
        long bytes = frames.stream().mapToLong(EncodedFrame::size).sum();
        int count = frames.size();
        try (t) {
            t.open(tracks, feedback);
            for (EncodedFrame f : frames) {
                assertTrue(t.send(f));
            }
            assertEquals(count, t.stats().framesSent());
            assertEquals(bytes, t.stats().bytesSent());
            assertEquals(TransportState.CONNECTED, t.stats().state());
        }
        t.close();
        assertEquals(List.of(TransportState.CONNECTING, TransportState.CONNECTED, TransportState.CLOSED), feedback.states);
        Map<String, String> v = Ffprobe.stream(out, "v:0", "codec_name,width,height,nb_read_frames");
        assertEquals("h264", v.get("codec_name"), v.toString());
        assertEquals("320", v.get("width"));
        assertEquals(String.valueOf(videoFrames), v.get("nb_read_frames"));
        Map<String, String> a = Ffprobe.stream(out, "a:0", "codec_name,channels");
        assertEquals("aac", a.get("codec_name"), a.toString());
        assertEquals("2", a.get("channels"));
    }

    @Test
    void unknownExtensionNamesUriAndSupportedOnes() {
        URI uri = tmp.resolve("out.avi").toUri();
        TransportException e = assertThrows(TransportException.class, () -> Transports.create(uri));
        assertEquals(uri, e.uri());
        assertTrue(e.getMessage().contains(uri.toString()) && e.getMessage().contains("flv, m4v, mkv, mov, mp4, ts"), e.getMessage());
    }

    @Test
    void unwritablePathFailsWithUriAndNativeFunction() {
        URI uri = tmp.resolve("no-such-dir/out.mp4").toUri();
        RecordingFeedback feedback = new RecordingFeedback();
        TrackInfo track = TrackInfo.builder(0, Codec.AAC).audio(48_000, 2).codecConfig(new byte[] {0x11, (byte) 0x90}).build();
        try (FileTransport t = new FileTransport(uri)) {
            TransportException e = assertThrows(TransportException.class, () -> t.open(List.of(track), feedback));
            assertEquals(uri, e.uri());
            assertEquals("avio_open", e.nativeFunction().orElseThrow());
            assertTrue(e.errorCode() < 0);
            assertTrue(e.getMessage().contains(uri.toString()) && e.getMessage().contains("avio_open() returned"), e.getMessage());
        }
        assertEquals(List.of(TransportState.CONNECTING, TransportState.FAILED), feedback.states);
    }

    @Test
    void aCodecTheContainerCannotCarryIsNamedBeforeTheFileIsCreated() {
        Path out = tmp.resolve("vp8.mp4");
        RecordingFeedback feedback = new RecordingFeedback();
        TrackInfo vp8 = TrackInfo.builder(0, Codec.VP8).resolution(320, 240).build();
        try (FileTransport t = new FileTransport(out.toUri())) {
            TransportException e = assertThrows(TransportException.class, () -> t.open(List.of(vp8), feedback));
            assertTrue(e.getMessage().contains("the mp4 container cannot carry VP8 (track #0)"), e.getMessage());
        }
        assertTrue(java.nio.file.Files.notExists(out), "no empty file left behind");
        assertEquals(List.of(TransportState.CONNECTING, TransportState.FAILED), feedback.states);
    }

    @Test
    void repeatedDtsIsBumpedAndFramesAreReleased() {
        Path out = tmp.resolve("dts.mkv");
        TrackInfo track = TrackInfo.builder(0, Codec.AAC).audio(48_000, 2).codecConfig(new byte[] {0x11, (byte) 0x90}).build();
        try (FileTransport t = new FileTransport(out.toUri())) {
            t.open(List.of(track), new RecordingFeedback());
            byte[] silence = {0x21, 0x10, 0x04, 0x60, (byte) 0x8c, 0x1c}; // a silent AAC-LC stereo frame
            EncodedFrame a = new EncodedFrame(track, Unpooled.directBuffer().writeBytes(silence), 0, true);
            EncodedFrame b = new EncodedFrame(track, Unpooled.directBuffer().writeBytes(silence), 0, true);
            EncodedFrame unknown = new EncodedFrame(TrackInfo.builder(7, Codec.AAC).audio(48_000, 2).build(),
                    Unpooled.directBuffer().writeBytes(silence), 0, true);
            assertTrue(t.send(a));
            assertTrue(t.send(b));
            assertEquals(false, t.send(unknown));
            assertEquals(0, a.refCnt());
            assertEquals(0, b.refCnt());
            assertEquals(0, unknown.refCnt());
            assertEquals(1, t.stats().framesDropped());
        }
        assertEquals(2, Ffprobe.entries(out, "a:0", "packet=dts").size());
    }
}
