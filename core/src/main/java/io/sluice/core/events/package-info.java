/**
 * Typed server-side events: who published, played, stopped, was refused or failed on which stream,
 * emitted by {@link io.sluice.core.hub.StreamHub} to {@link io.sluice.core.events.StreamEventListener}s
 * (metrics, audit logs, the Kafka exporter, application code).
 */
package io.sluice.core.events;
