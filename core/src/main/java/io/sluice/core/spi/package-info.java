/**
 * Service provider interfaces: where sources, encoders, frame transforms and transports plug into
 * a {@link io.sluice.core.StreamPipeline}.
 *
 * <p>Ownership of reference-counted frames follows one rule across all SPIs: a method named
 * {@code send}/{@code apply}, or a callback receiving a frame, <b>takes ownership</b> (the callee
 * releases it, on failure too); a method that returns a frame gives ownership to the caller; any
 * other frame parameter is borrowed.
 */
package io.sluice.core.spi;
