/**
 * The embedded media server as one facade: {@link io.sluice.server.SluiceServer} serves one
 * {@link io.sluice.core.hub.StreamHub} over RTMP(S) (ingest and playback) and WebRTC (WHIP ingest, WHEP
 * playback, player pages), with one {@link io.sluice.core.auth.StreamAuthorizer}, one lifecycle and one
 * exception type, {@link io.sluice.server.SluiceServerException}. What {@code sluice serve} runs.
 */
package io.sluice.server;
