/**
 * FFmpeg bindings (Bytedeco presets): the only package of Sluice that imports {@code org.bytedeco}.
 *
 * <ul>
 *   <li>{@link io.sluice.codec.ffmpeg.FfmpegVideoEncoder}: H.264 through libx264 (GPL build, {@code -Pgpl})
 *       or libopenh264; {@link io.sluice.codec.ffmpeg.FfmpegCodecs#availableH264Encoders()} says which exist.</li>
 *   <li>{@link io.sluice.codec.ffmpeg.FfmpegAudioEncoder}: AAC-LC and Opus.</li>
 *   <li>{@link io.sluice.codec.ffmpeg.FfmpegEncoderProvider}: both, through {@link java.util.ServiceLoader}.</li>
 *   <li>{@link io.sluice.codec.ffmpeg.FileTransport} ({@code file:} URIs, MP4/MKV/FLV/MPEG-TS) and its provider.</li>
 *   <li>{@link io.sluice.codec.ffmpeg.AvRawFrame}: decoded frames as encoders take them.</li>
 * </ul>
 *
 * <p>Timestamps are µs on the pipeline clock everywhere; H.264 payloads are AVCC (4-byte lengths).
 */
package io.sluice.codec.ffmpeg;
