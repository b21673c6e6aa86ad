package io.sluice.rtmp.server;

import io.sluice.core.auth.AuthorizationGate;
import io.sluice.core.auth.StreamAuthorizer;
import io.sluice.core.time.Ticker;
import io.sluice.rtmp.chunk.ChunkDecoderConfig;
import java.time.Duration;

/**
 * The per-connection part of an {@link RtmpServer}'s configuration, shared by all its sessions.
 *
 * @param handshakeTimeout        time from accept to a completed handshake
 * @param idleTimeout             time without inbound bytes (or, with bytes pending, without write progress)
 * @param chunkConfig             limits on the peer's chunk stream (its maxBufferedBytes applies before connect)
 * @param maxBufferedBytes        bytes of incomplete messages a connection may hold once connected
 * @param maxStreamsPerConnection createStream calls allowed per connection
 * @param outgoingChunkSize       chunk size the server announces and sends with, bytes
 * @param windowAckSize           WindowAcknowledgementSize and SetPeerBandwidth sent on connect, bytes
 * @param playerQueueFrames       frames a player may have queued before GOP-aware drops start
 * @param authorizer              the publish/play check
 */
record ServerSettings(Duration handshakeTimeout, Duration idleTimeout, ChunkDecoderConfig chunkConfig,
                      int maxBufferedBytes, int maxStreamsPerConnection, int outgoingChunkSize, long windowAckSize, int playerQueueFrames,
                      AuthorizationGate authorizer) {
    /** Settings with the {@link RtmpServer.Builder} defaults, for tests. */
    static ServerSettings defaults() {
        return new ServerSettings(Duration.ofSeconds(5), Duration.ofSeconds(30), ChunkDecoderConfig.defaults(),
                ChunkDecoderConfig.DEFAULT_MAX_BUFFERED_BYTES, 8, 4096,
                2_500_000, 1024, new AuthorizationGate(StreamAuthorizer.ALLOW_ALL, Ticker.system()));
    }

    ServerSettings withAuthorizer(StreamAuthorizer a) {
        return new ServerSettings(handshakeTimeout, idleTimeout, chunkConfig, maxBufferedBytes, maxStreamsPerConnection, outgoingChunkSize,
                windowAckSize, playerQueueFrames, new AuthorizationGate(a, Ticker.system()));
    }
}
