package io.sluice.crypto;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * Synthetic AVCC H.264 access units: realistic NAL headers (AUD, SPS, PPS, SEI, IDR and non-IDR slices)
 * with random bodies full of zero runs, the hard case for emulation prevention.
 */
final class SyntheticH264 {
    static final int AUD = 0x09;
    static final int SPS = 0x67;
    static final int PPS = 0x68;
    static final int SEI = 0x06;
    static final int IDR = 0x65;
    static final int SLICE = 0x41;
    static final int SLICE_NONREF = 0x01;

    private SyntheticH264() {
    }

    /** One access unit: [AUD] [SPS PPS SEI] slices...; {@code keyframe} adds SPS/PPS and uses IDR slices. */
    static byte[] accessUnit(Random rnd, boolean keyframe, int maxSliceBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (rnd.nextBoolean()) {
            nal(out, new byte[] {AUD, (byte) 0xf0});
        }
        if (keyframe) {
            nal(out, new byte[] {SPS, 0x64, 0x00, 0x1f, (byte) 0xac, (byte) 0xd9, 0x40, 0x50, 0x05, (byte) 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10});
            nal(out, new byte[] {PPS, (byte) 0xeb, (byte) 0xe3, (byte) 0xcb, 0x22, (byte) 0xc0});
            nal(out, withHeader(SEI, body(rnd, 20 + rnd.nextInt(40))));
        }
        int slices = 1 + rnd.nextInt(4);
        for (int i = 0; i < slices; i++) {
            int type = keyframe ? IDR : (rnd.nextInt(4) == 0 ? SLICE_NONREF : SLICE);
            nal(out, withHeader(type, body(rnd, rnd.nextInt(maxSliceBytes))));
        }
        return out.toByteArray();
    }

    /** Random bytes with frequent runs of 0x00 and small values, like CABAC zero words and escaped data. */
    static byte[] body(Random rnd, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; ) {
            int r = rnd.nextInt(10);
            if (r < 3) {
                int run = 1 + rnd.nextInt(5);
                for (int j = 0; j < run && i < n; j++) {
                    b[i++] = 0;
                }
                if (i < n) {
                    b[i++] = (byte) rnd.nextInt(4);
                }
            } else {
                b[i++] = (byte) rnd.nextInt(256);
            }
        }
        return b;
    }

    static byte[] withHeader(int header, byte[] body) {
        byte[] n = new byte[body.length + 1];
        n[0] = (byte) header;
        System.arraycopy(body, 0, n, 1, body.length);
        return n;
    }

    static void nal(ByteArrayOutputStream out, byte[] nal) {
        out.write(nal.length >>> 24);
        out.write(nal.length >>> 16);
        out.write(nal.length >>> 8);
        out.write(nal.length);
        out.write(nal, 0, nal.length);
    }
}
