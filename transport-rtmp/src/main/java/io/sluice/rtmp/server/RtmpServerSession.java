package io.sluice.rtmp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.sluice.core.Codec;
import io.sluice.core.EncodedFrame;
import io.sluice.core.MediaType;
import io.sluice.core.Rational;
import io.sluice.core.TrackInfo;
import io.sluice.core.auth.AuthDecision;
import io.sluice.core.auth.AuthRequest;
import io.sluice.core.auth.StreamAction;
import io.sluice.core.auth.StreamProtocol;
import io.sluice.core.h264.Sps;
import io.sluice.core.hub.PublisherFeedback;
import io.sluice.core.hub.StreamHub;
import io.sluice.core.hub.StreamHubException;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.amf.Amf0;
import io.sluice.rtmp.chunk.PrechunkedMessage;
import io.sluice.rtmp.chunk.RtmpMessage;
import io.sluice.rtmp.flv.FlvAudioPacket;
import io.sluice.rtmp.flv.FlvMuxer;
import io.sluice.rtmp.flv.FlvVideoPacket;
import io.sluice.rtmp.message.CommandMessage;
import io.sluice.rtmp.message.Commands;
import io.sluice.rtmp.message.ControlMessage;
import io.sluice.rtmp.message.DataMessage;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.NetStatus;
import io.sluice.rtmp.message.RtmpMessages;
import io.sluice.rtmp.message.SetChunkSize;
import io.sluice.rtmp.message.SetPeerBandwidth;
import io.sluice.rtmp.message.UserControl;
import io.sluice.rtmp.message.WindowAcknowledgementSize;
import io.sluice.core.events.SessionInfo;
import io.sluice.core.events.StreamEvent;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of one RTMP connection after the handshake, without I/O: it consumes the
 * peer's {@link RtmpMessage}s ({@link #handleMessage}), publishes into and subscribes from a
 * {@link StreamHub}, and yields the messages to send ({@link #pollOutbound(boolean)}).
 *
 * <h2>Commands (RTMP spec §7.2)</h2>
 * {@code connect} → WindowAcknowledgementSize, SetPeerBandwidth (dynamic), SetChunkSize and
 * {@code _result} (NetConnection.Connect.Success, fmsVer/capabilities, objectEncoding 0);
 * {@code releaseStream} → {@code _result}; {@code FCPublish} → {@code onFCPublish} (as nginx-rtmp);
 * {@code createStream} → {@code _result} with the new message stream id (1, 2, …; at most
 * {@code maxStreamsPerConnection}); {@code publish}, {@code play}; {@code FCUnpublish},
 * {@code closeStream}, {@code deleteStream} end what the stream does. Other commands are ignored.
 *
 * <h2>Stream names</h2>
 * The hub stream is {@code app + "/" + key}: the connect command's {@code app} (with its instance
 * part, e.g. {@code live} or {@code live/room1}) and the publish/play stream key, both without
 * query string. {@code rtmp://host/live/x?token=1} publishes hub stream {@code "live/x"}.
 *
 * <h2>Publishing</h2>
 * {@code publish} and {@code play} are first put to the {@link io.sluice.core.auth.StreamAuthorizer}
 * with the hub stream name and the {@code token} query parameter (of the stream key, else of the app);
 * a refusal is answered with NetStream.Publish.Unauthorized or NetStream.Play.Failed and a
 * disconnect. Because this comes first, a hub that replaces publishers only lets a client that may
 * publish the stream replace its publisher.
 * After {@code publish} is authorised the name is claimed at once, so a second publisher gets
 * NetStream.Publish.BadName straight away (unless the hub replaces publishers). The publication
 * reaches the hub once its tracks are known: when every track announced by {@code onMetaData}
 * ({@code videocodecid}/{@code audiocodecid}) has its sequence header (without metadata: both an
 * AVC and an AAC sequence header), or else at the first coded frame with the tracks known by then.
 * No frame is ever held back, so no timer is needed. A sequence header with a new configuration
 * creates a new {@link TrackInfo} instance for the frames that follow. Frames become
 * {@link EncodedFrame}s: payload AVCC (video), raw AAC or one Opus packet (Enhanced RTMP v2 audio, whose
 * SequenceStart OpusHead becomes the track's codec configuration), DTS = message timestamp (ms) × 1000 µs,
 * PTS = DTS + composition time offset × 1000 µs.
 *
 * <h2>Playing</h2>
 * {@code play} → StreamBegin, NetStream.Play.Reset, NetStream.Play.Start, {@code |RtmpSampleAccess};
 * then, with the first frame, {@code onMetaData} (built from the tracks), sequence headers (again
 * whenever a frame's {@link TrackInfo} instance changes), and the frames. Frames wait in a
 * per-player GOP-aware {@link io.sluice.core.EncodedFrameQueue}; {@link #pollOutbound(boolean)}
 * takes them only while the transport is writable.
 *
 * <p><b>Shared media bytes.</b> A player on message stream 1 (the first {@code createStream}, what
 * every common player uses) gets the frames as {@link PrechunkedMessage}s of the stream's
 * {@link SharedStream}: FLV tag and chunks made once per frame for all players of the server, with
 * timestamps shared by all of them (from the first frame the stream's players saw; a late player
 * starts at the GOP cache's keyframe, above 0); only its prelude (metadata, sequence headers) is
 * its own. A player on another message stream gets frames muxed for it alone, with timestamps
 * relative to its first frame. Both continue monotonically across publisher changes.
 *
 * <p>Malformed input throws {@link RtmpProtocolException}; the caller closes the connection.
 * Policy refusals (bad name, authorisation) send an {@code onStatus} error and set
 * {@link #closeReason()}: flush, then close. Not thread-safe: confine to one EventLoop, except
 * that the {@code wakeup} given at construction is run from publisher threads.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#7-rtmp-command-messages">RTMP spec §7</a>
 */
final class RtmpServerSession implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RtmpServerSession.class);

    /** Bytes of C0 + C1 + C2, counted into Acknowledgement sequence numbers. */
    static final long HANDSHAKE_BYTES = 1 + 2L * 1536;
    /** Chunk stream for onStatus, metadata and |RtmpSampleAccess (as nginx-rtmp's AMF csid). */
    static final int CSID_STREAM = 5;
    /** Chunk stream for NetConnection command responses. */
    static final int CSID_COMMAND = 3;
    /** Chunk stream for audio. */
    static final int CSID_AUDIO = 4;
    /** Chunk stream for video. */
    static final int CSID_VIDEO = 6;

    private static final Pattern HUB_NAME = Pattern.compile("[A-Za-z0-9._~/-]{1,256}");
    /** The query parameter that carries the credential: {@code rtmp://host/live/x?token=s3cret}. */
    static final String TOKEN_PARAMETER = "token";
    /** Longest {@code app} (without its query) a connect may carry: the hub's stream-name limit. */
    static final int MAX_APP_CHARS = 256;
    /** Longest query string on a connect's {@code app} or a publish/play name, chars; more is refused. */
    static final int MAX_QUERY_CHARS = 4096;
    /** Most characters of a peer-supplied name echoed back in a status or written to the log. */
    private static final int MAX_ECHO_CHARS = 64;
    private static final int VIDEO_TRACK = 0;
    private static final int AUDIO_TRACK = 1;

    private final ServerSettings settings;
    private final StreamHub hub;
    private final InetSocketAddress remote;
    /** The peer as the hub's events and API name it. */
    private final SessionInfo sessionInfo;
    private final ByteBufAllocator alloc;
    private final Runnable wakeup;
    private final ConcurrentMap<String, RtmpServerSession> publishers;
    private final SharedStream.Registry sharedStreams;
    private final ArrayDeque<ByteBufHolder> outbound = new ArrayDeque<>();
    private final IntObjectMap<NetStream> streams = new IntObjectHashMap<>();
    /** The streams that play, for {@link #pollOutbound(boolean)} (no map iteration per frame). */
    private final List<Play> players = new ArrayList<>(1);
    private boolean connected;
    private String app = "";
    private Map<String, List<String>> appQuery = Map.of();
    private int streamsCreated;
    private long peerWindow;
    private long lastAckBytes;
    private String closeReason;
    private boolean closed;
    private int pollCursor;
    private long droppedFrames;

    /**
     * @param settings   limits and hooks
     * @param hub        where streams are published and played
     * @param remote     the peer, for authorisation and log lines
     * @param alloc      allocator for outbound payloads
     * @param wakeup     run (from publisher threads) when a player has frames to send: schedule
     *                   {@link #pollOutbound(boolean)} on this session's EventLoop
     * @param publishers stream names claimed by publishers of the whole server (shared, thread-safe)
     */
    RtmpServerSession(ServerSettings settings, StreamHub hub, InetSocketAddress remote, ByteBufAllocator alloc,
                      Runnable wakeup, ConcurrentMap<String, RtmpServerSession> publishers) {
        this(settings, hub, remote, alloc, wakeup, publishers, new SharedStream.Registry());
    }

    /**
     * @param sharedStreams the server's shared serializations, so that players of one stream on
     *                      different connections write the same bytes (thread-safe)
     */
    RtmpServerSession(ServerSettings settings, StreamHub hub, InetSocketAddress remote, ByteBufAllocator alloc,
                      Runnable wakeup, ConcurrentMap<String, RtmpServerSession> publishers,
                      SharedStream.Registry sharedStreams) {
        this.sharedStreams = Objects.requireNonNull(sharedStreams, "sharedStreams");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.hub = Objects.requireNonNull(hub, "hub");
        this.remote = Objects.requireNonNull(remote, "remote");
        this.sessionInfo = SessionInfo.of("rtmp", remote);
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.wakeup = Objects.requireNonNull(wakeup, "wakeup");
        this.publishers = Objects.requireNonNull(publishers, "publishers");
    }

    // ---------------------------------------------------------------- input

    /**
     * Handles one message from the peer.
     *
     * @param message borrowed (not released)
     * @throws RtmpProtocolException if the message is malformed or breaks the protocol or a limit
     */
    void handleMessage(RtmpMessage message) {
        if (closed || closeReason != null) {
            return;
        }
        int type = message.messageTypeId();
        switch (type) {
            case MessageTypeId.SET_CHUNK_SIZE, MessageTypeId.ABORT, MessageTypeId.ACKNOWLEDGEMENT,
                 MessageTypeId.USER_CONTROL, MessageTypeId.WINDOW_ACKNOWLEDGEMENT_SIZE,
                 MessageTypeId.SET_PEER_BANDWIDTH -> handleControl(RtmpMessages.decodeControl(message));
            case MessageTypeId.COMMAND_AMF0, MessageTypeId.COMMAND_AMF3 ->
                    handleCommand(RtmpMessages.decodeCommand(message), message.messageStreamId());
            case MessageTypeId.DATA_AMF0, MessageTypeId.DATA_AMF3 -> handleData(message);
            case MessageTypeId.AUDIO, MessageTypeId.VIDEO -> handleMedia(message);
            default -> log.debug("{}: ignoring message type {}", remote, type);
        }
    }

    /**
     * Tells the session how many bytes arrived on the connection so far (handshake included), so
     * that it acknowledges each window the peer announced (§5.4.3).
     *
     * @param totalBytes bytes received since the connection opened, not wrapped
     */
    void handleBytesReceived(long totalBytes) {
        if (peerWindow > 0 && totalBytes - lastAckBytes >= peerWindow) {
            lastAckBytes = totalBytes;
            emit(io.sluice.rtmp.message.Acknowledgement.ofBytesReceived(totalBytes));
        }
    }

    /**
     * Queues a PingRequest (§7.1.7), which live peers answer: how an idle check provokes traffic.
     *
     * @param timestampMs the server's time in ms (any epoch; sent modulo 2<sup>32</sup>)
     */
    void ping(long timestampMs) {
        if (closeReason == null && !closed) {
            emit(UserControl.pingRequest(timestampMs));
        }
    }

    private void handleControl(ControlMessage control) {
        if (control instanceof WindowAcknowledgementSize w) {
            peerWindow = w.windowSize();
        } else if (control instanceof UserControl u && u.eventType() == UserControl.PING_REQUEST) {
            emit(UserControl.pingResponse(u));
        }
        // SetChunkSize and Abort are applied by the chunk decoder; the rest needs no answer.
    }

    private void handleCommand(CommandMessage cmd, int messageStreamId) {
        String name = cmd.name();
        if (!connected && !"connect".equals(name)) {
            throw new RtmpProtocolException("command '" + name + "' before connect");
        }
        switch (name) {
            case "connect" -> connect(cmd);
            case "releaseStream" -> {
                if (cmd.transactionId() != 0) {
                    command(Commands.result(cmd.transactionId(), null, Amf0.UNDEFINED), CSID_COMMAND, 0);
                }
            }
            case "FCPublish" -> command(new CommandMessage("onFCPublish", 0, null,
                    List.of(status(NetStatus.PUBLISH_START, echo(splitQuery(stringArg(cmd, 0))[0])).toInfoObject())),
                    CSID_COMMAND, 0);
            case "FCUnpublish" -> {
                String key = splitQuery(stringArg(cmd, 0))[0];
                for (NetStream s : streams.values()) {
                    if (s.publish != null && s.publish.key.equals(key)) {
                        s.end(true);
                    }
                }
                command(new CommandMessage("onFCUnpublish", 0, null,
                        List.of(status(NetStatus.UNPUBLISH_SUCCESS, echo(key)).toInfoObject())), CSID_COMMAND, 0);
            }
            case "createStream" -> createStream(cmd);
            case "deleteStream" -> {
                Object id = cmd.argument(0).orElse(null);
                if (id instanceof Double d) {
                    NetStream s = streams.remove(d.intValue());
                    if (s != null) {
                        s.end(false);
                    }
                }
            }
            case "closeStream" -> {
                NetStream s = streams.get(messageStreamId);
                if (s != null) {
                    s.end(true);
                }
            }
            case "publish" -> stream(messageStreamId, name).publish(stringArg(cmd, 0));
            case "play" -> stream(messageStreamId, name).play(stringArg(cmd, 0));
            default -> log.debug("{}: ignoring command '{}'", remote, name);
        }
    }

    private void connect(CommandMessage cmd) {
        if (connected) {
            throw new RtmpProtocolException("connect received twice");
        }
        connected = true;
        if (cmd.commandObject() instanceof Map<?, ?> props && props.get("app") instanceof String a) {
            String[] parts = splitQuery(a);
            if (parts[0].length() > MAX_APP_CHARS || parts[1].length() > MAX_QUERY_CHARS) {
                String reason = "app '" + echo(parts[0]) + "' of " + parts[0].length() + " chars with a query of "
                        + parts[1].length() + " chars (expected: <= " + MAX_APP_CHARS + " and <= " + MAX_QUERY_CHARS + ")";
                command(Commands.error(cmd.transactionId(), error(NetStatus.CONNECT_REJECTED, reason)), CSID_COMMAND, 0);
                requestClose(NetStatus.CONNECT_REJECTED + ": " + reason);
                return;
            }
            app = stripSlashes(parts[0]);
            appQuery = parseQuery(parts[1]);
        }
        emit(new WindowAcknowledgementSize(settings.windowAckSize()));
        emit(new SetPeerBandwidth(settings.windowAckSize(), SetPeerBandwidth.LimitType.DYNAMIC));
        emit(new SetChunkSize(settings.outgoingChunkSize()));
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("fmsVer", "FMS/3,0,1,123");
        properties.put("capabilities", 31.0);
        Map<String, Object> info = status(NetStatus.CONNECT_SUCCESS, "Connection succeeded.").toInfoObject();
        info.put("objectEncoding", 0.0);
        command(Commands.result(cmd.transactionId(), properties, info), CSID_COMMAND, 0);
    }

    private void createStream(CommandMessage cmd) {
        if (streamsCreated >= settings.maxStreamsPerConnection()) {
            throw new RtmpProtocolException("createStream: too many streams (expected: <= "
                    + settings.maxStreamsPerConnection() + " per connection)");
        }
        int id = ++streamsCreated;
        streams.put(id, new NetStream(id));
        command(Commands.result(cmd.transactionId(), null, (double) id), CSID_COMMAND, 0);
    }

    private NetStream stream(int messageStreamId, String command) {
        NetStream s = streams.get(messageStreamId);
        if (s == null) {
            throw new RtmpProtocolException(command + " on message stream " + Integer.toUnsignedString(messageStreamId)
                    + ", which createStream did not create");
        }
        return s;
    }

    private static String stringArg(CommandMessage cmd, int index) {
        if (cmd.argument(index).orElse(null) instanceof String s) {
            return s;
        }
        throw new RtmpProtocolException("command '" + cmd.name() + "': argument " + index + " is not a String");
    }

    private void handleData(RtmpMessage message) {
        DataMessage data = RtmpMessages.decodeData(message);
        NetStream s = streams.get(message.messageStreamId());
        if (s != null && s.publish != null) {
            data.metadata().ifPresent(m -> s.publish.metadata = m);
        }
    }

    private void handleMedia(RtmpMessage message) {
        NetStream s = streams.get(message.messageStreamId());
        if (s == null || s.publish == null) {
            return; // media on a stream that does not publish: dropped, as nginx-rtmp does
        }
        if (message.messageTypeId() == MessageTypeId.VIDEO) {
            s.publish.video(message);
        } else {
            s.publish.audio(message);
        }
    }

    // ---------------------------------------------------------------- output

    /**
     * The next message to send, or {@code null}. Control and command messages come first; media
     * (and the metadata and sequence headers it needs) only when {@code mediaAllowed}.
     *
     * @param mediaAllowed whether the transport can take media now (e.g. {@code Channel.isWritable()})
     * @return an {@link RtmpMessage}, or a {@link PrechunkedMessage} (media whose bytes are shared
     *         with the stream's other players), owned by the caller; {@code null} if nothing is ready
     */
    ByteBufHolder pollOutbound(boolean mediaAllowed) {
        ByteBufHolder m = outbound.poll();
        if (m != null || !mediaAllowed || closed || closeReason != null) {
            return m;
        }
        int n = players.size();
        for (int i = 0; i < n; i++) {
            Play p = players.get((pollCursor + i) % n);
            if (p.produce()) {
                pollCursor = (pollCursor + i + 1) % n;
                return outbound.poll();
            }
        }
        return null;
    }

    /** Whether a {@code connect} was accepted: the peer is past the pre-connect limits. */
    boolean isConnected() {
        return connected && closeReason == null;
    }

    /** Whether one of the connection's message streams publishes now (its {@code publish} was accepted). */
    boolean publishes() {
        for (NetStream s : streams.values()) {
            if (s.publish != null) {
                return true;
            }
        }
        return false;
    }

    /** Whether one of the connection's message streams publishes or plays now. */
    boolean publishesOrPlays() {
        for (NetStream s : streams.values()) {
            if (s.publish != null || s.play != null) {
                return true;
            }
        }
        return false;
    }

    /** Why the connection should be closed after flushing (a refusal or a replaced publisher), or {@code null}. */
    String closeReason() {
        return closeReason;
    }

    /** Frames this connection's players did not get (GOP-aware queue drops and unsendable frames). */
    long droppedFrames() {
        long n = droppedFrames;
        for (NetStream s : streams.values()) {
            if (s.play != null) {
                n += s.play.sink.dropped();
            }
        }
        return n;
    }

    /** Ends every publication and subscription and releases queued messages. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (NetStream s : streams.values()) {
            s.end(false);
        }
        streams.clear();
        ByteBufHolder m;
        while ((m = outbound.poll()) != null) {
            m.release();
        }
    }

    private void requestClose(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
    }

    private void emit(ControlMessage control) {
        outbound.add(RtmpMessages.encode(control, alloc));
    }

    private void command(CommandMessage cmd, int chunkStreamId, int messageStreamId) {
        outbound.add(RtmpMessages.encode(cmd, chunkStreamId, messageStreamId, alloc));
    }

    private void onStatus(int messageStreamId, NetStatus status) {
        command(Commands.onStatus(status), CSID_STREAM, messageStreamId);
    }

    private static NetStatus status(String code, String description) {
        return new NetStatus(NetStatus.LEVEL_STATUS, code, description);
    }

    private static NetStatus error(String code, String description) {
        return new NetStatus(NetStatus.LEVEL_ERROR, code, description);
    }

    // ---------------------------------------------------------------- names

    /** {@code s}, or its first {@value #MAX_ECHO_CHARS} chars and "…" when longer: what a reply or log line repeats of a peer's name. */
    static String echo(String s) {
        return s.length() <= MAX_ECHO_CHARS ? s : s.substring(0, MAX_ECHO_CHARS) + "…";
    }

    /** {name, query} split at the first '?'; query is "" when absent. */
    static String[] splitQuery(String s) {
        int q = s.indexOf('?');
        return q < 0 ? new String[] {s, ""} : new String[] {s.substring(0, q), s.substring(q + 1)};
    }

    private static String stripSlashes(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && s.charAt(b) == '/') {
            b++;
        }
        while (e > b && s.charAt(e - 1) == '/') {
            e--;
        }
        return s.substring(b, e);
    }

    /** Parses {@code a=1&b=2&a=3} (form-urlencoded; malformed escapes kept verbatim). */
    static Map<String, List<String>> parseQuery(String query) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    /**
     * Asks the authorizer; the token is the {@code token} query parameter of the stream name, else of the app.
     */
    private AuthDecision authorize(StreamAction action, String hubName, String query) {
        if (query.length() > MAX_QUERY_CHARS) {
            return AuthDecision.forbidden("query of " + query.length() + " chars (expected: <= " + MAX_QUERY_CHARS + ")");
        }
        Map<String, List<String>> params = new LinkedHashMap<>(appQuery);
        params.putAll(parseQuery(query));
        params.replaceAll((k, v) -> List.copyOf(v));
        List<String> token = params.get(TOKEN_PARAMETER);
        return settings.authorizer().authorize(new AuthRequest(action, hubName, StreamProtocol.RTMP, remote,
                Optional.ofNullable(token == null || token.isEmpty() ? null : token.get(0)), params));
    }

    // ---------------------------------------------------------------- streams

    /** A message stream made by createStream: idle, publishing or playing. */
    private final class NetStream {
        final int id;
        Publish publish;
        Play play;

        NetStream(int id) {
            this.id = id;
        }

        void publish(String name) {
            if (publish != null || play != null) {
                throw new RtmpProtocolException("publish on message stream " + id + ", which already "
                        + (publish != null ? "publishes" : "plays"));
            }
            String[] parts = splitQuery(name);
            String key = stripSlashes(parts[0]);
            String hubName = app + "/" + key;
            if (app.isEmpty() || key.isEmpty() || !HUB_NAME.matcher(hubName).matches()) {
                log.info("{}: publish refused: invalid stream name '{}' of {} chars", remote, echo(hubName), hubName.length());
                refuse(error(NetStatus.PUBLISH_BAD_NAME, "invalid stream name '" + echo(hubName) + "' of " + hubName.length()
                        + " chars (expected: 1..256 characters of [A-Za-z0-9._~/-])"));
                return;
            }
            AuthDecision d = authorize(StreamAction.PUBLISH, hubName, parts[1]); // the gate logs refusals
            if (!d.allowed()) {
                hub.reportAuthRefused(hubName, sessionInfo, StreamEvent.Action.PUBLISH, d.reason());
                refuse(error(NetStatus.PUBLISH_UNAUTHORIZED, d.reason()));
                return;
            }
            if (!hub.replacesExistingPublisher()) {
                if (hub.tracks(hubName).isPresent() || publishers.putIfAbsent(hubName, RtmpServerSession.this) != null) {
                    log.info("{}: publish '{}' refused: already being published", remote, hubName);
                    refuse(error(NetStatus.PUBLISH_BAD_NAME, "stream '" + hubName + "' is already being published"));
                    return;
                }
            } else {
                publishers.put(hubName, RtmpServerSession.this);
            }
            publish = new Publish(this, key, hubName);
            log.info("publish '{}' over RTMP from {} started", hubName, RtmpServer.hostPort(remote));
            emit(UserControl.streamBegin(id));
            onStatus(id, status(NetStatus.PUBLISH_START, hubName + " is now published."));
        }

        void play(String name) {
            if (publish != null || play != null) {
                throw new RtmpProtocolException("play on message stream " + id + ", which already "
                        + (publish != null ? "publishes" : "plays"));
            }
            String[] parts = splitQuery(name);
            String key = stripSlashes(parts[0]);
            String hubName = app + "/" + key;
            if (app.isEmpty() || key.isEmpty() || !HUB_NAME.matcher(hubName).matches()) {
                refuse(error(NetStatus.PLAY_STREAM_NOT_FOUND, "invalid stream name '" + echo(hubName) + "' of "
                        + hubName.length() + " chars"));
                return;
            }
            AuthDecision d = authorize(StreamAction.PLAY, hubName, parts[1]);
            if (!d.allowed()) {
                hub.reportAuthRefused(hubName, sessionInfo, StreamEvent.Action.PLAY, d.reason());
                refuse(error("NetStream.Play.Failed", d.reason()));
                return;
            }
            SharedStream shared = id == SharedStream.MESSAGE_STREAM_ID
                    ? sharedStreams.acquire(hubName, settings.outgoingChunkSize(), alloc) : null;
            PlayerSink sink = new PlayerSink(settings.playerQueueFrames(), wakeup, shared);
            Play p = new Play(this, hubName, sink, shared);
            try {
                p.subscription = hub.subscribe(hubName, sink, sessionInfo);
            } catch (StreamHubException e) {
                sink.release();
                if (shared != null) {
                    shared.release();
                }
                log.info("{}: play '{}' refused: {}", remote, hubName, e.getMessage());
                refuse(error("NetStream.Play.Failed", e.getMessage()));
                return;
            }
            p.generationAtPlay = sink.generation();
            play = p;
            players.add(p);
            log.info("play '{}' over RTMP from {} started", hubName, RtmpServer.hostPort(remote));
            emit(UserControl.streamBegin(id));
            onStatus(id, status(NetStatus.PLAY_RESET, "Playing and resetting " + hubName + "."));
            onStatus(id, status(NetStatus.PLAY_START, "Started playing " + hubName + "."));
            outbound.add(RtmpMessages.encode(new DataMessage("|RtmpSampleAccess", List.of(true, true)), CSID_STREAM, id, 0, alloc));
        }

        private void refuse(NetStatus status) {
            onStatus(id, status);
            requestClose(status.code() + ": " + status.description());
        }

        /**
         * Ends publishing or playing.
         *
         * @param notify whether to tell the peer (NetStream.Unpublish.Success / Play.Stop)
         */
        void end(boolean notify) {
            if (publish != null) {
                log.info("publish '{}' over RTMP from {} ended", publish.hubName, RtmpServer.hostPort(remote));
                publish.close();
                publish = null;
                if (notify && !closed) {
                    onStatus(id, status(NetStatus.UNPUBLISH_SUCCESS, "Stopped publishing."));
                }
            }
            if (play != null) {
                log.info("play '{}' over RTMP from {} stopped", play.hubName, RtmpServer.hostPort(remote));
                play.close();
                players.remove(play);
                play = null;
                if (notify && !closed) {
                    onStatus(id, status("NetStream.Play.Stop", "Stopped playing."));
                }
            }
        }
    }

    /** Ingest of one published stream into the hub. */
    private final class Publish {
        final NetStream stream;
        final String key;
        final String hubName;
        Map<?, ?> metadata;
        TrackInfo video;
        TrackInfo audio;
        StreamHub.Publication publication;
        boolean unsupportedLogged;
        long frames;

        Publish(NetStream stream, String key, String hubName) {
            this.stream = stream;
            this.key = key;
            this.hubName = hubName;
        }

        void video(RtmpMessage message) {
            FlvVideoPacket p = FlvVideoPacket.parse(message.content());
            try {
                if (p.codec() != Codec.H264 && p.codec() != Codec.H265 && p.codec() != Codec.AV1) {
                    unsupported("video codec " + p.codec());
                    return;
                }
                switch (p.packetType()) {
                    case SEQUENCE_START -> {
                        video = videoTrack(p.codec(), ByteBufUtil.getBytes(p.content()));
                        publishIfReady();
                    }
                    case CODED_FRAMES, CODED_FRAMES_X -> {
                        if (video == null || video.codec() != p.codec()) {
                            return; // no decoder configuration yet: undecodable, dropped
                        }
                        if (p.compositionTimeOffsetMs() != 0 && !video.hasBFrames()) {
                            // pts != dts: frames are reordered (B-frames) although the SPS did not say so.
                            log.info("{}: '{}' sends video with composition time offsets (B-frames)", remote, hubName);
                            video = video.toBuilder().hasBFrames(true).build(); // the hub learns it from this frame on
                        }
                        send(p.toEncodedFrame(video, message.timestamp()));
                    }
                    default -> {
                        // end of sequence, metadata: nothing to do
                    }
                }
            } finally {
                p.release();
            }
        }

        void audio(RtmpMessage message) {
            FlvAudioPacket p = FlvAudioPacket.parse(message.content());
            try {
                if (p.codec() != Codec.AAC && p.codec() != Codec.OPUS) {
                    unsupported("audio SoundFormat " + p.soundFormat());
                    return;
                }
                if (p.isSequenceHeader()) {
                    audio = audioTrack(p.codec(), ByteBufUtil.getBytes(p.content()));
                    publishIfReady();
                } else if (audio != null && audio.codec() == p.codec()) {
                    send(p.toEncodedFrame(audio, message.timestamp()));
                }
            } finally {
                p.release();
            }
        }

        private void unsupported(String what) {
            if (!unsupportedLogged) {
                unsupportedLogged = true;
                log.info("{}: '{}' sends {}, which Sluice does not relay; those frames are dropped", remote, hubName, what);
                hub.reportIngestError(hubName, publication == null ? 0 : publication.id(), sessionInfo,
                        what + " is not relayed; those frames are dropped");
            }
        }

        private TrackInfo videoTrack(Codec codec, byte[] config) {
            if (video != null && video.codec() == codec && Arrays.equals(video.codecConfig(), config)) {
                return video;
            }
            Sps sps = codec == Codec.H264 ? CodecConfigs.avcSps(config) : null;
            int[] size = sps == null ? null : new int[] {sps.width(), sps.height()};
            if (size == null) {
                int w = metaInt("width");
                int h = metaInt("height");
                if (w < 1 || w > 16384 || h < 1 || h > 16384) {
                    throw new RtmpProtocolException(codec + " sequence header: picture size unknown (no readable SPS, "
                            + "no width/height in onMetaData)");
                }
                size = new int[] {w, h};
            }
            TrackInfo.Builder b = TrackInfo.builder(VIDEO_TRACK, codec).codecConfig(config).resolution(size[0], size[1])
                    .hasBFrames(sps != null && sps.hasReordering()) // else learned from composition time offsets
                    .description("rtmp " + hubName);
            double fps = metaDouble("framerate");
            if (fps > 0 && fps < 1000) {
                b.frameRate(Rational.of(Math.round(fps * 1000), 1000));
            }
            return b.build();
        }

        private TrackInfo audioTrack(Codec codec, byte[] config) {
            if (audio != null && audio.codec() == codec && Arrays.equals(audio.codecConfig(), config)) {
                return audio;
            }
            if (codec == Codec.OPUS) {
                // OpusHead (RFC 7845 §5.1): 'OpusHead', version, channel count, ...; Opus always decodes at 48 kHz.
                if (config.length < 19 || !new String(config, 0, 8, StandardCharsets.US_ASCII).equals("OpusHead")
                        || config[9] < 1) {
                    throw new RtmpProtocolException("Opus sequence start: malformed OpusHead "
                            + ByteBufUtil.hexDump(config, 0, Math.min(config.length, 19)));
                }
                return TrackInfo.builder(AUDIO_TRACK, Codec.OPUS).codecConfig(config).audio(48_000, config[9] & 0xFF)
                        .description("rtmp " + hubName).build();
            }
            int[] params = CodecConfigs.aacAudio(config);
            if (params == null) {
                int rate = metaInt("audiosamplerate");
                int channels = Boolean.TRUE.equals(meta("stereo")) ? 2 : 1;
                if (rate < 1 || rate > 768_000) {
                    throw new RtmpProtocolException("AAC sequence header: malformed AudioSpecificConfig "
                            + ByteBufUtil.hexDump(config, 0, Math.min(config.length, 16)));
                }
                params = new int[] {rate, channels};
            }
            return TrackInfo.builder(AUDIO_TRACK, Codec.AAC).codecConfig(config).audio(params[0], params[1])
                    .description("rtmp " + hubName).build();
        }

        private Object meta(String key) {
            return metadata == null ? null : metadata.get(key);
        }

        private double metaDouble(String key) {
            return meta(key) instanceof Double d ? d : -1;
        }

        private int metaInt(String key) {
            double d = metaDouble(key);
            return d >= 0 && d <= Integer.MAX_VALUE ? (int) d : -1;
        }

        private void publishIfReady() {
            if (publication != null || closeReason != null) {
                return;
            }
            boolean expectVideo = metadata == null || meta("videocodecid") != null;
            boolean expectAudio = metadata == null || meta("audiocodecid") != null;
            if ((!expectVideo || video != null) && (!expectAudio || audio != null) && (video != null || audio != null)) {
                goLive();
            }
        }

        private boolean goLive() {
            if (publishers.get(hubName) != RtmpServerSession.this) {
                log.info("{}: publish '{}' ended: another publisher took the stream over", remote, hubName);
                requestClose("replaced by another publisher");
                return false;
            }
            List<TrackInfo> tracks = new ArrayList<>(2);
            if (video != null) {
                tracks.add(video);
            }
            if (audio != null) {
                tracks.add(audio);
            }
            try {
                // RTMP has no message to ask a publisher for a keyframe: viewers' requests are dropped here
                publication = hub.publish(hubName, tracks, PublisherFeedback.NONE, sessionInfo);
                return true;
            } catch (StreamHubException e) {
                String code = e.reason() == StreamHubException.Reason.ALREADY_PUBLISHED ? NetStatus.PUBLISH_BAD_NAME
                        : "NetStream.Publish.Failed";
                log.info("{}: publish '{}' refused by the hub: {}", remote, hubName, e.getMessage());
                hub.reportIngestError(hubName, 0, sessionInfo, "refused by the hub: " + e.getMessage());
                stream.refuse(error(code, e.getMessage()));
                return false;
            }
        }

        private void send(EncodedFrame frame) {
            if (publication == null && (closeReason != null || !goLive())) {
                frame.release();
                return;
            }
            frames++;
            if (!publication.send(frame)) {
                if (publication.isReplaced()) {
                    log.info("{}: publish '{}' ended: replaced by a new publisher", remote, hubName);
                    requestClose("replaced by a new publisher");
                } else {
                    requestClose("publication of '" + hubName + "' ended by the hub");
                }
            }
        }

        void close() {
            if (publication != null) {
                publication.close();
                publication = null;
            }
            publishers.remove(hubName, RtmpServerSession.this);
        }
    }

    /** Delivery of one hub stream to this player. */
    private final class Play {
        final NetStream stream;
        final String hubName;
        final PlayerSink sink;
        /** The stream's shared serialization, or {@code null}: frames are muxed for this player alone. */
        final SharedStream shared;
        StreamHub.Subscription subscription;
        int generationAtPlay;
        int seenGeneration;
        boolean announcedLive;
        boolean based;
        long base;
        long nextStartTs;
        long lastTs;
        boolean metaSent;
        TrackInfo lastVideo;
        TrackInfo lastAudio;
        boolean videoSkipping;
        long sentFrames;

        Play(NetStream stream, String hubName, PlayerSink sink, SharedStream shared) {
            this.stream = stream;
            this.hubName = hubName;
            this.sink = sink;
            this.shared = shared;
        }

        /** Moves one step of state or one frame into {@code outbound}; returns whether it added anything. */
        boolean produce() {
            PlayerSink.Poll poll = sink.poll();
            EncodedFrame f = poll.frame();
            boolean added = false;
            if (poll.generation() != seenGeneration) {
                seenGeneration = poll.generation();
                if (poll.generation() > generationAtPlay) {
                    onStatus(stream.id, status("NetStream.Play.PublishNotify", hubName + " is now published."));
                    added = true;
                }
                announcedLive = true;
                based = false;
                nextStartTs = lastTs;
                metaSent = false;
                lastVideo = null;
                lastAudio = null;
                videoSkipping = false;
            }
            if (f == null) {
                if (poll.closed()) {
                    requestClose("stream '" + hubName + "' closed by the hub");
                } else if (!poll.live() && announcedLive) {
                    announcedLive = false;
                    onStatus(stream.id, status("NetStream.Play.UnpublishNotify", hubName + " is now unpublished."));
                    added = true;
                }
                return added;
            }
            if (shared != null) {
                return sharedFrame(f, poll.tracks()) || added; // takes f
            }
            try {
                return frame(f, poll.tracks()) || added;
            } finally {
                f.release();
            }
        }

        /**
         * A frame of the shared serialization: this player's prelude, then the shared chunks.
         *
         * @param f a frame of {@link SharedStream#serialize}, owned by the caller until this is
         *          called: its payload (a duplicate of the shared chunks) then goes, without another
         *          reference, into the {@link PrechunkedMessage} queued for the channel, which
         *          releases it once written
         */
        private boolean sharedFrame(EncodedFrame f, List<TrackInfo> tracks) {
            long ts = f.dtsUs() / 1000;
            TrackInfo t = f.track();
            boolean video = f.mediaType() == MediaType.VIDEO;
            try {
                if (!metaSent) {
                    metaSent = true;
                    outbound.add(RtmpMessages.encode(new DataMessage(DataMessage.ON_META_DATA, List.of(metadata(tracks, t))),
                            CSID_STREAM, stream.id, ts, alloc));
                }
                if (video && t != lastVideo) {
                    lastVideo = t;
                    outbound.add(new RtmpMessage(CSID_VIDEO, MessageTypeId.VIDEO, stream.id, ts, FlvMuxer.videoSequenceHeader(t, alloc)));
                } else if (!video && t != lastAudio) {
                    lastAudio = t;
                    outbound.add(new RtmpMessage(CSID_AUDIO, MessageTypeId.AUDIO, stream.id, ts, FlvMuxer.audioSequenceHeader(t, alloc)));
                }
            } catch (RuntimeException e) {
                f.release();
                throw e;
            }
            outbound.add(PrechunkedMessage.wrap(f.content(), video ? CSID_VIDEO : CSID_AUDIO,
                    video ? MessageTypeId.VIDEO : MessageTypeId.AUDIO, ts, shared.chunkSize()));
            sentFrames++;
            return true;
        }

        private boolean frame(EncodedFrame f, List<TrackInfo> tracks) {
            long dtsMs = FlvMuxer.rtmpTimestampMs(f.dtsUs());
            if (!based) {
                based = true;
                base = dtsMs - nextStartTs;
            }
            long ts = Math.max(0, dtsMs - base);
            lastTs = Math.max(lastTs, ts);
            TrackInfo t = f.track();
            boolean video = f.mediaType() == MediaType.VIDEO;
            if (video ? !(t.codec() == Codec.H264 || t.codec() == Codec.H265 || t.codec() == Codec.AV1)
                    : !(t.codec() == Codec.AAC || t.codec() == Codec.OPUS)) {
                droppedFrames++;
                return false;
            }
            if (t.codecConfigLength() == 0 || (video && videoSkipping && !f.isKeyframe())) {
                droppedFrames++;
                return false;
            }
            if (!metaSent) {
                metaSent = true;
                outbound.add(RtmpMessages.encode(new DataMessage(DataMessage.ON_META_DATA, List.of(metadata(tracks, t))),
                        CSID_STREAM, stream.id, ts, alloc));
            }
            if (video) {
                ByteBuf body;
                try {
                    body = FlvMuxer.videoFrame(f, alloc);
                } catch (IllegalArgumentException e) {
                    videoSkipping = true; // a later frame may reference this one
                    droppedFrames++;
                    return false;
                }
                videoSkipping = false;
                if (t != lastVideo) {
                    lastVideo = t;
                    outbound.add(new RtmpMessage(CSID_VIDEO, MessageTypeId.VIDEO, stream.id, ts,
                            FlvMuxer.videoSequenceHeader(t, alloc)));
                }
                outbound.add(new RtmpMessage(CSID_VIDEO, MessageTypeId.VIDEO, stream.id, ts, body));
            } else {
                if (t != lastAudio) {
                    lastAudio = t;
                    outbound.add(new RtmpMessage(CSID_AUDIO, MessageTypeId.AUDIO, stream.id, ts,
                            FlvMuxer.audioSequenceHeader(t, alloc)));
                }
                outbound.add(new RtmpMessage(CSID_AUDIO, MessageTypeId.AUDIO, stream.id, ts, FlvMuxer.audioFrame(f, alloc)));
            }
            sentFrames++;
            return true;
        }

        void close() {
            if (subscription != null) {
                subscription.close();
                subscription = null;
            }
            sink.release();
            droppedFrames += sink.dropped();
            if (shared != null) {
                shared.release();
            }
        }
    }

    /** onMetaData for a player, from the publication's tracks (and the frame's, which may be newer). */
    private static Amf0.EcmaArray metadata(List<TrackInfo> tracks, TrackInfo current) {
        Amf0.EcmaArray m = new Amf0.EcmaArray();
        TrackInfo video = null;
        TrackInfo audio = null;
        for (TrackInfo t : tracks) {
            if (t.isVideo() && video == null) {
                video = t;
            } else if (t.isAudio() && audio == null) {
                audio = t;
            }
        }
        if (current.isVideo()) {
            video = current;
        } else {
            audio = current;
        }
        if (video != null) {
            m.put("width", (double) video.width());
            m.put("height", (double) video.height());
            video.frameRate().ifPresent(r -> m.put("framerate", (double) r.num() / r.den()));
            m.put("videocodecid", switch (video.codec()) {
                case H265 -> (double) FlvVideoPacket.FOURCC_HVC1;
                case AV1 -> (double) FlvVideoPacket.FOURCC_AV01;
                default -> (double) FlvVideoPacket.CODEC_ID_AVC;
            });
        }
        if (audio != null) {
            m.put("audiocodecid", audio.codec() == Codec.OPUS ? (double) FlvAudioPacket.FOURCC_OPUS
                    : (double) FlvAudioPacket.SOUND_FORMAT_AAC);
            m.put("audiosamplerate", (double) audio.sampleRate());
            m.put("audiochannels", (double) audio.channels());
            m.put("stereo", audio.channels() > 1);
        }
        m.put("server", "Sluice");
        return m;
    }
}
