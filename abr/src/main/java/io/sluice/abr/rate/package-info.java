/**
 * From estimates to encoder settings: {@link io.sluice.abr.rate.AdaptiveRateController}, the one
 * {@link io.sluice.core.spi.RateController} for RTMP and WebRTC transports, and the
 * {@link io.sluice.abr.rate.ResolutionLadder} it steps through. Time comes from an injected
 * {@link io.sluice.core.time.Ticker}.
 */
package io.sluice.abr.rate;
