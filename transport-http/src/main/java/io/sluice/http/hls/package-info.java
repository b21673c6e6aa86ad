/**
 * HLS and Low-Latency HLS playlists (RFC 8216bis, Apple's LL-HLS rules), sans-IO: the window of segments and
 * parts, rendering, and the blocking-reload decisions, with time as an input.
 */
package io.sluice.http.hls;
