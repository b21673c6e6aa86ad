package io.sluice.crypto;

import io.sluice.crypto.sframe.KeyProvider;
import io.sluice.crypto.sframe.SframeCipherSuite;
import io.sluice.crypto.sframe.SframeSenderException;

/**
 * One-call SFrame (RFC 9605) end-to-end encryption for a {@link io.sluice.core.StreamPipeline}, with
 * defaults that suit every Sluice transport: cipher suite {@link SframeCipherSuite#AES_128_GCM_SHA256_128}
 * (§4.5), {@link SframeFraming#NAL_PRESERVING} for H.264 video and {@link SframeFraming#WHOLE_FRAME} for
 * audio and every other codec, chosen per frame from its codec, so one transform serves all tracks.
 *
 * <pre>{@code
 * KeyProvider keys = new InMemoryKeyProvider().put(1, baseKey);      // base_key shared out of band
 * StreamPipeline.builder()                                           // publisher
 *         .source(MediaSources.open("clip.mp4")).copy(true)
 *         .encryption(Sframe.encryptor(keys, 1))
 *         .transport("rtmp://relay.example/live/x")
 *         .build();
 * StreamPipeline.builder()                                           // subscriber
 *         .source(MediaSources.open("rtmp://relay.example/live/x")).copy(true)
 *         .transform(Sframe.decryptor(keys))
 *         .transport("out.mp4")
 *         .build();
 * }</pre>
 * For another suite, the whole-frame framing of H.264, a replay window or an allocator, use
 * {@link SframeEncryptor#builder()} and {@link SframeDecryptor#builder()}; their defaults are the same.
 */
public final class Sframe {
    private Sframe() {
    }

    /**
     * An encryptor with the defaults above, starting with {@code kid}; switch keys later with
     * {@link SframeEncryptor#useKid(long)}.
     *
     * @param keys the {@code base_key} source (the application's; not closed by the encryptor)
     * @param kid the first KID, unsigned 64-bit (RFC 9605 §4.3)
     * @throws NullPointerException if {@code keys} is null
     * @throws SframeSenderException if {@code keys} has no key for {@code kid}
     */
    public static SframeEncryptor encryptor(KeyProvider keys, long kid) {
        return SframeEncryptor.builder().keyProvider(keys).kid(kid).build();
    }

    /**
     * A decryptor with the defaults above (16 KIDs at once, no replay window), which takes each frame's KID
     * from its SFrame header and asks {@code keys} for it, so it follows the sender's key rotation as long
     * as {@code keys} holds the new key.
     *
     * @param keys the {@code base_key} source (the application's; not closed by the decryptor)
     * @throws NullPointerException if {@code keys} is null
     */
    public static SframeDecryptor decryptor(KeyProvider keys) {
        return SframeDecryptor.builder().keyProvider(keys).build();
    }
}
