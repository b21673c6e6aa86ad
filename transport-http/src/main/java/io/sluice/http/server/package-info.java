/**
 * HTTP/1.1 delivery of a {@link io.sluice.core.hub.StreamHub}'s streams as LL-HLS, HLS and LL-DASH: the
 * mountable Netty handler ({@link io.sluice.http.server.HttpDelivery}) and a standalone server
 * ({@link io.sluice.http.server.HttpDeliveryServer}).
 */
package io.sluice.http.server;
