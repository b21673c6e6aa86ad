/**
 * Adaptation for Sluice publishers, sans-IO: estimators and controllers take time and measurements as
 * arguments and return decisions; they never read a clock, start a thread or touch a socket.
 *
 * <ul>
 *   <li>{@link io.sluice.abr.cc} — congestion control for RTP over UDP: the {@link io.sluice.abr.cc.NetworkController}
 *       contract (shaped after libwebrtc's {@code NetworkControllerInterface}) and send-side GCC
 *       (draft-ietf-rmcat-gcc-02) driven by transport-wide congestion control feedback.</li>
 *   <li>{@link io.sluice.abr.gcc} — send-side GCC, {@link io.sluice.abr.gcc.GccNetworkController}, one class per part
 *       named as libwebrtc's goog_cc names it. The test-jar holds {@code io.sluice.abr.sim}, a deterministic
 *       simulated-time link (encoder model, pacer, drop-tail bottleneck with capacity schedules and mahimahi / Pensieve
 *       traces, TWCC-like feedback) that drives any {@link io.sluice.abr.cc.NetworkController}.</li>
 *   <li>{@link io.sluice.abr.tcp} — rate control for RTMP over TCP from the send buffer (queued media, drain rate).</li>
 *   <li>{@link io.sluice.abr.rate} — the one {@link io.sluice.core.spi.RateController}: estimates to encoder bitrate
 *       and picture size, the default controller of live pipelines.</li>
 * </ul>
 *
 * <p>Units everywhere in this module: times in µs on the caller's monotonic clock (suffix {@code Us}),
 * rates in bit/s (suffix {@code Bps}), sizes in bytes.
 */
package io.sluice.abr;
