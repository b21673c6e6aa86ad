package io.sluice.rtmp.server;

import io.sluice.core.MediaProtocolException;
import io.sluice.core.h264.AvcDecoderConfigurationRecord;
import io.sluice.core.h264.Sps;
import io.sluice.core.internal.BitReader;


/**
 * Reads the few parameters a {@link io.sluice.core.TrackInfo} needs from codec configuration
 * records a publisher sends: the picture size from the SPS of an {@code AVCDecoderConfigurationRecord}
 * (ITU-T H.264 §7.3.2.1.1, ISO/IEC 14496-15 §5.3.3.1), the sample rate and channel count from an
 * {@code AudioSpecificConfig} (ISO/IEC 14496-3 §1.6.2.1). Every method returns {@code null} on
 * malformed input instead of throwing: the caller decides what a bad record means.
 */
final class CodecConfigs {
    private static final int[] AAC_SAMPLE_RATES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000,
            12000, 11025, 8000, 7350};

    private CodecConfigs() {
    }

    /**
     * @param record an AVCDecoderConfigurationRecord
     * @return {width, height} in pixels after cropping, or {@code null} if the first SPS cannot be read
     */
    static int[] avcPictureSize(byte[] record) {
        Sps sps = avcSps(record);
        return sps == null ? null : new int[] {sps.width(), sps.height()};
    }

    /**
     * @param record an AVCDecoderConfigurationRecord
     * @return its first SPS (size, and whether it states B-frames: {@link Sps#hasReordering()}), or {@code null}
     *         if it cannot be read
     */
    static Sps avcSps(byte[] record) {
        try {
            return Sps.parse(AvcDecoderConfigurationRecord.parse(record).sps().get(0));
        } catch (MediaProtocolException e) {
            return null;
        }
    }

    /**
     * @param asc an AudioSpecificConfig
     * @return {sampleRate in Hz, channels}, or {@code null} if malformed or the channel configuration is 0
     *         (layout in a program config element, which this reader does not parse)
     */
    static int[] aacAudio(byte[] asc) {
        try {
            BitReader r = new BitReader(asc);
            int objectType = r.bits(5);
            if (objectType == 31) {
                r.bits(6);
            }
            int frequencyIndex = r.bits(4);
            int sampleRate;
            if (frequencyIndex == 15) {
                sampleRate = r.bits(24);
            } else if (frequencyIndex < AAC_SAMPLE_RATES.length) {
                sampleRate = AAC_SAMPLE_RATES[frequencyIndex];
            } else {
                return null;
            }
            int channelConfig = r.bits(4);
            int channels = switch (channelConfig) {
                case 1, 2, 3, 4, 5, 6 -> channelConfig;
                case 7 -> 8;
                default -> 0;
            };
            return sampleRate < 1 || channels == 0 ? null : new int[] {sampleRate, channels};
        } catch (IllegalStateException e) {
            return null;
        }
    }
}
