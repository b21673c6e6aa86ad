package io.sluice.core;

/**
 * An exact fraction, used for frame rates ({@code 30000/1001}) and timebases.
 *
 * @param num numerator
 * @param den denominator, &gt; 0
 */
public record Rational(long num, long den) {
    public Rational {
        if (den <= 0) {
            throw new IllegalArgumentException("den: " + den + " (expected: > 0)");
        }
    }

    public static Rational of(long num, long den) {
        return new Rational(num, den);
    }

    /** The value as a double. */
    public double toDouble() {
        return (double) num / den;
    }

    /** The reciprocal, e.g. frame duration in seconds from a frame rate. */
    public Rational invert() {
        if (num == 0) {
            throw new ArithmeticException("invert of 0/" + den);
        }
        return num > 0 ? new Rational(den, num) : new Rational(-den, -num);
    }

    /**
     * Rescales {@code value} from this timebase to {@code target} with round-to-nearest, without
     * overflow for timestamps of realistic magnitude (like FFmpeg's {@code av_rescale_q}).
     */
    public long rescale(long value, Rational target) {
        return Timebase.rescale(value, num * target.den, den * target.num);
    }

    @Override
    public String toString() {
        return num + "/" + den;
    }
}
