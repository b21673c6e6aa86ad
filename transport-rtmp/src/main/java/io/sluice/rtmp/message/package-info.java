/**
 * RTMP messages above the chunk stream: the protocol control messages (SetChunkSize, Abort,
 * Acknowledgement, WindowAcknowledgementSize, SetPeerBandwidth; RTMP spec §5.4), user control
 * messages (StreamBegin, PingRequest, PingResponse; §6.2, §7.1.7), AMF0 command messages
 * (connect, createStream, publish, play, releaseStream, FCPublish, FCUnpublish, deleteStream,
 * _result, _error, onStatus; §7.1.1, §7.2) and data messages ({@code @setDataFrame}/{@code
 * onMetaData}; §7.1.2) as typed records, with {@link io.sluice.rtmp.message.RtmpMessages}
 * converting between them and {@link io.sluice.rtmp.chunk.RtmpMessage}. Audio (8) and video (9)
 * payloads are FLV tag bodies, handled by {@link io.sluice.rtmp.flv}.
 *
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0, §5.4, §6.2, §7</a>
 */
package io.sluice.rtmp.message;
