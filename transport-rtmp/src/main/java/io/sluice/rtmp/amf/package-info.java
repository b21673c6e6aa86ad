/**
 * AMF0 (Action Message Format 0), the serialisation of RTMP command and data messages:
 * {@link io.sluice.rtmp.amf.Amf0Encoder} writes Java values, and the bounded
 * {@link io.sluice.rtmp.amf.Amf0Decoder} reads them back, failing with an
 * {@link io.sluice.rtmp.RtmpProtocolException} that names the problem and its offset. The value
 * model (Double, Boolean, String, {@code Map}, {@link io.sluice.rtmp.amf.Amf0.EcmaArray},
 * {@code List}, {@link java.time.Instant}, {@code null}, {@link io.sluice.rtmp.amf.Amf0#UNDEFINED})
 * is described on {@link io.sluice.rtmp.amf.Amf0}. AMF3 and AMF0 references are not supported:
 * RTMP publishers and players (ffmpeg, OBS, nginx-rtmp, YouTube) use neither.
 *
 * @see <a href="https://rtmp.veriskope.com/pdf/amf0-file-format-specification.pdf">AMF0 File Format Specification (Adobe, 2006)</a>
 * @see <a href="https://rtmp.veriskope.com/docs/spec/">Adobe RTMP Specification 1.0, §7.1 (command and data messages)</a>
 */
package io.sluice.rtmp.amf;
