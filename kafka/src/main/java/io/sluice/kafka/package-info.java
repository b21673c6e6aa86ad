/**
 * Exports a {@link io.sluice.core.hub.StreamHub}'s {@link io.sluice.core.events.StreamEvent}s and
 * per-stream sliding-window aggregates to Kafka: {@link io.sluice.kafka.KafkaStreamExporter} (I/O:
 * one thread, one producer) around {@link io.sluice.kafka.StreamWindows} (sans-IO aggregation on
 * injected time) and {@link io.sluice.kafka.ExportJson} (the record values).
 */
package io.sluice.kafka;
