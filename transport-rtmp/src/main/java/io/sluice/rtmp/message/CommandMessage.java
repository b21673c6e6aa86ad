package io.sluice.rtmp.message;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An AMF0 command message (type 20, §7.1.1 and §7.2): the command name, a transaction id, the
 * command object ({@code null} when none) and optional arguments, written as consecutive AMF0
 * values. Build the common commands with {@link Commands}.
 *
 * @param name          command name, e.g. {@code "connect"}, {@code "_result"}, {@code "onStatus"}
 * @param transactionId transaction id; 0 for commands that expect no response (publish, play, onStatus)
 * @param commandObject command object (an AMF0 Object as a {@code Map}) or {@code null}
 * @param arguments     further AMF0 values (unmodifiable copy; may contain {@code null})
 * @see <a href="https://rtmp.veriskope.com/docs/spec/#72-command-messages">RTMP spec §7.2</a>
 */
public record CommandMessage(String name, double transactionId, Object commandObject, List<Object> arguments) {
    /** @throws NullPointerException if {@code name} or {@code arguments} is null */
    public CommandMessage {
        Objects.requireNonNull(name, "name");
        arguments = Collections.unmodifiableList(new ArrayList<>(arguments));
    }

    /** Whether this is a {@code _result} response. */
    public boolean isResult() {
        return "_result".equals(name);
    }

    /** Whether this is an {@code _error} response. */
    public boolean isError() {
        return "_error".equals(name);
    }

    /** The argument at {@code index}, if present. */
    public Optional<Object> argument(int index) {
        return index >= 0 && index < arguments.size() ? Optional.ofNullable(arguments.get(index)) : Optional.empty();
    }

    /**
     * The status info object of an {@code onStatus}, {@code _result} or {@code _error} command:
     * the first argument that is an AMF0 Object with a {@code code} property.
     */
    public Optional<NetStatus> status() {
        for (Object a : arguments) {
            if (a instanceof Map<?, ?> m && m.get("code") instanceof String) {
                return Optional.of(NetStatus.fromInfoObject(m));
            }
        }
        return Optional.empty();
    }
}
