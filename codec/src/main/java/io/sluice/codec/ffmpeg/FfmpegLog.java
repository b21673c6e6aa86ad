package io.sluice.codec.ffmpeg;

import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_DEBUG;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_INFO;
import static org.bytedeco.ffmpeg.global.avutil.AV_LOG_WARNING;
import static org.bytedeco.ffmpeg.global.avutil.av_log_set_level;
import static org.bytedeco.ffmpeg.global.avutil.setLogCallback;

import org.bytedeco.ffmpeg.avutil.LogCallback;
import org.bytedeco.javacpp.BytePointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes FFmpeg's {@code av_log} output to SLF4J (logger {@code io.sluice.codec.ffmpeg.FFmpeg}).
 *
 * <p>FFmpeg levels map to SLF4J as: panic/fatal/error &rarr; ERROR, warning &rarr; WARN, info &rarr; INFO,
 * verbose/debug/trace &rarr; DEBUG, except two OpenH264 warnings that do not apply to how Sluice
 * configures it, logged at DEBUG ({@link #isInapplicableWarning(String)} says why). The FFmpeg level is global to the process (default
 * {@code AV_LOG_WARNING}); messages above it are dropped before they reach Java. The callback may be
 * called on FFmpeg's own threads (frame-threaded decoders), which JavaCPP attaches to the JVM.
 *
 * <p>Sluice's FFmpeg classes call {@link #install()} before their first native call; an application only
 * calls it itself to change the level. The JavaCV alternative ({@code org.bytedeco.javacv.FFmpegLogCallback})
 * logs through JavaCPP's logger to stderr rather than SLF4J, so it is not used.
 */
public final class FfmpegLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.sluice.codec.ffmpeg.FFmpeg");
    private static final Object LOCK = new Object();
    private static Slf4jCallback callback; // guarded by LOCK; kept reachable for as long as FFmpeg may call it
    private static volatile int level = AV_LOG_WARNING;
    /** Set while FFmpeg probes end-to-end encrypted payloads on this thread: its complaints are expected. */
    private static final java.util.concurrent.atomic.AtomicLong ERRORS = new java.util.concurrent.atomic.AtomicLong();
    private static final ThreadLocal<Boolean> PROBING_OPAQUE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private FfmpegLog() {
    }

    /** Installs the SLF4J callback at the current level (default {@code AV_LOG_WARNING}). Idempotent, thread-safe. */
    public static void install() {
        synchronized (LOCK) {
            if (callback == null) {
                Slf4jCallback cb = new Slf4jCallback();
                cb.retainReference(); // never deallocated: FFmpeg keeps the function pointer for the process lifetime
                av_log_set_level(level);
                setLogCallback(cb);
                callback = cb;
            }
        }
    }

    /**
     * Installs the callback if needed and sets FFmpeg's global log level.
     *
     * @param avLogLevel an FFmpeg {@code AV_LOG_*} constant: -8 (quiet) .. 56 (trace); 24 is {@code AV_LOG_WARNING}
     * @throws IllegalArgumentException if the level is out of range
     */
    public static void install(int avLogLevel) {
        if (avLogLevel < -8 || avLogLevel > 56) {
            throw new IllegalArgumentException("avLogLevel: " + avLogLevel + " (expected: -8..56)");
        }
        synchronized (LOCK) {
            level = avLogLevel;
            install();
            av_log_set_level(avLogLevel);
        }
    }

    /**
     * While {@code on}, FFmpeg's errors and warnings raised on the calling thread are logged at DEBUG: for
     * {@code avformat_find_stream_info} over end-to-end encrypted payloads, whose probing decoders cannot parse the
     * ciphertext (they run on the calling thread). Package-private: only {@link FfmpegSource} uses it.
     */
    static void probingOpaquePayloads(boolean on) {
        PROBING_OPAQUE.set(on);
    }

    /** FFmpeg messages logged at ERROR since the process started (panic, fatal and error levels); thread-safe. */
    public static long errorsLogged() {
        return ERRORS.get();
    }

    /** The FFmpeg log level in effect ({@code AV_LOG_*}). */
    public static int level() {
        return level;
    }

    /**
     * Whether an FFmpeg warning line is one of those that say nothing about Sluice's output: two OpenH264 prints at
     * every encoder start, and one libx264 print at every bitrate increase:
     * <ul>
     *   <li>{@code "layerId(0) doesn't support profile(578), change to UNSPECIFIC profile"}: FFmpeg hands OpenH264
     *       FFmpeg's own constant for Constrained Baseline (578 = 66 | AV_PROFILE_H264_CONSTRAINED), which OpenH264
     *       does not know; its UNSPECIFIC profile is Constrained Baseline with CAVLC, the profile the stream
     *       carries anyway (its SPS says profile_idc 66 with constraint_set1). Wrong, in other words.</li>
     *   <li>{@code "bEnableFrameSkip = 0,bitrate can't be controlled for ... without enabling skip frame"}: Sluice
     *       disables frame skipping on purpose (a skipped frame is a hole in a live stream and in A/V sync); the
     *       bitrate mode still steers the QP to the target, it just cannot drop frames to hold it on a sudden
     *       burst of detail. The other modes that avoid the warning do not control bitrate at all.</li>
     *   <li>{@code "max bitrate less than average bitrate, assuming CBR"} from libx264: FFmpeg's
     *       {@code reconfig_encoder} hands x264 a raised {@code bit_rate} and the raised {@code rc_max_rate} in two
     *       separate reconfigurations, so the first sees the new average above the old maximum for an instant;
     *       the second applies both. Sluice sets maximum = average on purpose (CBR with a 1 s VBV), so the
     *       warning would appear at every increase the rate controller makes.</li>
     * </ul>
     *
     * @param line one {@code av_log} line, as FFmpeg formats it
     */
    static boolean isInapplicableWarning(String line) {
        return line.contains("[OpenH264]") && (line.contains("doesn't support profile(578)")
                || line.contains("bEnableFrameSkip = 0,bitrate can't be controlled"))
                || line.contains("[libx264 @") && line.contains("max bitrate less than average bitrate, assuming CBR");
    }

    private static final class Slf4jCallback extends LogCallback {
        @Override
        public void call(int msgLevel, BytePointer msg) {
            if (msgLevel > level) {
                return;
            }
            String line = msg.getString().stripTrailing();
            if (line.isEmpty()) {
                return;
            }
            if (msgLevel <= AV_LOG_WARNING && PROBING_OPAQUE.get()) {
                LOG.debug("probing encrypted payloads: {}", line);
            } else if (msgLevel <= AV_LOG_ERROR) {
                ERRORS.incrementAndGet();
                LOG.error(line);
            } else if (msgLevel <= AV_LOG_WARNING) {
                if (isInapplicableWarning(line)) {
                    LOG.debug(line);
                } else {
                    LOG.warn(line);
                }
            } else if (msgLevel <= AV_LOG_INFO) {
                LOG.info(line);
            } else if (msgLevel <= AV_LOG_DEBUG) {
                LOG.debug(line);
            } else {
                LOG.trace(line);
            }
        }
    }
}
