/**
 * End-to-end encryption of encoded frames with SFrame (RFC 9605), as
 * {@link io.sluice.core.spi.FrameTransform}s: {@link io.sluice.crypto.SframeEncryptor} on the
 * publishing side, {@link io.sluice.crypto.SframeDecryptor} on the subscribing side, in one of two
 * {@link io.sluice.crypto.SframeFraming framings} (whole-frame, or NAL-preserving for H.264). The
 * sans-IO SFrame core they build on is {@link io.sluice.crypto.sframe}.
 *
 * <h2>In a pipeline</h2>
 * {@link io.sluice.crypto.Sframe} builds both with defaults that fit every transport
 * ({@code AES_128_GCM_SHA256_128}; H.264 NAL-preserving, audio whole-frame, chosen per frame):
 * <pre>{@code
 * KeyProvider keys = new InMemoryKeyProvider().put(1, baseKey1);   // 16+ secret bytes, shared out of band
 *
 * // Publisher: the relay (nginx-rtmp, the embedded RtmpServer, a CDN) routes the stream but cannot read it.
 * SframeEncryptor encryptor = Sframe.encryptor(keys, 1);
 * StreamPipeline publisher = StreamPipeline.builder()
 *         .source(MediaSources.open("clip.mp4")).copy(true)
 *         .encryption(encryptor)                    // runs after every other transform
 *         .transport("rtmp://relay.example/live/x")
 *         .realtime(true)
 *         .build();
 *
 * // Subscriber holding the key: decrypt first, then record or re-publish.
 * SframeDecryptor decryptor = Sframe.decryptor(keys);
 * StreamPipeline subscriber = StreamPipeline.builder()
 *         .source(MediaSources.open("rtmp://relay.example/live/x")).copy(true)
 *         .transform(decryptor)
 *         .transport("recording.mp4")
 *         .build();
 *
 * // Key rotation: put the next key on both sides first, then switch at a frame boundary.
 * keys.put(2, baseKey2);
 * encryptor.useKid(2);
 * }</pre>
 * A subscriber without the key (or with a wrong one) gets no frames at all: every frame is dropped and
 * counted in {@link io.sluice.crypto.SframeDecryptor#stats()} as
 * {@link io.sluice.crypto.SframeDropReason#UNKNOWN_KID} or {@link io.sluice.crypto.SframeDropReason#AUTH_FAILED}.
 * Codec configuration (the H.264 {@code AVCDecoderConfigurationRecord} with SPS/PPS, the AAC
 * {@code AudioSpecificConfig}) and H.264 NAL headers stay in the clear, so relays can still route,
 * cache GOPs and start players at keyframes.
 */
package io.sluice.crypto;
