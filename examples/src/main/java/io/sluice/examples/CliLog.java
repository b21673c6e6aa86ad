package io.sluice.examples;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The CLI's SLF4J provider: one readable line per event on standard error,
 * {@code 12:00:01.234 INFO  RtmpServerSession: /127.0.0.1:50312: publish 'live/cam' ...}.
 *
 * <p>Levels: Sluice's loggers at INFO and everything else (Netty, ...) at WARN by default; with
 * {@code -v/--verbose} Sluice at DEBUG, others at INFO, and exceptions with their stack traces; with
 * {@code -q/--quiet} errors only. {@code sluice stream} logs nothing unless {@code --verbose}: its progress
 * line and its one error line say it all. Without {@code --verbose} an exception is printed as one line (its
 * class and message, then its causes'), never as a stack trace. Registered in
 * {@code META-INF/services/org.slf4j.spi.SLF4JServiceProvider}; thread-safe.
 */
public final class CliLog implements SLF4JServiceProvider {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** How much the CLI logs. */
    enum Verbosity {
        /** Nothing: the command reports for itself (progress line, one error line). */
        SILENT,
        /** Errors only. */
        QUIET,
        /** Sluice INFO, others WARN; exceptions in one line. */
        NORMAL,
        /** Sluice DEBUG, others INFO; stack traces. */
        VERBOSE
    }

    private static volatile Verbosity verbosity = Verbosity.NORMAL;
    private static volatile PrintStream sink;

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private final ILoggerFactory factory = CliLogger::new;

    /**
     * Sets the verbosity and where lines go (null: {@link System#err} at the time of each event).
     *
     * @return the previous sink, to restore
     */
    static PrintStream configure(Verbosity v, PrintStream to) {
        verbosity = Objects.requireNonNull(v, "verbosity");
        PrintStream old = sink;
        sink = to;
        return old;
    }

    static Verbosity verbosity() {
        return verbosity;
    }

    /** {@code java.net.ConnectException: Connection refused; caused by ...}: an exception and its causes in one line. */
    static String oneLine(Throwable t) {
        StringBuilder b = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append("; caused by ").append(c);
        }
        return b.toString().replace('\n', ' ');
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
    }

    private static final class CliLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final boolean sluice;
        private final String shortName;

        CliLogger(String name) {
            this.name = name;
            this.sluice = name.startsWith("io.sluice.");
            this.shortName = name.substring(name.lastIndexOf('.') + 1);
        }

        private boolean enabled(Level level) {
            Verbosity v = verbosity;
            if (v == Verbosity.SILENT) {
                return false;
            }
            Level threshold = switch (v) {
                case SILENT, QUIET -> Level.ERROR;
                case NORMAL -> sluice ? Level.INFO : Level.WARN;
                case VERBOSE -> sluice ? Level.DEBUG : Level.INFO;
            };
            return level.toInt() >= threshold.toInt();
        }

        @Override
        public boolean isTraceEnabled() {
            return enabled(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return enabled(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return enabled(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return enabled(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return enabled(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args, Throwable t) {
            String message = MessageFormatter.basicArrayFormat(pattern, args);
            boolean verbose = verbosity == Verbosity.VERBOSE;
            StringBuilder line = new StringBuilder(96).append(LocalTime.now().format(TIME)).append(' ')
                    .append(String.format("%-5s", level)).append(' ').append(shortName).append(": ").append(message);
            if (t != null && !verbose) {
                line.append(" (").append(oneLine(t)).append(')');
            }
            PrintStream out = sink != null ? sink : System.err;
            synchronized (out) {
                out.println(line);
                if (t != null && verbose) {
                    t.printStackTrace(out);
                }
            }
        }
    }
}
