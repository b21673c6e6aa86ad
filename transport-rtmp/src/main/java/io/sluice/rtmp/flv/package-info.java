/**
 * FLV tag bodies, the payloads of RTMP audio and video messages: {@link io.sluice.rtmp.flv.FlvMuxer}
 * maps {@link io.sluice.core.EncodedFrame}s and codec configuration records to legacy AVC/AAC tags
 * (FLV spec v10.1 E.4.2, E.4.3) and to Enhanced RTMP v1 FourCC tags for HEVC ({@code hvc1}) and
 * AV1 ({@code av01}) without copying frame payloads; {@link io.sluice.rtmp.flv.FlvVideoPacket} and
 * {@link io.sluice.rtmp.flv.FlvAudioPacket} parse received tags of either kind. RTMP timestamps
 * are ms: the DTS floored from µs (see {@link io.sluice.rtmp.flv.FlvMuxer}).
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/video_file_format_spec_v10_1.pdf">Adobe FLV and F4V File Format Specification v10.1, Annex E</a>
 * @see <a href="https://veovera.org/docs/enhanced/enhanced-rtmp-v1.pdf">Veovera Enhanced RTMP v1</a>
 */
package io.sluice.rtmp.flv;
