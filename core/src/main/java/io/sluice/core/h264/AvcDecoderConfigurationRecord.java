package io.sluice.core.h264;

import io.sluice.core.MediaProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code AVCDecoderConfigurationRecord} of ISO/IEC 14496-15 §5.3.3.1 ({@code avcC}): how H.264
 * SPS/PPS travel in MP4, FLV/RTMP sequence headers and {@link io.sluice.core.TrackInfo#codecConfig()}.
 *
 * <pre>
 * u8  configurationVersion = 1
 * u8  AVCProfileIndication   (SPS byte 1: profile_idc)
 * u8  profile_compatibility  (SPS byte 2: constraint flags)
 * u8  AVCLevelIndication     (SPS byte 3: level_idc)
 * u8  0b111111 | lengthSizeMinusOne (2 bits; Sluice always writes 3)
 * u8  0b111 | numOfSequenceParameterSets (5 bits), then per SPS: u16 length, bytes
 * u8  numOfPictureParameterSets, then per PPS: u16 length, bytes
 * [profile_idc 100/110/122/144 only: u8 0b111111|chroma_format_idc, u8 0b11111|bit_depth_luma_minus8,
 *  u8 0b11111|bit_depth_chroma_minus8, u8 numOfSequenceParameterSetExt, then per: u16 length, bytes]
 * </pre>
 *
 * @param sps          sequence parameter sets, each one NAL unit with its 1-byte header
 * @param pps          picture parameter sets, each one NAL unit with its 1-byte header
 * @param lengthSize   bytes per NAL unit length prefix in the payloads (1, 2 or 4)
 */
public record AvcDecoderConfigurationRecord(List<byte[]> sps, List<byte[]> pps, int lengthSize) {

    public AvcDecoderConfigurationRecord {
        sps = List.copyOf(sps);
        pps = List.copyOf(pps);
        if (sps.isEmpty()) {
            throw new MediaProtocolException("AVCDecoderConfigurationRecord: no SPS");
        }
        if (sps.get(0).length < 4) {
            throw new MediaProtocolException("AVCDecoderConfigurationRecord: SPS of " + sps.get(0).length + " bytes (expected: >= 4)");
        }
        if (lengthSize != 1 && lengthSize != 2 && lengthSize != 4) {
            throw new MediaProtocolException("lengthSize: " + lengthSize + " (expected: 1, 2 or 4)");
        }
    }

    /** {@code profile_idc} from the first SPS (66 Baseline, 77 Main, 100 High, ...). */
    public int profileIdc() {
        return sps.get(0)[1] & 0xFF;
    }

    /** The constraint-flags byte from the first SPS. */
    public int profileCompatibility() {
        return sps.get(0)[2] & 0xFF;
    }

    /** {@code level_idc} from the first SPS (e.g. 31 for level 3.1). */
    public int levelIdc() {
        return sps.get(0)[3] & 0xFF;
    }

    /**
     * Collects SPS and PPS from Annex B data (as encoders put in {@code AVCodecContext.extradata}).
     *
     * @throws MediaProtocolException if there is no SPS
     */
    public static AvcDecoderConfigurationRecord fromAnnexB(ByteBuffer annexB) {
        List<byte[]> sps = new ArrayList<>();
        List<byte[]> pps = new ArrayList<>();
        AnnexB.forEachNalUnit(annexB, (b, off, len) -> {
            byte[] nal = new byte[len];
            b.duplicate().position(off).get(nal);
            int type = NalUnitType.of(nal[0]);
            if (type == NalUnitType.SPS) {
                sps.add(nal);
            } else if (type == NalUnitType.PPS) {
                pps.add(nal);
            }
        });
        return new AvcDecoderConfigurationRecord(sps, pps, 4);
    }

    /**
     * Parses a record.
     *
     * @throws MediaProtocolException if it is truncated or has a version other than 1
     */
    public static AvcDecoderConfigurationRecord parse(byte[] record) {
        if (record.length < 7) {
            throw new MediaProtocolException("AVCDecoderConfigurationRecord: " + record.length + " bytes (expected: >= 7)");
        }
        ByteBuffer b = ByteBuffer.wrap(record);
        try {
            int version = b.get() & 0xFF;
            if (version != 1) {
                throw new MediaProtocolException("AVCDecoderConfigurationRecord: configurationVersion " + version + " (expected: 1)");
            }
            b.position(4);
            int lengthSize = (b.get() & 0x3) + 1;
            int numSps = b.get() & 0x1F;
            List<byte[]> sps = new ArrayList<>();
            for (int i = 0; i < numSps; i++) {
                byte[] nal = new byte[b.getShort() & 0xFFFF];
                b.get(nal);
                sps.add(nal);
            }
            int numPps = b.get() & 0xFF;
            List<byte[]> pps = new ArrayList<>();
            for (int i = 0; i < numPps; i++) {
                byte[] nal = new byte[b.getShort() & 0xFFFF];
                b.get(nal);
                pps.add(nal);
            }
            return new AvcDecoderConfigurationRecord(sps, pps, lengthSize == 3 ? 4 : lengthSize);
        } catch (java.nio.BufferUnderflowException e) {
            throw new MediaProtocolException("AVCDecoderConfigurationRecord: truncated at " + record.length + " bytes", e);
        }
    }

    /** Serializes the record (see class doc for the layout). */
    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] first = sps.get(0);
        out.write(1);
        out.write(first[1]);
        out.write(first[2]);
        out.write(first[3]);
        out.write(0xFC | (lengthSize - 1));
        out.write(0xE0 | sps.size());
        for (byte[] s : sps) {
            writeNal(out, s);
        }
        out.write(pps.size());
        for (byte[] p : pps) {
            writeNal(out, p);
        }
        int profile = profileIdc();
        if (profile == 100 || profile == 110 || profile == 122 || profile == 144) {
            Sps parsed = Sps.parse(first);
            out.write(0xFC | parsed.chromaFormatIdc());
            out.write(0xF8 | (parsed.bitDepthLumaMinus8() & 7));
            out.write(0xF8 | (parsed.bitDepthChromaMinus8() & 7));
            out.write(0);
        }
        return out.toByteArray();
    }

    private static void writeNal(ByteArrayOutputStream out, byte[] nal) {
        out.write(nal.length >>> 8);
        out.write(nal.length);
        out.write(nal, 0, nal.length);
    }
}
