package io.sluice.codec.ffmpeg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AvccPacketWriterTest {
    private static final HexFormat HEX = HexFormat.of();
    /** SPS (type 7) and PPS (type 8) in AVCC form, as FfmpegVideoEncoder keeps them. */
    private static final byte[] PARAMETER_SETS = HEX.parseHex("00000002" + "6742" + "00000001" + "68");

    private final AvccPacketWriter writer = new AvccPacketWriter();

    /** Converts {@code annexB} from a direct buffer at a non-zero position, as an AVPacket's data is read. */
    private byte[] avcc(byte[] annexB, byte[] parameterSets) {
        ByteBuffer direct = ByteBuffer.allocateDirect(annexB.length + 3);
        direct.put(HEX.parseHex("aabbcc")).put(annexB).flip().position(3);
        ByteBuf out = writer.toAvcc(direct, parameterSets, PooledByteBufAllocator.DEFAULT);
        try {
            assertEquals(3, direct.position(), "position unchanged");
            assertEquals(annexB.length + 3, direct.limit(), "limit unchanged");
            return ByteBufUtil.getBytes(out);
        } finally {
            out.release();
        }
    }

    @Test
    void threeAndFourByteStartCodesTrailingZerosAndHighBytes() {
        // 0x80..0xff bytes right before a start code, a 3-byte start code, trailing_zero_8bits dropped.
        byte[] in = HEX.parseHex("00000001" + "65ff8000" + "000001" + "41fe" + "0000" + "00000001" + "01ff");
        assertEquals("00000003" + "65ff80" + "00000002" + "41fe" + "00000002" + "01ff", HEX.formatHex(avcc(in, null)));
    }

    @Test
    void parameterSetsGoFirstOnlyWhenTheAccessUnitHasNone() {
        byte[] idr = HEX.parseHex("00000001" + "6588");
        assertEquals(HEX.formatHex(PARAMETER_SETS) + "00000002" + "6588", HEX.formatHex(avcc(idr, PARAMETER_SETS)));
        byte[] withSps = HEX.parseHex("00000001" + "6764" + "00000001" + "68ee" + "00000001" + "6588");
        assertEquals("00000002" + "6764" + "00000002" + "68ee" + "00000002" + "6588", HEX.formatHex(avcc(withSps, PARAMETER_SETS)));
    }

    @Test
    void largePacketsAndManyNalUnitsAfterSmallOnes() {
        assertEquals("00000001" + "41", HEX.formatHex(avcc(HEX.parseHex("000001" + "41"), null)));
        // 300 KiB of slice data (larger than the writer's first array) in 100 NAL units with 3-byte start codes.
        Random random = new Random(7);
        ByteBuffer in = ByteBuffer.allocate(400 * 1024);
        ByteBuffer expected = ByteBuffer.allocate(400 * 1024);
        for (int n = 0; n < 100; n++) {
            byte[] nal = new byte[3 * 1024];
            random.nextBytes(nal);
            nal[0] = 0x41;
            for (int i = 2; i < nal.length; i++) {
                if (nal[i - 2] == 0 && nal[i - 1] == 0 && (nal[i] & 0xff) <= 3) {
                    nal[i] = 4; // no start code (or emulation prevention case) inside the NAL unit
                }
            }
            nal[nal.length - 1] = (byte) 0x80; // rbsp_stop_one_bit: never a zero byte at the end
            in.put(HEX.parseHex("000001")).put(nal);
            expected.putInt(nal.length).put(nal);
        }
        byte[] annexB = new byte[in.flip().remaining()];
        in.get(annexB);
        byte[] want = new byte[expected.flip().remaining()];
        expected.get(want);
        assertArrayEquals(want, avcc(annexB, null));
    }
}
