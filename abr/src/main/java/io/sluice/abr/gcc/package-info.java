/**
 * Send-side Google Congestion Control (draft-ietf-rmcat-gcc-02) as libwebrtc's goog_cc implements it, sans-IO.
 *
 * <p>{@link io.sluice.abr.gcc.GccNetworkController} implements {@link io.sluice.abr.cc.NetworkController}. Its parts:
 * delay-based ({@link io.sluice.abr.gcc.InterArrival} → {@link io.sluice.abr.gcc.TrendlineEstimator} →
 * {@link io.sluice.abr.gcc.OveruseDetector} with {@link io.sluice.abr.gcc.AdaptiveThreshold} →
 * {@link io.sluice.abr.gcc.AimdRateControl} with {@link io.sluice.abr.gcc.LinkCapacityEstimator}, wrapped by
 * {@link io.sluice.abr.gcc.DelayBasedBwe}); {@link io.sluice.abr.gcc.AcknowledgedBitrateEstimator} and
 * {@link io.sluice.abr.gcc.ReceiveRate}; loss-based
 * ({@link io.sluice.abr.gcc.SendSideBandwidthEstimation}, the v1 2 %/10 % rule); {@link io.sluice.abr.gcc.AlrDetector};
 * probing ({@link io.sluice.abr.gcc.ProbeController}, {@link io.sluice.abr.gcc.ProbeBitrateEstimator}). Tunables are
 * in {@link io.sluice.abr.gcc.GccConfig}.
 */
package io.sluice.abr.gcc;
