/**
 * Pushing a stream's HLS and DASH output to an HTTP origin or CDN ingest ({@code PUT}/{@code DELETE}, like
 * FFmpeg's {@code -method PUT}) or into a directory, so that a plain web server or cache does the fan-out:
 * {@link io.sluice.http.push.OriginPush} for one stream, {@link io.sluice.http.push.HubOriginPush} for every
 * stream of a hub, {@link io.sluice.http.push.OriginWriter} for where the files go.
 */
package io.sluice.http.push;
