package io.sluice.core.h264;

/**
 * H.264 {@code nal_unit_type} values (ITU-T H.264 Table 7-1) and the RTP aggregation/fragmentation
 * types of RFC 6184 §5.2.
 */
public final class NalUnitType {
    public static final int NON_IDR_SLICE = 1;
    public static final int SLICE_DATA_PARTITION_A = 2;
    public static final int IDR_SLICE = 5;
    public static final int SEI = 6;
    public static final int SPS = 7;
    public static final int PPS = 8;
    public static final int ACCESS_UNIT_DELIMITER = 9;
    public static final int END_OF_SEQUENCE = 10;
    public static final int END_OF_STREAM = 11;
    public static final int FILLER_DATA = 12;
    public static final int SPS_EXTENSION = 13;
    /** RFC 6184 §5.7.1 single-time aggregation packet. */
    public static final int STAP_A = 24;
    /** RFC 6184 §5.8 fragmentation unit. */
    public static final int FU_A = 28;

    private NalUnitType() {
    }

    /** The {@code nal_unit_type} (low 5 bits) of a NAL unit header byte. */
    public static int of(int nalHeaderByte) {
        return nalHeaderByte & 0x1F;
    }

    /** Whether the type is a VCL (slice) NAL unit, types 1..5. */
    public static boolean isVcl(int type) {
        return type >= NON_IDR_SLICE && type <= IDR_SLICE;
    }
}
