package io.sluice.rtmp.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An AMF0 data message (type 18, §7.1.2): a handler name followed by AMF0 values. Publishers send
 * {@code @setDataFrame("onMetaData", {...})}; servers relay it to players as
 * {@code onMetaData({...})}.
 *
 * @param handler the first value, e.g. {@code "@setDataFrame"} or {@code "onMetaData"}
 * @param values  the values after it (unmodifiable copy)
 */
public record DataMessage(String handler, List<Object> values) {
    /** Handler name publishers use to set metadata on the server. */
    public static final String SET_DATA_FRAME = "@setDataFrame";
    /** Handler name of stream metadata. */
    public static final String ON_META_DATA = "onMetaData";

    /** @throws NullPointerException if {@code handler} or {@code values} is null */
    public DataMessage {
        Objects.requireNonNull(handler, "handler");
        values = Collections.unmodifiableList(new ArrayList<>(values));
    }

    /**
     * The metadata map of {@code onMetaData({...})} or {@code @setDataFrame("onMetaData", {...})}.
     */
    public Optional<Map<?, ?>> metadata() {
        int index;
        if (ON_META_DATA.equals(handler)) {
            index = 0;
        } else if (SET_DATA_FRAME.equals(handler) && !values.isEmpty() && ON_META_DATA.equals(values.get(0))) {
            index = 1;
        } else {
            return Optional.empty();
        }
        return index < values.size() && values.get(index) instanceof Map<?, ?> m ? Optional.of(m) : Optional.empty();
    }
}
