/**
 * The RTMP/RTMPS publishing client: {@link io.sluice.rtmp.client.RtmpTransport} (a
 * {@link io.sluice.core.spi.Transport} with reconnect, a GOP-aware buffer and back-pressure
 * feedback), its {@link io.sluice.rtmp.client.RtmpTransportProvider} for {@code rtmp://} and
 * {@code rtmps://}, the pure URL parser {@link io.sluice.rtmp.client.RtmpUrl} and the sans-IO
 * session state machine {@link io.sluice.rtmp.client.RtmpPublishSession} (connect, createStream,
 * publish, acknowledgements, ping, metadata and sequence headers).
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0</a>
 */
package io.sluice.rtmp.client;
