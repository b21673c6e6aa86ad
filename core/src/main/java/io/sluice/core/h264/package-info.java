/**
 * H.264 bitstream helpers shared by every module: NAL unit types (ITU-T H.264 Table 7-1, RFC 6184),
 * Annex B ↔ AVCC conversion, and the {@code AVCDecoderConfigurationRecord} (ISO/IEC 14496-15 §5.3.3.1).
 */
package io.sluice.core.h264;
