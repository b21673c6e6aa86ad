package io.sluice.abr.rate;

import io.sluice.core.Rational;
import io.sluice.core.VideoSize;
import java.util.ArrayList;
import java.util.List;

/**
 * The picture sizes a video encoder may step through for a source, each with the bitrate range it suits. The
 * top rung is the encoder's own size (never larger: no upscaling); lower rungs keep its aspect ratio at the
 * usual heights 1080, 720, 540, 360, 270 and 180 (those below 85 % of its height), with even dimensions.
 *
 * <p>Bitrate ranges follow libwebrtc's per-resolution limits (360p 0.3–0.8, 540p 0.5–1.5, 720p 0.9–2.5 Mbit/s;
 * its singlecast table for the others), interpolated on the logarithm of the pixel count for sizes between.
 *
 * <p>Below the smallest size, {@link #below(VideoSize, Rational, boolean)} adds <b>frame-rate steps</b>: the smallest size
 * at 1/2 and 1/3 of the source's frame rate (not below {@value #MIN_FRAME_RATE} fps). Their ranges scale the
 * smallest size's by {@code (1/divisor)^0.75}: a frame that is further from its reference needs more bits, so
 * halving the frame rate saves about 40 %, not 50 % (our rule of thumb, no standard gives one). A 640x480 source
 * at 30 fps thus ends at 240x180 30 fps (37..225 kbit/s), 15 fps (22..133 kbit/s), 10 fps (16..98 kbit/s).
 * Immutable.
 */
public final class ResolutionLadder {
    /** Reference points: pixels, min bit/s, max bit/s. */
    private static final long[][] LIMITS = {
        {320L * 180, 50_000, 300_000},
        {480L * 270, 150_000, 500_000},
        {640L * 360, 300_000, 800_000},
        {960L * 540, 500_000, 1_500_000},
        {1280L * 720, 900_000, 2_500_000},
        {1920L * 1080, 1_800_000, 5_000_000},
    };
    private static final int[] HEIGHTS = {1080, 720, 540, 360, 270, 180};
    /** The lowest frame rate a frame-rate step goes to, frames per second. */
    static final int MIN_FRAME_RATE = 5;
    private static final int MAX_FRAME_RATE_DIVISOR = 3;
    private static final double FRAME_RATE_EXPONENT = 0.75;

    /**
     * One size and frame rate, and the bitrate range it suits.
     *
     * @param size             picture size, even dimensions
     * @param frameRate        frames per second; {@code null} when the source's is unknown (the encoder keeps its own)
     * @param minBps           below this the next rung down is better, bit/s
     * @param maxBps           above this the next rung up is worth it, bit/s
     */
    public record Rung(VideoSize size, Rational frameRate, long minBps, long maxBps) {
    }

    private final List<Rung> rungs;

    private ResolutionLadder(List<Rung> rungs) {
        this.rungs = List.copyOf(rungs);
    }

    /**
     * @param top the encoder's size (the source's, or what the user configured): the largest rung
     * @return rungs from {@code top} down to about 180 lines, frame rate unknown ({@code null})
     */
    public static ResolutionLadder below(VideoSize top) {
        return below(top, null, true);
    }

    /**
     * @param top       the encoder's size (the source's, or what the user configured): the largest rung
     * @param frameRate the encoder's frame rate, frames per second; {@code null} for no frame-rate steps
     * @param sizeSteps whether to step through smaller sizes ({@code false}: {@code top} only, then its frame-rate steps)
     * @return rungs from {@code top} down to about 180 lines at {@code frameRate}, then the smallest size at 1/2 and
     *         1/3 of it while that is at least {@value #MIN_FRAME_RATE} fps
     */
    public static ResolutionLadder below(VideoSize top, Rational frameRate, boolean sizeSteps) {
        List<Rung> list = new ArrayList<>();
        list.add(rung(top, frameRate));
        for (int h : sizeSteps ? HEIGHTS : new int[0]) {
            if (h * 100 > top.height() * 85) {
                continue; // at or within 15 % of the top: not worth a keyframe
            }
            int w = (int) Math.round((double) top.width() * h / top.height() / 2) * 2;
            if (w < 16) {
                continue;
            }
            list.add(rung(new VideoSize(w, h), frameRate));
        }
        if (frameRate != null) {
            Rung smallest = list.get(list.size() - 1);
            for (int d = 2; d <= MAX_FRAME_RATE_DIVISOR && frameRate.toDouble() / d >= MIN_FRAME_RATE; d++) {
                double f = Math.pow(1.0 / d, FRAME_RATE_EXPONENT);
                list.add(new Rung(smallest.size(), Rational.of(frameRate.num(), frameRate.den() * d),
                        Math.round(smallest.minBps() * f), Math.round(smallest.maxBps() * f)));
            }
        }
        return new ResolutionLadder(list);
    }

    private static Rung rung(VideoSize s, Rational frameRate) {
        return new Rung(s, frameRate, limit(s.pixels(), 1), limit(s.pixels(), 2));
    }

    /** Interpolates column {@code col} of {@link #LIMITS} on log(pixels); beyond the table, proportional to pixels. */
    static long limit(long pixels, int col) {
        if (pixels <= LIMITS[0][0]) {
            return LIMITS[0][col] * pixels / LIMITS[0][0];
        }
        for (int i = 1; i < LIMITS.length; i++) {
            if (pixels <= LIMITS[i][0]) {
                double f = Math.log((double) pixels / LIMITS[i - 1][0]) / Math.log((double) LIMITS[i][0] / LIMITS[i - 1][0]);
                return Math.round(LIMITS[i - 1][col] + f * (LIMITS[i][col] - LIMITS[i - 1][col]));
            }
        }
        long[] last = LIMITS[LIMITS.length - 1];
        return last[col] * pixels / last[0];
    }

    /** Largest first. */
    public List<Rung> rungs() {
        return rungs;
    }

    /** This ladder without its frame-rate steps (for an encoder that cannot change its frame rate). */
    public ResolutionLadder sizesOnly() {
        Rational top = rungs.get(0).frameRate();
        return new ResolutionLadder(rungs.stream().filter(r -> java.util.Objects.equals(r.frameRate(), top)).toList());
    }

    public Rung get(int index) {
        return rungs.get(index);
    }

    public int size() {
        return rungs.size();
    }

    /** The index of the largest rung whose minimum is at most {@code bps} (the smallest rung if none). */
    public int largestFor(long bps) {
        for (int i = 0; i < rungs.size(); i++) {
            if (rungs.get(i).minBps() <= bps) {
                return i;
            }
        }
        return rungs.size() - 1;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ResolutionLadder[");
        for (Rung r : rungs) {
            sb.append(r.size()).append(r.frameRate() == null ? "" : String.format(java.util.Locale.ROOT, "@%.3g", r.frameRate().toDouble()))
                    .append(' ').append(r.minBps() / 1000).append("..").append(r.maxBps() / 1000).append("k ");
        }
        return sb.append(']').toString();
    }
}
