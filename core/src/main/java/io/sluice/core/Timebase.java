package io.sluice.core;

import java.math.BigInteger;

/**
 * Timestamp arithmetic. Core timestamps are microseconds (µs); protocols convert at their edge:
 * 90 kHz for RTP video, 48 kHz for Opus, milliseconds for RTMP/FLV.
 */
public final class Timebase {
    /** Microsecond timebase, 1/1000000 s: the unit of every timestamp in core. */
    public static final Rational MICROS = Rational.of(1, 1_000_000);
    /** Millisecond timebase (RTMP/FLV timestamps). */
    public static final Rational MILLIS = Rational.of(1, 1_000);
    /** 90 kHz (RTP video clock, MPEG-TS). */
    public static final Rational KHZ_90 = Rational.of(1, 90_000);

    private Timebase() {
    }

    /**
     * {@code value * mul / div} rounded to nearest (halves away from zero), exact for all inputs.
     */
    public static long rescale(long value, long mul, long div) {
        if (div == 0) {
            throw new ArithmeticException("rescale: division by zero");
        }
        long hi = Math.multiplyHigh(value, mul);
        long lo = value * mul;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
            long q = lo / div;
            long r = lo % div;
            if (Math.abs(r) * 2 >= Math.abs(div)) {
                q += (r < 0) == (div < 0) ? 1 : -1;
            }
            return q;
        }
        BigInteger p = BigInteger.valueOf(value).multiply(BigInteger.valueOf(mul));
        BigInteger[] qr = p.divideAndRemainder(BigInteger.valueOf(div));
        BigInteger q = qr[0];
        if (qr[1].abs().shiftLeft(1).compareTo(BigInteger.valueOf(div).abs()) >= 0) {
            q = q.add(BigInteger.valueOf(qr[1].signum() * Long.signum(div)));
        }
        return q.longValueExact();
    }

    /** µs → the given timebase (round to nearest). */
    public static long fromMicros(long micros, Rational timebase) {
        return MICROS.rescale(micros, timebase);
    }

    /** The given timebase → µs (round to nearest). */
    public static long toMicros(long ticks, Rational timebase) {
        return timebase.rescale(ticks, MICROS);
    }
}
