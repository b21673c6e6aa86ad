/**
 * The embedded RTMP/RTMPS server: {@link io.sluice.rtmp.server.RtmpServer} accepts publishers and
 * players and connects them through a {@link io.sluice.core.hub.StreamHub}
 * ({@code rtmp://host/APP/KEY} is hub stream {@code "APP/KEY"}); {@link io.sluice.core.auth.StreamAuthorizer}
 * decides who may publish and play. The protocol logic is the sans-IO {@code RtmpServerSession};
 * a thin Netty handler moves its messages. RTMP timestamps are ms, core timestamps µs.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0</a>
 */
package io.sluice.rtmp.server;
