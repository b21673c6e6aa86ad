package io.sluice.rtmp.message;

import io.sluice.rtmp.amf.Amf0;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Factories for the command messages a publisher, a player and a server exchange (RTMP spec
 * §7.2), in the shape ffmpeg, OBS and nginx-rtmp use. Transaction ids are chosen by the caller
 * (connect is 1 by convention); commands without a response use 0.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#72-command-messages">RTMP spec §7.2</a>
 */
public final class Commands {
    /** The flashVer a publisher sends; "FMLE/3.0" makes servers treat the client as an encoder. */
    public static final String PUBLISHER_FLASH_VER = "FMLE/3.0 (compatible; Sluice)";

    private Commands() {
    }

    /**
     * {@code connect} (§7.2.1.1) with the properties a publisher sends: app, type "nonprivate",
     * flashVer and tcUrl, in that order.
     *
     * @param transactionId conventionally 1
     * @param app           application name, e.g. {@code "live"} (with instance and query, if any)
     * @param tcUrl         server URL, e.g. {@code "rtmp://host:1935/live"}
     */
    public static CommandMessage connect(double transactionId, String app, String tcUrl) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("app", app);
        props.put("type", "nonprivate");
        props.put("flashVer", PUBLISHER_FLASH_VER);
        props.put("tcUrl", tcUrl);
        return connect(transactionId, props);
    }

    /** {@code connect} with the given command object properties (for players: fpad, audioCodecs, ...). */
    public static CommandMessage connect(double transactionId, Map<String, Object> properties) {
        return new CommandMessage("connect", transactionId, properties, List.of());
    }

    /** {@code releaseStream(streamName)} (FMLE extension, sent before FCPublish). */
    public static CommandMessage releaseStream(double transactionId, String streamName) {
        return new CommandMessage("releaseStream", transactionId, null, List.of(streamName));
    }

    /** {@code FCPublish(streamName)} (FMLE extension; some CDNs need it). */
    public static CommandMessage fcPublish(double transactionId, String streamName) {
        return new CommandMessage("FCPublish", transactionId, null, List.of(streamName));
    }

    /** {@code FCUnpublish(streamName)}. */
    public static CommandMessage fcUnpublish(double transactionId, String streamName) {
        return new CommandMessage("FCUnpublish", transactionId, null, List.of(streamName));
    }

    /** {@code createStream} (§7.2.1.3); the {@code _result} carries the new message stream id. */
    public static CommandMessage createStream(double transactionId) {
        return new CommandMessage("createStream", transactionId, null, List.of());
    }

    /** {@code deleteStream(streamId)} (§7.2.2.3). */
    public static CommandMessage deleteStream(double transactionId, long messageStreamId) {
        return new CommandMessage("deleteStream", transactionId, null, List.of((double) messageStreamId));
    }

    /**
     * {@code publish(streamName, "live")} (§7.2.2.6), sent on the created message stream.
     *
     * @param streamName the stream key, with its query string if the server authenticates with one
     */
    public static CommandMessage publish(String streamName) {
        return new CommandMessage("publish", 0, null, List.of(streamName, "live"));
    }

    /** {@code play(streamName, -2)} (§7.2.2.1): live if available, else recorded. */
    public static CommandMessage play(String streamName) {
        return new CommandMessage("play", 0, null, List.of(streamName, -2.0));
    }

    /** {@code _result} with a command object (properties) and further values. */
    public static CommandMessage result(double transactionId, Object commandObject, Object... arguments) {
        return new CommandMessage("_result", transactionId, commandObject, Arrays.asList(arguments));
    }

    /** {@code _error} with the status of what failed. */
    public static CommandMessage error(double transactionId, NetStatus status) {
        return new CommandMessage("_error", transactionId, null, List.of(status.toInfoObject()));
    }

    /** {@code onStatus} (§7.2.2) with level, code and description. */
    public static CommandMessage onStatus(NetStatus status) {
        return new CommandMessage("onStatus", 0, null, List.of(status.toInfoObject()));
    }

    /**
     * {@code @setDataFrame("onMetaData", metadata)}: how publishers send stream metadata (an ECMA
     * array: width, height, framerate, videocodecid, audiocodecid, ...).
     */
    public static DataMessage setDataFrame(Map<String, ?> metadata) {
        List<Object> values = new ArrayList<>();
        values.add(DataMessage.ON_META_DATA);
        values.add(new Amf0.EcmaArray(metadata));
        return new DataMessage(DataMessage.SET_DATA_FRAME, values);
    }
}
