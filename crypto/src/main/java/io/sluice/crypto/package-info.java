/**
 * End-to-end encryption of encoded frames. {@code io.sluice.crypto.sframe} implements SFrame
 * (RFC 9605) as {@link io.sluice.core.spi.FrameTransform}s.
 */
package io.sluice.crypto;
