package io.sluice.core.netty;

import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Netty's NIO {@link IoHandler} with its wait for the next scheduled task rounded <em>up</em> to whole
 * milliseconds: a scheduled task runs up to 1 ms late instead of the loop spinning for it.
 *
 * <p>Why: Netty 4.2's {@code NioIoHandler.select} turns the time left until the next scheduled task
 * into a {@code Selector.select(long)} timeout rounded to the <em>nearest</em> millisecond, and with less
 * than 0.5 ms left calls {@code selectNow()} and returns, so the event loop comes straight back and
 * polls again until the task is due. A loop that always has a timer a few milliseconds out (every paced
 * WebRTC viewer keeps one) spends each wake-up that lands in the last half millisecond before a timer in
 * that poll loop: {@code perf stat} counted 1,022,452 {@code epoll_wait} calls on the WebRTC UDP loop of
 * {@code WhepFanOutBenchmark}'s paced server against 99,217 on the unpaced one (issue 13, session 18).
 * Here the handler reports the delay {@code d > 0} as {@code d + 499,999 ns}, which NIO's rounding
 * turns into {@code ceil(d / 1 ms)}; a loop woken by I/O before its timer still sleeps again for the rest.
 * The epoll and io_uring handlers wait to the nanosecond and are not wrapped.
 *
 * <p>What a late timer costs: a pacer that measures elapsed time (as the WebRTC session engine's does)
 * sends the same bytes in a burst up to 1 ms larger; protocol timeouts (ICE, DTLS, RTCP) are tens of
 * milliseconds or more.
 */
final class RoundUpTimeoutIoHandler extends ForwardingIoHandler {
    /** Added to a positive delay so that rounding to the nearest millisecond rounds it up. */
    static final long ROUND_UP_NANOS = 499_999L;

    private final RoundingContext context = new RoundingContext();

    RoundUpTimeoutIoHandler(IoHandler delegate) {
        super(delegate);
    }

    /** Wraps every handler {@code factory} makes. */
    static IoHandlerFactory wrap(IoHandlerFactory factory) {
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new RoundUpTimeoutIoHandler(factory.newHandler(executor));
            }

            @Override
            public boolean isChangingThreadSupported() {
                return factory.isChangingThreadSupported();
            }
        };
    }

    /**
     * The delay NIO should wait: {@code delayNanos} plus {@link #ROUND_UP_NANOS} when positive and far from
     * overflow, else unchanged.
     */
    static long roundedUpDelay(long delayNanos) {
        return delayNanos > 0 && delayNanos < Long.MAX_VALUE - ROUND_UP_NANOS ? delayNanos + ROUND_UP_NANOS : delayNanos;
    }

    @Override
    public int run(IoHandlerContext outer) {
        context.outer = outer;
        return super.run(context);
    }

    /** The loop's context with {@link #delayNanos} rounded up; used only on the loop's thread. */
    private static final class RoundingContext implements IoHandlerContext {
        IoHandlerContext outer;

        @Override
        public boolean canBlock() {
            return outer.canBlock();
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return roundedUpDelay(outer.delayNanos(currentTimeNanos));
        }

        @Override
        public long deadlineNanos() {
            return outer.deadlineNanos(); // NIO does not read it
        }

        @Override
        public void reportActiveIoTime(long activeNanos) {
            outer.reportActiveIoTime(activeNanos);
        }

        @Override
        public boolean shouldReportActiveIoTime() {
            return outer.shouldReportActiveIoTime();
        }
    }
}
