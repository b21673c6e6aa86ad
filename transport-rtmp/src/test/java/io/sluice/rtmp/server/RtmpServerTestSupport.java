package io.sluice.rtmp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.hub.StreamSubscriber;
import io.sluice.rtmp.chunk.ChunkDecoder;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.handshake.RtmpHandshake;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.ControlMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.RtmpMessages;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/** Helpers for the server tests: media, ffmpeg/ffprobe processes, a raw socket client, a hub probe, log capture. */
final class RtmpServerTestSupport {
    static final String FFMPEG = "/usr/bin/ffmpeg";
    static final String FFPROBE = "/usr/bin/ffprobe";

    private RtmpServerTestSupport() {
    }

    /** A clip from ../shared/media. */
    static Path media(String name) {
        String dir = System.getProperty("sluice.shared.dir", "../../shared");
        Path p = Path.of(dir, "media", name);
        if (!Files.exists(p)) {
            p = Path.of("/work/shared/media", name);
        }
        return p;
    }

    static boolean ffmpegAvailable() {
        return Files.isExecutable(Path.of(FFMPEG)) && Files.isExecutable(Path.of(FFPROBE));
    }

    /** Starts ffmpeg with {@code -hide_banner -nostdin -loglevel warning} and its output in {@code log}. */
    static Process ffmpeg(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "warning"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Waits for exit; kills and fails after {@code seconds}. */
    static int await(Process p, long seconds, Path log) throws Exception {
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("ffmpeg did not exit within " + seconds + " s; log:\n" + read(log));
        }
        return p.exitValue();
    }

    static void kill(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(3, TimeUnit.SECONDS);
            }
        }
    }

    static String read(Path p) {
        try {
            return Files.exists(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Runs a command to completion and returns its stdout (stderr discarded). */
    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + String.join(" ", cmd));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** Video frames ffprobe decodes in a file ({@code -count_frames}). */
    static int decodedVideoFrames(Path file) throws Exception {
        return io.sluice.rtmp.interop.FfmpegTools.decodedVideoFrames(file);
    }

    /** Flags ("K_", "__") of the video packets of a file, in order. */
    static List<String> videoPacketFlags(Path file) throws Exception {
        String out = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=flags",
                "-of", "csv=p=0", file.toString());
        List<String> flags = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (!line.isBlank()) {
                flags.add(line.trim());
            }
        }
        return flags;
    }

    /** DTS (s) of the video packets of a file, in order. */
    static List<Double> videoPacketDts(Path file) throws Exception {
        String out = run(FFPROBE, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=dts_time",
                "-of", "csv=p=0", file.toString());
        List<Double> dts = new ArrayList<>();
        for (String line : out.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty() && !t.equals("N/A")) {
                dts.add(Double.parseDouble(t));
            }
        }
        return dts;
    }

    static void awaitTrue(String what, long timeoutMs, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + timeoutMs + " ms waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** A hub subscriber that counts what it sees and releases every frame. */
    static final class Probe implements StreamSubscriber {
        final AtomicInteger publishes = new AtomicInteger();
        final AtomicInteger unpublishes = new AtomicInteger();
        final AtomicLong videoFrames = new AtomicLong();
        final AtomicLong audioFrames = new AtomicLong();
        final AtomicLong keyframes = new AtomicLong();
        /** Index (0-based, among video frames) of the last keyframe seen. */
        volatile long lastKeyframeIndex = -1;
        final List<Long> videoPtsUs = new CopyOnWriteArrayList<>();
        final List<Long> videoDtsUs = new CopyOnWriteArrayList<>();
        final List<TrackInfo> tracks = new CopyOnWriteArrayList<>();
        volatile long lastFrameNanos;

        @Override
        public void onPublish(String streamName, List<TrackInfo> t) {
            publishes.incrementAndGet();
            tracks.clear();
            tracks.addAll(t);
        }

        @Override
        public void onFrame(EncodedFrame frame) {
            try {
                lastFrameNanos = System.nanoTime();
                if (frame.track().isVideo()) {
                    videoFrames.incrementAndGet();
                    videoPtsUs.add(frame.ptsUs());
                    videoDtsUs.add(frame.dtsUs());
                    if (frame.isKeyframe()) {
                        lastKeyframeIndex = videoFrames.get() - 1;
                        keyframes.incrementAndGet();
                    }
                } else {
                    audioFrames.incrementAndGet();
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void onUnpublish(String streamName) {
            unpublishes.incrementAndGet();
        }
    }

    /**
     * A blocking RTMP client on a plain socket, built from the module's own handshake and chunk
     * classes: for hostile input and for protocol checks.
     */
    static final class RawClient implements Closeable {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final ChunkEncoder encoder = new ChunkEncoder();
        final ChunkDecoder decoder = new ChunkDecoder();
        private final ByteBuf inbound = Unpooled.buffer();
        private final List<Object> pending = new ArrayList<>();

        RawClient(int port) throws IOException {
            this(port, java.net.InetAddress.getLoopbackAddress());
        }

        /** A client whose socket is bound to {@code local} (e.g. 127.0.0.2: another client address on loopback). */
        RawClient(int port, java.net.InetAddress local) throws IOException {
            this(port, local, 0);
        }

        /**
         * A client with a receive buffer of {@code receiveBufferBytes} set before connecting (so the window it
         * advertises stays that small); 0 = the system's default.
         */
        RawClient(int port, java.net.InetAddress local, int receiveBufferBytes) throws IOException {
            socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.bind(new java.net.InetSocketAddress(local, 0));
            socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port));
            socket.setSoTimeout(5000);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void handshake() throws IOException {
            RtmpHandshake hs = RtmpHandshake.client();
            ByteBuf c0c1 = hs.pollOutbound();
            writeAndRelease(c0c1);
            byte[] s = in.readNBytes(1 + 2 * RtmpHandshake.HANDSHAKE_SIZE);
            if (s.length < 1 + 2 * RtmpHandshake.HANDSHAKE_SIZE) {
                throw new IOException("server closed during the handshake");
            }
            ByteBuf sb = Unpooled.wrappedBuffer(s);
            hs.feed(sb);
            ByteBuf c2;
            while ((c2 = hs.pollOutbound()) != null) {
                writeAndRelease(c2);
            }
        }

        private void writeAndRelease(ByteBuf b) throws IOException {
            try {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                out.write(bytes);
                out.flush();
            } finally {
                b.release();
            }
        }

        void raw(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends a message (released here). */
        void send(RtmpMessage m) throws IOException {
            ByteBuf b = Unpooled.buffer();
            try {
                encoder.encode(m, b);
            } finally {
                m.release();
            }
            writeAndRelease(b);
        }

        void send(ControlMessage c) throws IOException {
            send(RtmpMessages.encode(c, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT));
        }

        void command(CommandMessage c, int messageStreamId) throws IOException {
            send(RtmpMessages.encode(c, 3, messageStreamId, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT));
        }

        void connect(String app) throws IOException {
            command(Commands.connect(1, app, "rtmp://127.0.0.1/" + app), 0);
        }

        /** Reads until a command named {@code name} arrives (other messages are skipped), or fails after the socket timeout. */
        CommandMessage awaitCommand(String name) throws IOException {
            while (true) {
                RtmpMessage m = next();
                try {
                    if (m.messageTypeId() == MessageTypeId.COMMAND_AMF0) {
                        CommandMessage c = RtmpMessages.decodeCommand(m);
                        if (c.name().equals(name)) {
                            return c;
                        }
                    }
                } finally {
                    m.release();
                }
            }
        }

        /** The next message from the server (owned by the caller). */
        RtmpMessage next() throws IOException {
            byte[] buf = new byte[8192];
            while (true) {
                if (pending.isEmpty()) {
                    decoder.decode(inbound, pending);
                    inbound.discardReadBytes();
                }
                if (!pending.isEmpty()) {
                    return (RtmpMessage) pending.remove(0);
                }
                int n = in.read(buf);
                if (n < 0) {
                    throw new IOException("closed by the server");
                }
                inbound.writeBytes(buf, 0, n);
            }
        }

        /** Whether the server closes the connection within {@code timeoutMs} (reading and discarding whatever it sends). */
        boolean awaitClosedByServer(long timeoutMs) throws IOException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            byte[] buf = new byte[8192];
            while (System.nanoTime() < end) {
                socket.setSoTimeout((int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
                try {
                    if (in.read(buf) < 0) {
                        return true;
                    }
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    return true; // reset
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            pending.forEach(m -> ((RtmpMessage) m).release());
            pending.clear();
            decoder.close();
            inbound.release();
            socket.close();
        }
    }

    /** Copies System.err (where slf4j-simple writes) so that tests can count log lines. */
    static final class LogCapture implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

        LogCapture() {
            System.setErr(new PrintStream(new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (copy) {
                        copy.write(b);
                    }
                    original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (copy) {
                        copy.write(b, off, len);
                    }
                    original.write(b, off, len);
                }
            }, true));
        }

        /** Where the log is now, for {@link #linesSince}: bytes logged so far. */
        int mark() {
            synchronized (copy) {
                return copy.size();
            }
        }

        /** Lines logged so far that contain every one of {@code parts}. */
        List<String> lines(String... parts) {
            return linesSince(0, parts);
        }

        /** Lines logged after {@code mark} (a {@link #mark()}) that contain every one of {@code parts}. */
        List<String> linesSince(int mark, String... parts) {
            String all;
            synchronized (copy) {
                byte[] bytes = copy.toByteArray();
                all = new String(bytes, mark, bytes.length - mark, StandardCharsets.UTF_8);
            }
            List<String> out = new ArrayList<>();
            for (String line : all.split("\n")) {
                boolean match = true;
                for (String p : parts) {
                    match &= line.contains(p);
                }
                if (match) {
                    out.add(line);
                }
            }
            return out;
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
