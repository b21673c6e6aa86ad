package io.sluice.rtmp.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.amf.Amf0;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.flv.FlvAudioPacket;
import io.sluice.rtmp.flv.FlvMuxer;
import io.sluice.rtmp.flv.FlvVideoPacket;
import io.sluice.rtmp.message.Acknowledgement;
import io.sluice.rtmp.message.ChunkStreamIds;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.ControlMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.SetChunkSize;
import io.sluice.rtmp.message.SetPeerBandwidth;
import io.sluice.rtmp.message.UserControl;
import io.sluice.rtmp.message.WindowAcknowledgementSize;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The publishing side of one RTMP connection, sans-IO: from the end of the handshake to
 * {@code deleteStream}. It consumes the server's {@link RtmpMessage}s, produces the messages to
 * send ({@link #pollOutbound()}) and {@link Event}s ({@link #pollEvent()}), and never reads the
 * clock: time comes in as {@code nowNanos} (any monotonic origin, e.g. {@link System#nanoTime()}).
 *
 * <h2>Sequence (as ffmpeg and OBS publish)</h2>
 * <ol>
 *   <li>{@link #start}: SetChunkSize (§5.4.1), then {@code connect} (§7.2.1.1, transaction 1) with
 *       app, type "nonprivate", flashVer {@value Commands#PUBLISHER_FLASH_VER}, tcUrl, fpad false,
 *       capabilities, audioCodecs/videoCodecs and, when an HEVC or AV1 track is published, the
 *       Enhanced RTMP {@code fourCcList}.</li>
 *   <li>{@code _result} of connect → {@code releaseStream}, {@code FCPublish}, {@code createStream}
 *       (§7.2.1.3).</li>
 *   <li>{@code _result} of createStream → {@code publish(name, "live")} (§7.2.2.6) on the new
 *       message stream.</li>
 *   <li>{@code onStatus NetStream.Publish.Start} → {@link State#PUBLISHING} and
 *       {@link Event.PublishStarted}; media may flow ({@link #writeFrame}).</li>
 * </ol>
 * An {@code _error}, an {@code onStatus} of level "error" (e.g. {@code NetStream.Publish.BadName})
 * or no answer within the command timeout ends in {@link State#FAILED} and an
 * {@link Event.Failed} whose {@link TransportException} names the server URL, the step and the
 * server's code and description.
 *
 * <h2>Housekeeping</h2>
 * Sends an Acknowledgement (§5.4.3) each time the received byte count crosses the window the
 * server set with WindowAcknowledgementSize (§5.4.4); answers SetPeerBandwidth (§5.4.5) with its
 * own WindowAcknowledgementSize when the size changes; answers PingRequest with PingResponse
 * (§7.1.7).
 *
 * <h2>Media</h2>
 * Before the first frame of the session and whenever a frame's {@link TrackInfo} instance differs
 * from the last one seen for its track (new SPS/PPS, resolution change), it sends
 * {@code @setDataFrame onMetaData} and that track's sequence header (AVC/HEVC/AV1 configuration
 * record, AAC AudioSpecificConfig). Frames become FLV tag bodies through {@link FlvMuxer}
 * (composition time offset = PTS − DTS in ms for B-frames).
 *
 * <p><b>Timestamps</b>: RTMP message timestamps are ms, {@code floor((dtsUs − timeBaseUs) / 1000)},
 * where the caller picks {@code timeBaseUs} (see {@link RtmpTransport}: the smallest first DTS of the
 * session, so AAC/Opus priming with a negative DTS maps to ≥ 0 and A/V timing is kept). A frame
 * still earlier than the base is sent at 0 ms. The chunk layer wraps them at 2<sup>32</sup>.
 *
 * <p><b>Ownership</b>: messages passed to {@link #handleMessage} are borrowed; messages returned by
 * {@link #pollOutbound()} are owned by the caller; frames passed to {@link #writeFrame} are borrowed
 * (payloads are shared by retained slices, so the caller may release the frame at once).
 *
 * <p>Not thread-safe; confine to one EventLoop.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">RTMP spec §5.4, §7.1, §7.2</a>
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v1.pdf">Enhanced RTMP v1 (fourCcList)</a>
 */
public final class RtmpPublishSession {
    /** Where the session is. */
    public enum State {
        /** Created; {@link #start} not called yet. */
        NEW,
        /** connect sent, waiting for its {@code _result}. */
        CONNECTING,
        /** createStream sent, waiting for the stream id. */
        CREATING_STREAM,
        /** publish sent, waiting for {@code onStatus NetStream.Publish.Start}. */
        PUBLISH_SENT,
        /** Publishing: media may flow. */
        PUBLISHING,
        /** {@link #close} sent FCUnpublish/deleteStream (or nothing was published). Terminal. */
        CLOSED,
        /** The server refused a step or did not answer. Terminal. */
        FAILED
    }

    /** Something the owner of the session must react to. */
    public sealed interface Event {
        /** The server accepted {@code connect}. */
        record Connected() implements Event {
        }

        /**
         * The server accepted {@code publish}: frames may be written.
         *
         * @param messageStreamId the stream id from {@code createStream}
         */
        record PublishStarted(int messageStreamId) implements Event {
        }

        /**
         * The session failed; close the connection.
         *
         * @param error names the server URL, the step and the server's status, if any
         */
        record Failed(TransportException error) implements Event {
        }
    }

    private static final double TXN_CONNECT = 1;
    private static final double TXN_RELEASE_STREAM = 2;
    private static final double TXN_FC_PUBLISH = 3;
    private static final double TXN_CREATE_STREAM = 4;
    private static final double TXN_FC_UNPUBLISH = 5;
    private static final double TXN_DELETE_STREAM = 6;
    /** SUPPORT_SND_AAC (0x0400) | SUPPORT_SND_MP3 (0x0004): the audioCodecs flags of connect. */
    private static final double AUDIO_CODECS = 0x0404;
    /** SUPPORT_VID_H264 (0x0080): the videoCodecs flags of connect. */
    private static final double VIDEO_CODECS = 0x0080;
    /** FLV SoundFormat 10 = AAC: the audiocodecid of onMetaData. */
    private static final int AUDIO_CODEC_ID_AAC = 10;

    private final RtmpUrl url;
    private final ByteBufAllocator alloc;
    private final int chunkSize;
    private final long commandTimeoutNanos;
    private final Map<Integer, TrackInfo> tracks = new LinkedHashMap<>();
    private final Map<Integer, TrackInfo> announced = new HashMap<>();
    private final ArrayDeque<RtmpMessage> outbound = new ArrayDeque<>();
    private final ArrayDeque<Event> events = new ArrayDeque<>();

    private State state = State.NEW;
    private long deadlineNanos = Long.MAX_VALUE;
    private int messageStreamId;
    private long windowAckSize;
    private long lastAckBytes;
    private long windowAckSizeSent = -1;
    private long bytesSent;

    /**
     * @param url              the publishing URL (app, tcUrl, stream name)
     * @param tracks           the tracks to be published (for connect's codec flags and onMetaData)
     * @param chunkSize        outgoing chunk size announced with SetChunkSize, bytes, 128..16777215
     * @param commandTimeout   time allowed for the server to answer each command step, &gt; 0
     * @param alloc            allocator for outgoing message payloads
     * @throws IllegalArgumentException if the chunk size or timeout is out of range, or no track is given
     */
    public RtmpPublishSession(RtmpUrl url, List<TrackInfo> tracks, int chunkSize, Duration commandTimeout, ByteBufAllocator alloc) {
        this.url = Objects.requireNonNull(url, "url");
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        if (chunkSize < 128 || chunkSize > RtmpMessage.MAX_MESSAGE_LENGTH) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 128..16777215)");
        }
        if (commandTimeout.isNegative() || commandTimeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout: " + commandTimeout + " (expected: > 0)");
        }
        if (tracks.isEmpty()) {
            throw new IllegalArgumentException("tracks: [] (expected: at least one)");
        }
        this.chunkSize = chunkSize;
        this.commandTimeoutNanos = commandTimeout.toNanos();
        for (TrackInfo t : tracks) {
            this.tracks.put(t.trackId(), t);
        }
    }

    /** The current state. */
    public State state() {
        return state;
    }

    /** The message stream id the server gave in createStream's {@code _result}; 0 before. */
    public int messageStreamId() {
        return messageStreamId;
    }

    /** Payload bytes of the media and data messages produced by {@link #writeFrame} so far. */
    public long mediaBytes() {
        return bytesSent;
    }

    /**
     * Starts the session right after the handshake: queues SetChunkSize and {@code connect}.
     *
     * @param nowNanos monotonic time, ns
     * @throws IllegalStateException if already started
     */
    public void start(long nowNanos) {
        if (state != State.NEW) {
            throw new IllegalStateException("state: " + state + " (expected: NEW)");
        }
        queue(new SetChunkSize(chunkSize));
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("app", url.app());
        props.put("type", "nonprivate");
        props.put("flashVer", Commands.PUBLISHER_FLASH_VER);
        props.put("tcUrl", url.tcUrl());
        props.put("fpad", Boolean.FALSE);
        props.put("capabilities", 15.0);
        props.put("audioCodecs", AUDIO_CODECS);
        props.put("videoCodecs", VIDEO_CODECS);
        List<String> fourCcs = new ArrayList<>();
        for (TrackInfo t : tracks.values()) {
            if (t.codec() == Codec.H265) {
                fourCcs.add("hvc1");
            } else if (t.codec() == Codec.AV1) {
                fourCcs.add("av01");
            } else if (t.codec() == Codec.OPUS) {
                fourCcs.add("Opus"); // Enhanced RTMP v2 audio
            }
        }
        if (!fourCcs.isEmpty()) {
            props.put("fourCcList", fourCcs);
        }
        queueCommand(Commands.connect(TXN_CONNECT, props), ChunkStreamIds.COMMAND, 0);
        state = State.CONNECTING;
        deadlineNanos = nowNanos + commandTimeoutNanos;
    }

    /**
     * Handles one message from the server.
     *
     * @param nowNanos      monotonic time, ns
     * @param message       borrowed: not released here
     * @param bytesReceived total bytes received on the connection so far (for Acknowledgements)
     * @throws RtmpProtocolException if a control or command message is malformed
     */
    public void handleMessage(long nowNanos, RtmpMessage message, long bytesReceived) {
        if (windowAckSize > 0 && bytesReceived - lastAckBytes >= windowAckSize) {
            queue(Acknowledgement.ofBytesReceived(bytesReceived));
            lastAckBytes = bytesReceived;
        }
        int type = message.messageTypeId();
        if (MessageTypeId.isControl(type)) {
            handleControl(RtmpMessages.decodeControl(message));
        } else if (type == MessageTypeId.COMMAND_AMF0 || type == MessageTypeId.COMMAND_AMF3) {
            handleCommand(nowNanos, RtmpMessages.decodeCommand(message));
        }
        // Data, audio and video from the server (onBWDone, |RtmpSampleAccess) are ignored.
    }

    private void handleControl(ControlMessage m) {
        if (m instanceof WindowAcknowledgementSize w) {
            windowAckSize = w.windowSize();
        } else if (m instanceof SetPeerBandwidth b) {
            if (b.windowSize() != windowAckSizeSent) {
                windowAckSizeSent = b.windowSize();
                queue(new WindowAcknowledgementSize(b.windowSize()));
            }
        } else if (m instanceof UserControl u && u.eventType() == UserControl.PING_REQUEST) {
            queue(UserControl.pingResponse(u));
        }
        // SetChunkSize and Abort are applied by the chunk decoder itself.
    }

    private void handleCommand(long nowNanos, CommandMessage c) {
        if (state == State.CLOSED || state == State.FAILED) {
            return;
        }
        double txn = c.transactionId();
        if (c.isResult() || c.isError()) {
            if (txn == TXN_CONNECT && state == State.CONNECTING) {
                NetStatus s = c.status().orElse(null);
                if (c.isError() || (s != null && s.isError())) {
                    fail("connect to " + url.serverUrl() + " rejected by server" + describe(s));
                    return;
                }
                events.add(new Event.Connected());
                queueCommand(Commands.releaseStream(TXN_RELEASE_STREAM, url.streamName()), ChunkStreamIds.COMMAND, 0);
                queueCommand(Commands.fcPublish(TXN_FC_PUBLISH, url.streamName()), ChunkStreamIds.COMMAND, 0);
                queueCommand(Commands.createStream(TXN_CREATE_STREAM), ChunkStreamIds.COMMAND, 0);
                state = State.CREATING_STREAM;
                deadlineNanos = nowNanos + commandTimeoutNanos;
            } else if (txn == TXN_CREATE_STREAM && state == State.CREATING_STREAM) {
                if (c.isError() || !(c.argument(0).orElse(null) instanceof Double id)) {
                    fail("createStream on " + url.serverUrl() + " rejected by server" + describe(c.status().orElse(null)));
                    return;
                }
                messageStreamId = id.intValue();
                queueCommand(Commands.publish(url.streamName()), ChunkStreamIds.STREAM, messageStreamId);
                state = State.PUBLISH_SENT;
                deadlineNanos = nowNanos + commandTimeoutNanos;
            }
            // Answers to releaseStream/FCPublish (servers may _error them when nothing is to release) are ignored.
            return;
        }
        if ("onStatus".equals(c.name())) {
            NetStatus s = c.status().orElse(null);
            if (s == null) {
                return;
            }
            if (state == State.PUBLISH_SENT && NetStatus.PUBLISH_START.equals(s.code())) {
                state = State.PUBLISHING;
                deadlineNanos = Long.MAX_VALUE;
                events.add(new Event.PublishStarted(messageStreamId));
            } else if (s.isError()) {
                String step = state == State.PUBLISHING ? "stream '" + url.streamName() + "' stopped by server"
                        : "publish '" + url.streamName() + "' rejected by server";
                fail(step + describe(s));
            }
        } else if ("onFCPublish".equals(c.name()) || "onBWDone".equals(c.name())) {
            return; // informational
        } else if ("close".equals(c.name())) {
            fail("server " + url.serverUrl() + " closed the connection (close command)");
        }
    }

    private static String describe(NetStatus s) {
        if (s == null) {
            return "";
        }
        return ": " + s.code() + (s.description().isEmpty() ? "" : " (" + s.description() + ")");
    }

    /**
     * Checks the step deadline.
     *
     * @param nowNanos monotonic time, ns
     */
    public void handleTimeout(long nowNanos) {
        if (nowNanos - deadlineNanos >= 0 && deadlineNanos != Long.MAX_VALUE) {
            String step = switch (state) {
                case CONNECTING -> "'connect' to " + url.serverUrl();
                case CREATING_STREAM -> "'createStream' on " + url.serverUrl();
                case PUBLISH_SENT -> "'publish' of '" + url.streamName() + "' on " + url.serverUrl();
                default -> state.toString();
            };
            fail(step + " timed out after " + commandTimeoutNanos / 1_000_000 + " ms without an answer from the server");
        }
    }

    /** The next deadline in the same time base as {@code nowNanos}; {@link Long#MAX_VALUE} if none. */
    public long pollTimeoutNanos() {
        return deadlineNanos;
    }

    /** What the session is waiting for, for error messages when the connection drops. */
    public String waitingFor() {
        return switch (state) {
            case NEW -> "the end of the handshake";
            case CONNECTING -> "the answer to 'connect' (does the server have app '" + url.app() + "'?)";
            case CREATING_STREAM -> "the answer to 'createStream'";
            case PUBLISH_SENT -> "the answer to 'publish' of '" + url.streamName() + "'";
            case PUBLISHING -> "nothing (publishing)";
            case CLOSED, FAILED -> "nothing (" + state + ")";
        };
    }

    private void fail(String message) {
        state = State.FAILED;
        deadlineNanos = Long.MAX_VALUE;
        events.add(new Event.Failed(new TransportException(url.uri(), message)));
    }

    /**
     * Queues one frame as an FLV audio/video message. Before the first frame of a session it queues
     * onMetaData and the sequence headers of all tracks; later, a frame whose {@link TrackInfo}
     * instance is new (e.g. new SPS) is preceded by onMetaData and that track's sequence header.
     *
     * @param frame      borrowed (see class doc)
     * @param timeBaseUs µs subtracted from every DTS before conversion to ms (see class doc)
     * @return the message timestamp used, ms
     * @throws IllegalStateException    if not {@link State#PUBLISHING}
     * @throws IllegalArgumentException if the codec has no RTMP mapping or its configuration record is missing
     */
    public long writeFrame(EncodedFrame frame, long timeBaseUs) {
        if (state != State.PUBLISHING) {
            throw new IllegalStateException("state: " + state + " (expected: PUBLISHING)");
        }
        long ts = Math.max(0, FlvMuxer.rtmpTimestampMs(frame.dtsUs() - timeBaseUs));
        TrackInfo track = frame.track();
        if (announced.isEmpty()) {
            // Before the first frame: onMetaData and the sequence header of every track, so a server
            // (nginx-rtmp, Sluice's) knows the whole stream before any coded frame arrives.
            tracks.put(track.trackId(), track);
            writeMetadata(ts);
            for (TrackInfo t : tracks.values()) {
                announce(t, ts);
            }
        } else if (announced.get(track.trackId()) != track) {
            boolean known = announced.containsKey(track.trackId());
            tracks.put(track.trackId(), track);
            if (known) {
                writeMetadata(ts); // a new configuration (resolution change) of a known track
            }
            announce(track, ts);
        }
        if (frame.track().isVideo()) {
            media(MessageTypeId.VIDEO, ChunkStreamIds.VIDEO, ts, FlvMuxer.videoFrame(frame, alloc));
        } else {
            media(MessageTypeId.AUDIO, ChunkStreamIds.AUDIO, ts, FlvMuxer.audioFrame(frame, alloc));
        }
        return ts;
    }

    /** Queues the sequence header of {@code track} and remembers it as announced. */
    private void announce(TrackInfo track, long ts) {
        announced.put(track.trackId(), track);
        if (track.isVideo()) {
            media(MessageTypeId.VIDEO, ChunkStreamIds.VIDEO, ts, FlvMuxer.videoSequenceHeader(track, alloc));
        } else {
            media(MessageTypeId.AUDIO, ChunkStreamIds.AUDIO, ts, FlvMuxer.audioSequenceHeader(track, alloc));
        }
    }

    private void writeMetadata(long ts) {
        Map<String, Object> meta = metadata(tracks.values());
        RtmpMessage m = RtmpMessages.encode(Commands.setDataFrame(meta), ChunkStreamIds.STREAM, messageStreamId, ts, alloc);
        bytesSent += m.length();
        outbound.add(m);
    }

    /**
     * The onMetaData properties for a set of tracks: width, height, framerate, videocodecid
     * (7 = AVC, or the FourCC as a number for Enhanced RTMP), videodatarate (kbit/s), audiocodecid
     * (10 = AAC, or the FourCC {@code Opus} as a number), audiosamplerate (Hz), audiosamplesize (16), stereo, audiodatarate (kbit/s),
     * encoder "Sluice".
     */
    static Map<String, Object> metadata(Iterable<TrackInfo> tracks) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean video = false;
        boolean audio = false;
        for (TrackInfo t : tracks) {
            if (t.isVideo() && !video) {
                video = true;
                m.put("width", (double) t.width());
                m.put("height", (double) t.height());
                t.frameRate().ifPresent(r -> m.put("framerate", r.toDouble()));
                m.put("videocodecid", switch (t.codec()) {
                    case H265 -> (double) FlvVideoPacket.FOURCC_HVC1;
                    case AV1 -> (double) FlvVideoPacket.FOURCC_AV01;
                    default -> (double) FlvVideoPacket.CODEC_ID_AVC;
                });
                if (t.bitrateBps() > 0) {
                    m.put("videodatarate", t.bitrateBps() / 1000.0);
                }
            } else if (t.isAudio() && !audio) {
                audio = true;
                m.put("audiocodecid", t.codec() == Codec.OPUS ? (double) FlvAudioPacket.FOURCC_OPUS : (double) AUDIO_CODEC_ID_AAC);
                m.put("audiosamplerate", (double) t.sampleRate());
                m.put("audiosamplesize", 16.0);
                m.put("stereo", t.channels() >= 2);
                if (t.bitrateBps() > 0) {
                    m.put("audiodatarate", t.bitrateBps() / 1000.0);
                }
            }
        }
        m.put("encoder", "Sluice");
        return new Amf0.EcmaArray(m);
    }

    private void media(int type, int csid, long ts, ByteBuf body) {
        bytesSent += body.readableBytes();
        outbound.add(new RtmpMessage(csid, type, messageStreamId, ts, body));
    }

    /**
     * Ends the session: when publishing, queues {@code FCUnpublish} and {@code deleteStream}
     * (§7.2.2.3). No answer is awaited; the caller flushes and closes the connection.
     *
     * @return {@code true} if messages were queued
     */
    public boolean close() {
        boolean publishing = state == State.PUBLISHING;
        if (state != State.FAILED) {
            state = State.CLOSED;
        }
        deadlineNanos = Long.MAX_VALUE;
        if (publishing) {
            queueCommand(Commands.fcUnpublish(TXN_FC_UNPUBLISH, url.streamName()), ChunkStreamIds.COMMAND, 0);
            queueCommand(Commands.deleteStream(TXN_DELETE_STREAM, Integer.toUnsignedLong(messageStreamId)), ChunkStreamIds.COMMAND, 0);
        }
        return publishing;
    }

    /** The next message to send, owned by the caller; {@code null} if none. */
    public RtmpMessage pollOutbound() {
        return outbound.poll();
    }

    /** The next event; {@code null} if none. */
    public Event pollEvent() {
        return events.poll();
    }

    /** Releases messages not yet polled (when the connection is gone). */
    public void releaseOutbound() {
        RtmpMessage m;
        while ((m = outbound.poll()) != null) {
            m.release();
        }
    }

    private void queue(ControlMessage m) {
        outbound.add(RtmpMessages.encode(m, alloc));
    }

    private void queueCommand(CommandMessage c, int csid, int msid) {
        outbound.add(RtmpMessages.encode(c, csid, msid, alloc));
    }

    @Override
    public String toString() {
        return "RtmpPublishSession{" + url + ' ' + state + (messageStreamId != 0 ? " stream " + messageStreamId : "") + '}';
    }
}
