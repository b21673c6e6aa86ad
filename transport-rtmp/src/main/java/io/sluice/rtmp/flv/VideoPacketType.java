package io.sluice.rtmp.flv;

/**
 * What a video tag body carries, in Enhanced RTMP terms ({@code VideoPacketType}, E-RTMP v1);
 * the legacy {@code AVCPacketType} (FLV spec E.4.3.1) maps to the first three.
 */
public enum VideoPacketType {
    /** 0: decoder configuration record (AVC sequence header, {@code hvcC}, {@code av1C}). */
    SEQUENCE_START(0),
    /** 1: coded frames; for AVC and HEVC preceded by an SI24 composition time offset. */
    CODED_FRAMES(1),
    /** 2: end of sequence. */
    SEQUENCE_END(2),
    /** 3 (enhanced only): coded frames with an implicit composition time offset of 0. */
    CODED_FRAMES_X(3),
    /** 4 (enhanced only): AMF-encoded metadata (e.g. HDR colour info). */
    METADATA(4),
    /** 5 (enhanced only): MPEG-2 TS sequence start. */
    MPEG2TS_SEQUENCE_START(5);

    private static final VideoPacketType[] BY_VALUE = values();

    private final int value;

    VideoPacketType(int value) {
        this.value = value;
    }

    /** The 4-bit wire value (0..5). */
    public int value() {
        return value;
    }

    /** The type for a wire value, or {@code null} if unknown. */
    static VideoPacketType of(int value) {
        return value >= 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }
}
