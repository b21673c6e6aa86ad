package io.sluice.webrtc.rtp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The depacketizer's recovery-point SEI rule (H.264 §7.3.2.3.1, §D.1.8): only a well-formed SEI
 * whose messages include payloadType 6 marks a keyframe.
 */
class H264SeiRecoveryPointTest {
    private static final int SEI_HEADER = 0x06; // forbidden 0, nal_ref_idc 0, type 6

    /** Depacketizes one single-NAL-unit packet (RFC 6184 §5.6) and returns the flags. */
    private static int flags(int... nal) {
        ByteBuf payload = Unpooled.buffer(nal.length);
        for (int v : nal) {
            payload.writeByte(v);
        }
        ByteBuf out = Unpooled.buffer();
        try {
            return new H264Depacketizer().depacketize(List.of(payload), out);
        } finally {
            payload.release();
            out.release();
        }
    }

    @Test
    void recoveryPointSeiIsAKeyframe() {
        // type 6, size 1, recovery_frame_cnt ue(v)=0 ('1'), exact_match 0, broken_link 0,
        // changing_slice_group_idc 00, then payload alignment '100'; rbsp_trailing_bits 0x80
        assertEquals(RtpDepacketizer.KEYFRAME, flags(SEI_HEADER, 0x06, 0x01, 0x84, 0x80));
        // recovery_frame_cnt = 7 ('0001000'), flags 1 0 00, alignment '1' + zeros: 2 octets
        assertEquals(RtpDepacketizer.KEYFRAME, flags(SEI_HEADER, 0x06, 0x02, 0b0001_0001, 0b0001_0000, 0x80));
        // trailing zero octets after the stop bit are allowed
        assertEquals(RtpDepacketizer.KEYFRAME, flags(SEI_HEADER, 0x06, 0x01, 0x84, 0x80, 0x00, 0x00));
    }

    @Test
    void recoveryPointAfterAnotherMessageIsFound() {
        // user_data_unregistered (type 5) of 17 octets (UUID + 1), then the recovery point
        int[] nal = new int[1 + 2 + 17 + 3 + 1];
        int i = 0;
        nal[i++] = SEI_HEADER;
        nal[i++] = 5;
        nal[i++] = 17;
        for (int k = 0; k < 17; k++) {
            nal[i++] = 0x11 * (k % 15 + 1);
        }
        nal[i++] = 6;
        nal[i++] = 1;
        nal[i++] = 0x84;
        nal[i] = 0x80;
        assertEquals(RtpDepacketizer.KEYFRAME, flags(nal));
    }

    @Test
    void emulationPreventionOctetsAreNotCountedInPayloadSize() {
        // type 5 with 3 RBSP octets 00 00 01, carried as 00 00 03 01; then the recovery point
        assertEquals(RtpDepacketizer.KEYFRAME,
                flags(SEI_HEADER, 0x05, 0x03, 0x00, 0x00, 0x03, 0x01, 0x06, 0x01, 0x84, 0x80));
        // without skipping the 03 the sizes would not line up
        assertEquals(0, flags(SEI_HEADER, 0x05, 0x04, 0x00, 0x00, 0x03, 0x01, 0x06, 0x01, 0x84, 0x80));
    }

    @Test
    void ffExtendedPayloadTypeIsNotTakenForSix() {
        // payloadType 255 + 6 = 261, size 1: not a recovery point although its last type octet is 6
        assertEquals(0, flags(SEI_HEADER, 0xFF, 0x06, 0x01, 0x84, 0x80));
        // payloadSize 255 + 1 with only 1 octet present: malformed
        assertEquals(0, flags(SEI_HEADER, 0x06, 0xFF, 0x01, 0x84, 0x80));
    }

    @Test
    void otherSeiTypesAreNotKeyframes() {
        // pic_timing-like type 1 and user_data_unregistered 5 only
        assertEquals(0, flags(SEI_HEADER, 0x01, 0x01, 0x42, 0x80));
        assertEquals(0, flags(SEI_HEADER, 0x05, 0x01, 0x42, 0x80));
    }

    @Test
    void malformedSeiStartingWithSixIsIgnored() {
        assertEquals(0, flags(SEI_HEADER, 0x06)); // truncated before payloadSize
        assertEquals(0, flags(SEI_HEADER, 0x06, 0x01)); // payload missing
        assertEquals(0, flags(SEI_HEADER, 0x06, 0x01, 0x84)); // no rbsp_trailing_bits
        assertEquals(0, flags(SEI_HEADER, 0x06, 0x01, 0x84, 0x81)); // garbage after the message
        assertEquals(0, flags(SEI_HEADER, 0x06, 0x01, 0x00, 0x80)); // recovery_frame_cnt ue(v) never ends
        assertEquals(0, flags(SEI_HEADER, 0x06, 0x00, 0x80)); // empty recovery point payload
    }

    @Test
    void encryptedSeiBeginningWithSixIsNotAKeyframe() {
        // SFrame-style ciphertext after the NAL header: first octet 0x06, the rest random. The old
        // rule (first RBSP octet == 6) called every one of these a keyframe.
        Random random = new Random(7);
        int keyframes = 0;
        for (int n = 0; n < 1000; n++) {
            int[] nal = new int[2 + 20 + random.nextInt(200)];
            nal[0] = SEI_HEADER;
            nal[1] = 0x06;
            for (int k = 2; k < nal.length; k++) {
                nal[k] = random.nextInt(256);
            }
            if (flags(nal) == RtpDepacketizer.KEYFRAME) {
                keyframes++;
            }
        }
        assertEquals(0, keyframes, "random SEI payloads taken for recovery points");
    }
}
