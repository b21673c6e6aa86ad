/**
 * End-to-end encryption of encoded frames with SFrame (RFC 9605), as
 * {@link io.sluice.core.spi.FrameTransform}s: {@link io.sluice.crypto.SframeEncryptor} on the
 * publishing side, {@link io.sluice.crypto.SframeDecryptor} on the subscribing side, in one of two
 * {@link io.sluice.crypto.SframeFraming framings} (whole-frame, or NAL-preserving for H.264). The
 * sans-IO SFrame core they build on is {@link io.sluice.crypto.sframe}.
 */
package io.sluice.crypto;
