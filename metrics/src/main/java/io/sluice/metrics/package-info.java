/**
 * Observability for an embedded Sluice server: Micrometer {@link io.micrometer.core.instrument.binder.MeterBinder}s
 * for the hub ({@link io.sluice.metrics.HubMetrics}), pipelines ({@link io.sluice.metrics.PipelineMetrics}),
 * the RTMP server ({@link io.sluice.metrics.RtmpServerMetrics}) and the WebRTC server
 * ({@link io.sluice.metrics.WebRtcServerMetrics}), gathered in {@link io.sluice.metrics.SluiceMetrics};
 * and {@link io.sluice.metrics.ObservabilityHttpHandler}, a Netty handler serving {@code /metrics}
 * (Prometheus text format) and the {@code /api/v1/streams} JSON API.
 */
package io.sluice.metrics;
