package io.sluice.core;

/** The kind of media a track carries. */
public enum MediaType {
    VIDEO,
    AUDIO
}
