package io.sluice.rtmp.message;

import io.netty.buffer.ByteBuf;

/**
 * A protocol control message (RTMP spec §5.4) or user control message (§6.2): sent on chunk
 * stream 2, message stream 0, timestamp 0. Encode and decode with {@link RtmpMessages}.
 */
public sealed interface ControlMessage
        permits SetChunkSize, Abort, Acknowledgement, UserControl, WindowAcknowledgementSize, SetPeerBandwidth {

    /** The {@link MessageTypeId}, 1..6. */
    int messageTypeId();

    /**
     * Writes the message payload.
     *
     * @param out written at its writer index; borrowed
     */
    void writePayload(ByteBuf out);
}
