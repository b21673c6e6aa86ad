package io.sluice.rtmp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.TrackInfo;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.flv.FlvMuxer;
import io.sluice.rtmp.message.MessageTypeId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The RTMP serialization of one hub stream, shared by all its players on one server: each frame
 * becomes an FLV tag and then chunks ({@link PrechunkedMessage}) once, and every player writes a
 * duplicate of the same bytes, as nginx-rtmp shares one chain of buffers between its players.
 * Per-player work is then a reference count and a socket write, not a mux and a copy.
 *
 * <p><b>What makes the bytes the same for every player.</b> Chunk stream 6 (video) or 4 (audio),
 * message stream id {@value #MESSAGE_STREAM_ID} (what {@code createStream} gives first; players on
 * another message stream get their own serialization), a type 0 header on the first chunk and type 3
 * on the rest, the server's outgoing chunk size, and timestamps shared by all players: ms from the
 * first frame this object serialized, continuing monotonically across publisher changes (a new
 * publication starts at the last timestamp sent). A player that joins later starts at the GOP
 * cache's keyframe with a timestamp above 0, which players accept.
 *
 * <p><b>Finding the bytes again.</b> The hub hands each subscriber its own duplicate of a frame,
 * one subscriber after the other under the stream's lock. The first sink serializes; the next
 * ones recognise the same frame (same underlying buffer and index, track, DTS and length) and
 * take the bytes from the one-frame memo. Frames the hub replays from its GOP cache to a new
 * player are serialized again for it (same bytes, computed once more).
 *
 * <p>Thread-safe (one monitor; in practice the hub's stream lock already serializes the calls).
 */
final class SharedStream {
    /** The message stream id the shared bytes carry. */
    static final int MESSAGE_STREAM_ID = 1;

    private final Registry registry;
    private final String name;
    private final int chunkSize;
    private final ByteBufAllocator alloc;
    private int references;
    // publication state (under this)
    private List<TrackInfo> generation;
    private boolean rebase = true;
    private long base;
    private long lastTs;
    // the memo (under this)
    private PrechunkedMessage last;
    private ByteBuf lastRoot;
    private int lastIndex;
    private int lastLength;
    private TrackInfo lastTrack;
    private long lastDtsUs;

    private SharedStream(Registry registry, String name, int chunkSize, ByteBufAllocator alloc) {
        this.registry = registry;
        this.name = name;
        this.chunkSize = chunkSize;
        this.alloc = alloc;
    }

    /** The chunk size the bytes are cut with, bytes. */
    int chunkSize() {
        return chunkSize;
    }

    /**
     * A publication started (or a sink learnt of the current one): the first frame of a new
     * publication continues the timestamps from the last one sent.
     *
     * @param tracks the publication's track list, the same instance for all subscribers of one publication
     */
    synchronized void onPublish(List<TrackInfo> tracks) {
        if (tracks != generation) {
            generation = tracks;
            rebase = true;
        }
    }

    /**
     * The shared chunks of a frame, as a frame whose payload is the chunks and whose DTS is the
     * shared RTMP timestamp × 1000 µs (track, PTS and keyframe flag kept, so GOP-aware queues work
     * on it unchanged).
     *
     * @param frame borrowed (not released)
     * @return a frame owned by the caller, or {@code null} if RTMP cannot carry this frame (codec
     *         without an FLV mapping, no codec configuration, composition time out of range)
     */
    synchronized EncodedFrame serialize(EncodedFrame frame) {
        ByteBuf content = frame.content();
        ByteBuf root = content.unwrap() != null ? content.unwrap() : content;
        TrackInfo t = frame.track();
        if (last != null && root == lastRoot && content.readerIndex() == lastIndex && content.readableBytes() == lastLength
                && t == lastTrack && frame.dtsUs() == lastDtsUs) {
            return new EncodedFrame(t, last.content().retainedDuplicate(), frame.ptsUs(), last.timestamp() * 1000,
                    frame.isKeyframe(), frame.createdNanos());
        }
        boolean video = frame.mediaType() == MediaType.VIDEO;
        if (video ? !(t.codec() == Codec.H264 || t.codec() == Codec.H265 || t.codec() == Codec.AV1) : !(t.codec() == Codec.AAC || t.codec() == Codec.OPUS)) {
            return null;
        }
        if (t.codecConfigLength() == 0) {
            return null;
        }
        ByteBuf body;
        try {
            body = video ? FlvMuxer.videoFrame(frame, alloc) : FlvMuxer.audioFrame(frame, alloc);
        } catch (IllegalArgumentException e) {
            return null;
        }
        long dtsMs = FlvMuxer.rtmpTimestampMs(frame.dtsUs());
        if (rebase) {
            rebase = false;
            base = dtsMs - lastTs;
        }
        long ts = Math.max(0, dtsMs - base);
        lastTs = Math.max(lastTs, ts);
        RtmpMessage m = new RtmpMessage(video ? RtmpServerSession.CSID_VIDEO : RtmpServerSession.CSID_AUDIO,
                video ? MessageTypeId.VIDEO : MessageTypeId.AUDIO, MESSAGE_STREAM_ID, ts, body);
        PrechunkedMessage p;
        try {
            p = PrechunkedMessage.of(m, chunkSize, alloc);
        } finally {
            m.release();
        }
        if (last != null) {
            last.release();
        }
        last = p;
        lastRoot = root;
        lastIndex = content.readerIndex();
        lastLength = content.readableBytes();
        lastTrack = t;
        lastDtsUs = frame.dtsUs();
        return new EncodedFrame(t, p.content().retainedDuplicate(), frame.ptsUs(), ts * 1000, frame.isKeyframe(),
                frame.createdNanos());
    }

    /** Gives the reference taken with {@link Registry#acquire} back; the last one frees the memo. */
    void release() {
        registry.release(this);
    }

    private synchronized void freeMemo() {
        if (last != null) {
            last.release();
            last = null;
            lastRoot = null;
            lastTrack = null;
        }
    }

    /** The shared streams of one server, by hub stream name and chunk size; reference-counted. Thread-safe. */
    static final class Registry {
        private final Map<String, SharedStream> streams = new HashMap<>();

        /**
         * The shared stream for a hub stream, created on first use; give it back with
         * {@link SharedStream#release()}.
         */
        synchronized SharedStream acquire(String hubName, int chunkSize, ByteBufAllocator alloc) {
            String key = hubName + '\n' + chunkSize;
            SharedStream s = streams.computeIfAbsent(key, k -> new SharedStream(this, hubName, chunkSize, alloc));
            s.references++;
            return s;
        }

        private void release(SharedStream s) {
            synchronized (this) {
                if (--s.references > 0) {
                    return;
                }
                streams.remove(s.name + '\n' + s.chunkSize, s);
            }
            s.freeMemo();
        }

        /** Streams with players now. For tests. */
        synchronized int size() {
            return streams.size();
        }
    }
}
