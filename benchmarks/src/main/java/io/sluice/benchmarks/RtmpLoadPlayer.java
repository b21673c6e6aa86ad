package io.sluice.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.rtmp.chunk.ChunkEncoder;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.handshake.RtmpHandshake;
import io.sluice.rtmp.message.Acknowledgement;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.ControlMessage;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.UserControl;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal RTMP player for load tests, on one blocking socket and one thread: handshake,
 * {@code connect}, {@code createStream}, {@code play} (sent back to back, stream id 1, which both
 * the Sluice server and nginx-rtmp hand out first), then it parses chunk headers only and skips
 * payloads without copying them, counting video/audio messages and bytes. It answers PingRequests
 * and acknowledges the server's window, so servers that enforce those keep it. The same program
 * works against any RTMP server.
 *
 * <p><b>On time.</b> For each video message it computes lag = (wall ms since its first video
 * message) − (RTMP timestamp ms − first timestamp); within a measurement window the drift is
 * max(lag) − min(lag): a player that keeps up has a drift of a few frame intervals. A video
 * timestamp step above {@link #GAP_MS} counts as a gap (frames lost).
 *
 * <p>Counters are read from other threads without locks (volatile/plain longs): good enough for
 * a benchmark report.
 */
final class RtmpLoadPlayer implements Runnable {
    /** A video timestamp step above this many ms counts as a gap. */
    static final long GAP_MS = 200;

    private final String host;
    private final int port;
    private final String app;
    private final String stream;
    private Socket socket;
    private OutputStream out;
    private final ChunkEncoder encoder = new ChunkEncoder();

    volatile boolean running = true;
    volatile boolean playing;
    volatile String error;
    // stats (written by the player thread)
    volatile long bytes;
    volatile long videoFrames;
    volatile long audioFrames;
    volatile long gaps;
    volatile long lagMinMs = Long.MAX_VALUE;
    volatile long lagMaxMs = Long.MIN_VALUE;
    private long firstWallMs = -1;
    private long firstTs;
    private long lastVideoTs = -1;

    // chunk parser state
    private int chunkSize = 128;
    private long windowAck;
    private long lastAck;
    private final Map<Integer, Cs> streams = new LinkedHashMap<>();

    private static final class Cs {
        long timestamp;
        long delta;
        int length;
        int type;
        int remaining;
        boolean extended;
        final byte[] head = new byte[16];
        int headLen;
    }

    /** Told about each complete video message that is not a sequence header, on the player's thread. */
    interface VideoListener {
        /**
         * @param head       the first bytes of the message payload (FLV video tag body), at most 16
         * @param headLength valid bytes in {@code head}
         * @param timestamp  the RTMP timestamp, ms
         * @param nanos      {@link System#nanoTime()} when the last byte of the message was parsed
         */
        void onVideo(byte[] head, int headLength, long timestamp, long nanos);
    }

    private volatile VideoListener videoListener;

    RtmpLoadPlayer(String host, int port, String app, String stream) {
        this.host = host;
        this.port = port;
        this.app = app;
        this.stream = stream;
    }

    /** Sets the listener told about each video message (before {@link #run()}). */
    RtmpLoadPlayer videoListener(VideoListener listener) {
        this.videoListener = listener;
        return this;
    }

    /** Starts a new measurement window: drift and gap counters restart. */
    void resetWindow() {
        lagMinMs = Long.MAX_VALUE;
        lagMaxMs = Long.MIN_VALUE;
        gaps = 0;
    }

    void stop() {
        running = false;
        try {
            if (socket != null) {
                socket.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void run() {
        try {
            socket = new Socket();
            socket.setReceiveBufferSize(256 << 10);
            socket.connect(new InetSocketAddress(host, port), 5000);
            socket.setTcpNoDelay(true);
            InputStream in = socket.getInputStream();
            out = socket.getOutputStream();
            handshake(in);
            send(RtmpMessages.encode(Commands.connect(1, Map.of("app", app, "flashVer", "LNX 9,0,124,2",
                    "tcUrl", "rtmp://" + host + ":" + port + "/" + app, "fpad", false, "capabilities", 15.0,
                    "audioCodecs", 4071.0, "videoCodecs", 252.0, "videoFunction", 1.0)), 3, 0, UnpooledByteBufAllocator.DEFAULT));
            send(RtmpMessages.encode(Commands.createStream(2), 3, 0, UnpooledByteBufAllocator.DEFAULT));
            send(RtmpMessages.encode(Commands.play(stream), 8, 1, UnpooledByteBufAllocator.DEFAULT));
            send(RtmpMessages.encode(UserControl.setBufferLength(1, 1000), UnpooledByteBufAllocator.DEFAULT));
            out.flush();
            read(in);
        } catch (IOException e) {
            if (running) {
                error = e.toString();
            }
        } finally {
            running = false;
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // done
            }
        }
    }

    private void handshake(InputStream in) throws IOException {
        RtmpHandshake hs = RtmpHandshake.client();
        write(hs.pollOutbound());
        byte[] s = in.readNBytes(1 + 2 * RtmpHandshake.HANDSHAKE_SIZE);
        if (s.length != 1 + 2 * RtmpHandshake.HANDSHAKE_SIZE) {
            throw new IOException("closed during handshake");
        }
        ByteBuf b = io.netty.buffer.Unpooled.wrappedBuffer(s);
        hs.feed(b);
        ByteBuf c2;
        while ((c2 = hs.pollOutbound()) != null) {
            write(c2);
        }
    }

    private void write(ByteBuf b) throws IOException {
        try {
            byte[] bytes = new byte[b.readableBytes()];
            b.readBytes(bytes);
            out.write(bytes);
        } finally {
            b.release();
        }
    }

    private void send(RtmpMessage m) throws IOException {
        ByteBuf b = UnpooledByteBufAllocator.DEFAULT.heapBuffer();
        try {
            encoder.encode(m, b);
        } finally {
            m.release();
        }
        write(b);
    }

    private void control(ControlMessage c) throws IOException {
        send(RtmpMessages.encode(c, UnpooledByteBufAllocator.DEFAULT));
        out.flush();
    }

    /** Streaming chunk parser: headers parsed, payloads skipped (first 16 bytes of each message kept). */
    private void read(InputStream in) throws IOException {
        byte[] buf = new byte[256 << 10];
        int start = 0;
        int end = 0;
        Cs cur = null;
        int chunkLeft = 0; // payload bytes of the current chunk still to skip
        long total = 0;
        while (running) {
            if (start == end) {
                start = 0;
                end = 0;
            } else if (buf.length - end < 32) {
                System.arraycopy(buf, start, buf, 0, end - start);
                end -= start;
                start = 0;
            }
            int n = in.read(buf, end, buf.length - end);
            if (n < 0) {
                throw new IOException("closed by the server");
            }
            end += n;
            total += n;
            bytes = total;
            if (windowAck > 0 && total - lastAck >= windowAck) {
                lastAck = total;
                control(Acknowledgement.ofBytesReceived(total));
            }
            while (true) {
                if (chunkLeft > 0) {
                    int take = Math.min(chunkLeft, end - start);
                    if (cur.headLen < cur.head.length) {
                        int copy = Math.min(take, cur.head.length - cur.headLen);
                        System.arraycopy(buf, start, cur.head, cur.headLen, copy);
                        cur.headLen += copy;
                    }
                    start += take;
                    chunkLeft -= take;
                    cur.remaining -= take;
                    if (chunkLeft > 0) {
                        break; // need more bytes
                    }
                    if (cur.remaining == 0) {
                        message(cur);
                    }
                    continue;
                }
                // parse a chunk header if complete
                int avail = end - start;
                if (avail < 1) {
                    break;
                }
                int b0 = buf[start] & 0xFF;
                int fmt = b0 >>> 6;
                int csid = b0 & 0x3F;
                int basic = 1;
                if (csid == 0) {
                    if (avail < 2) {
                        break;
                    }
                    csid = 64 + (buf[start + 1] & 0xFF);
                    basic = 2;
                } else if (csid == 1) {
                    if (avail < 3) {
                        break;
                    }
                    csid = 64 + (buf[start + 1] & 0xFF) + ((buf[start + 2] & 0xFF) << 8);
                    basic = 3;
                }
                int mh = fmt == 0 ? 11 : fmt == 1 ? 7 : fmt == 2 ? 3 : 0;
                if (avail < basic + mh) {
                    break;
                }
                Cs cs = streams.computeIfAbsent(csid, k -> new Cs());
                int p = start + basic;
                long tsField = fmt < 3 ? u24(buf, p) : 0;
                boolean ext = fmt < 3 ? tsField == 0xFFFFFF : cs.extended;
                int hdr = basic + mh + (ext ? 4 : 0);
                if (avail < hdr) {
                    break;
                }
                if (ext && fmt < 3) {
                    tsField = u32(buf, start + basic + mh);
                }
                boolean newMessage = cs.remaining == 0;
                if (fmt == 0) {
                    cs.timestamp = tsField;
                    cs.delta = tsField;
                    cs.length = (int) u24(buf, p + 3);
                    cs.type = buf[p + 6] & 0xFF;
                    cs.extended = ext;
                } else if (fmt == 1) {
                    cs.delta = tsField;
                    cs.timestamp += tsField;
                    cs.length = (int) u24(buf, p + 3);
                    cs.type = buf[p + 6] & 0xFF;
                    cs.extended = ext;
                } else if (fmt == 2) {
                    cs.delta = tsField;
                    cs.timestamp += tsField;
                    cs.extended = ext;
                } else if (newMessage) {
                    cs.timestamp += cs.delta;
                }
                if (newMessage) {
                    cs.remaining = cs.length;
                    cs.headLen = 0;
                }
                start += hdr;
                cur = cs;
                chunkLeft = Math.min(cs.remaining, chunkSize);
                if (chunkLeft == 0) { // empty message
                    message(cs);
                }
            }
        }
    }

    private void message(Cs cs) throws IOException {
        switch (cs.type) {
            case 1 -> chunkSize = (int) (u32(cs.head, 0) & 0x7FFFFFFF);
            case 5 -> windowAck = u32(cs.head, 0);
            case 4 -> {
                int event = (cs.head[0] & 0xFF) << 8 | cs.head[1] & 0xFF;
                if (event == UserControl.PING_REQUEST) {
                    control(new UserControl(UserControl.PING_RESPONSE, u32(cs.head, 2), 0));
                }
            }
            case 9 -> {
                boolean sequenceHeader = cs.headLen >= 2 && (cs.head[0] & 0x0F) == 7 && cs.head[1] == 0;
                if (!sequenceHeader) {
                    VideoListener l = videoListener;
                    if (l != null) {
                        l.onVideo(cs.head, cs.headLen, cs.timestamp, System.nanoTime());
                    }
                    video(cs.timestamp);
                }
            }
            case 8 -> audioFrames++;
            default -> {
            }
        }
    }

    private void video(long ts) {
        long now = System.nanoTime() / 1_000_000;
        playing = true;
        if (firstWallMs < 0) {
            firstWallMs = now;
            firstTs = ts;
        }
        if (lastVideoTs >= 0 && ts - lastVideoTs > GAP_MS) {
            gaps++;
        }
        lastVideoTs = ts;
        long lag = (now - firstWallMs) - (ts - firstTs);
        if (lag < lagMinMs) {
            lagMinMs = lag;
        }
        if (lag > lagMaxMs) {
            lagMaxMs = lag;
        }
        videoFrames++;
    }

    private static long u24(byte[] b, int i) {
        return (b[i] & 0xFFL) << 16 | (b[i + 1] & 0xFFL) << 8 | b[i + 2] & 0xFFL;
    }

    private static long u32(byte[] b, int i) {
        return (b[i] & 0xFFL) << 24 | (b[i + 1] & 0xFFL) << 16 | (b[i + 2] & 0xFFL) << 8 | b[i + 3] & 0xFFL;
    }
}
