package io.sluice.core;

/**
 * A video picture size in pixels.
 *
 * @param width  pixels, &gt; 0
 * @param height pixels, &gt; 0
 */
public record VideoSize(int width, int height) {
    public VideoSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("size: " + width + "x" + height + " (expected: > 0)");
        }
    }

    /** Width × height. */
    public long pixels() {
        return (long) width * height;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
