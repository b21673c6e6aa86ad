package io.sluice.webrtc.srtp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SrtpSenderReceiverTest {
    private static final int SSRC = 0x11223344;

    static SrtpKeyingMaterial keys(SrtpProfile p, int seed) {
        Random r = new Random(seed);
        byte[] k = new byte[p.keyLength()];
        byte[] s = new byte[p.saltLength()];
        r.nextBytes(k);
        r.nextBytes(s);
        return new SrtpKeyingMaterial(p, k, s);
    }

    static byte[] rtp(int seq, int ssrc, int payloadLength, boolean extension) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(extension ? 0x91 : 0x81); // V=2, X, CC=1
        b.writeByte(96);
        b.writeShort(seq);
        b.writeInt(seq * 3000);
        b.writeInt(ssrc);
        b.writeInt(0xCAFEBABE);
        if (extension) {
            b.writeShort(0xBEDE).writeShort(1).writeInt(0x10AB0000);
        }
        for (int i = 0; i < payloadLength; i++) {
            b.writeByte(i * 7 + seq);
        }
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    /** Protects, unprotects, returns the result; the plaintext must come back when OK. */
    static SrtpResult roundTrip(SrtpSender tx, SrtpReceiver rx, byte[] plain, boolean direct) {
        ByteBuf b = direct ? PooledByteBufAllocator.DEFAULT.directBuffer(plain.length + 16)
                : PooledByteBufAllocator.DEFAULT.heapBuffer(plain.length + 16);
        try {
            b.writeBytes(plain);
            assertEquals(SrtpResult.OK, tx.protectRtp(b));
            assertEquals(plain.length + tx.profile().rtpTagLength(), b.readableBytes());
            SrtpResult r = rx.unprotectRtp(b);
            if (r == SrtpResult.OK) {
                assertArrayEquals(plain, ByteBufUtil.getBytes(b));
            }
            return r;
        } finally {
            b.release();
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtpRoundTripHeapAndDirect(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 1));
        SrtpReceiver rx = new SrtpReceiver(keys(p, 1));
        for (int seq = 100; seq < 140; seq++) {
            assertEquals(SrtpResult.OK, roundTrip(tx, rx, rtp(seq, SSRC, seq * 13 % 1300, seq % 2 == 0), seq % 3 == 0));
        }
        assertEquals(40, rx.count(SrtpResult.OK));
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void encryptsPayloadButNotHeader(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 1));
        byte[] plain = rtp(5, SSRC, 100, true);
        ByteBuf b = Unpooled.buffer(200).writeBytes(plain);
        tx.protectRtp(b);
        byte[] prot = ByteBufUtil.getBytes(b);
        b.release();
        for (int i = 0; i < 24; i++) {
            assertEquals(plain[i], prot[i], "header octet " + i);
        }
        assertNotEquals(plain[30], prot[30]);
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void replayIsDetectedAndCounted(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 2));
        SrtpReceiver rx = SrtpReceiver.builder(keys(p, 2)).replayWindow(64).build();
        byte[] first = protect(tx, rtp(1000, SSRC, 50, false));
        assertEquals(SrtpResult.OK, unprotectCopy(rx, first));
        assertEquals(SrtpResult.REPLAY_FAIL, unprotectCopy(rx, first));
        byte[] late = protect(tx, rtp(1001, SSRC, 50, false));
        for (int seq = 1002; seq < 1100; seq++) {
            assertEquals(SrtpResult.OK, unprotectCopy(rx, protect(tx, rtp(seq, SSRC, 50, false))));
        }
        assertEquals(SrtpResult.REPLAY_OLD, unprotectCopy(rx, late));
        assertEquals(1, rx.count(SrtpResult.REPLAY_FAIL));
        assertEquals(1, rx.count(SrtpResult.REPLAY_OLD));
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void reorderedPacketsInsideWindowAreAccepted(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 3));
        SrtpReceiver rx = new SrtpReceiver(keys(p, 3));
        byte[][] pk = new byte[10][];
        for (int i = 0; i < 10; i++) {
            pk[i] = protect(tx, rtp(500 + i, SSRC, 40, false));
        }
        for (int i : new int[] {0, 3, 1, 2, 9, 5, 4, 8, 7, 6}) {
            assertEquals(SrtpResult.OK, unprotectCopy(rx, pk[i]));
        }
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void tamperedTagOrPayloadIsAuthFailAndBufferUntouched(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 4));
        SrtpReceiver rx = new SrtpReceiver(keys(p, 4));
        byte[] prot = protect(tx, rtp(7, SSRC, 80, false));
        for (int pos : new int[] {prot.length - 1, 20, 2}) {
            byte[] bad = prot.clone();
            bad[pos] ^= 0x40;
            ByteBuf b = Unpooled.wrappedBuffer(bad);
            assertEquals(SrtpResult.AUTH_FAIL, rx.unprotectRtp(b));
            assertEquals(bad.length, b.readableBytes());
            b.release();
        }
        assertEquals(SrtpResult.OK, unprotectCopy(rx, prot));
        assertEquals(3, rx.count(SrtpResult.AUTH_FAIL));
        SrtpReceiver otherKey = new SrtpReceiver(keys(p, 5));
        assertEquals(SrtpResult.AUTH_FAIL, unprotectCopy(otherKey, prot));
        assertEquals(-1, otherKey.rolloverCounter(SSRC), "no state for packets that did not authenticate");
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rolloverCounterAdvancesAtSeq65535To0(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 6));
        SrtpReceiver rx = new SrtpReceiver(keys(p, 6));
        byte[] beforeWrap = null;
        for (int i = 0; i < 20; i++) {
            int seq = (65525 + i) & 0xFFFF;
            byte[] prot = protect(tx, rtp(seq, SSRC, 60, false));
            if (seq == 65534) {
                beforeWrap = prot; // delivered late, after the wrap
                continue;
            }
            assertEquals(SrtpResult.OK, unprotectCopy(rx, prot), "seq " + seq);
        }
        assertEquals(1, tx.rolloverCounter(SSRC));
        assertEquals(1, rx.rolloverCounter(SSRC));
        assertEquals(SrtpResult.OK, unprotectCopy(rx, beforeWrap), "late packet from ROC 0");
        assertEquals(1, rx.rolloverCounter(SSRC));
    }

    @ParameterizedTest
    @EnumSource(SrtpProfile.class)
    void rtcpRoundTripAndReplay(SrtpProfile p) {
        SrtpSender tx = new SrtpSender(keys(p, 7));
        SrtpReceiver rx = new SrtpReceiver(keys(p, 7));
        byte[] rr = {(byte) 0x80, (byte) 201, 0, 1, 0x11, 0x22, 0x33, 0x44};
        byte[] prot = null;
        for (int i = 0; i < 3; i++) {
            ByteBuf b = Unpooled.buffer(64).writeBytes(rr);
            assertEquals(SrtpResult.OK, tx.protectRtcp(b));
            assertEquals(rr.length + p.rtcpTailRoom(), b.readableBytes());
            prot = ByteBufUtil.getBytes(b);
            assertEquals(SrtpResult.OK, rx.unprotectRtcp(b));
            assertArrayEquals(rr, ByteBufUtil.getBytes(b));
            b.release();
        }
        ByteBuf again = Unpooled.wrappedBuffer(prot);
        assertEquals(SrtpResult.REPLAY_FAIL, rx.unprotectRtcp(again));
        again.release();
        tx.encryptRtcp(false);
        ByteBuf clear = Unpooled.buffer(64).writeBytes(rr);
        tx.protectRtcp(clear);
        assertEquals(0, clear.getByte(clear.writerIndex() - (p.isAead() ? 4 : 4 + p.rtcpTagLength())) & 0x80, "E bit 0");
        assertEquals(SrtpResult.OK, rx.unprotectRtcp(clear));
        clear.release();
    }

    @Test
    void retransmissionOfSamePacketWithGcmGivesSameBytes() {
        SrtpSender tx = new SrtpSender(keys(SrtpProfile.AEAD_AES_128_GCM, 8));
        byte[] plain = rtp(9, SSRC, 100, false);
        assertArrayEquals(protect(tx, plain), protect(tx, plain));
    }

    @Test
    void garbageIsInvalidPacket() {
        SrtpReceiver rx = new SrtpReceiver(keys(SrtpProfile.AES128_CM_HMAC_SHA1_80, 9));
        for (byte[] g : new byte[][] {{}, {(byte) 0x80}, new byte[11], {(byte) 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0x7f}}) {
            ByteBuf b = Unpooled.wrappedBuffer(g);
            assertEquals(SrtpResult.INVALID_PACKET, rx.unprotectRtp(b));
            assertEquals(SrtpResult.INVALID_PACKET, rx.unprotectRtcp(b));
            b.release();
        }
    }

    @Test
    void dtlsExportSplitsPerRfc5764() {
        byte[] ex = new byte[60];
        for (int i = 0; i < 60; i++) {
            ex[i] = (byte) i;
        }
        SrtpKeyingMaterial c = SrtpKeyingMaterial.fromDtlsExport(SrtpProfile.AES128_CM_HMAC_SHA1_80, ex,
                SrtpKeyingMaterial.DtlsSide.CLIENT_WRITE);
        SrtpKeyingMaterial s = SrtpKeyingMaterial.fromDtlsExport(SrtpProfile.AES128_CM_HMAC_SHA1_80, ex,
                SrtpKeyingMaterial.DtlsSide.SERVER_WRITE);
        assertEquals(0, c.masterKey()[0]);
        assertEquals(16, s.masterKey()[0]);
        assertEquals(32, c.masterSalt()[0]);
        assertEquals(46, s.masterSalt()[0]);
    }

    static byte[] protect(SrtpSender tx, byte[] plain) {
        ByteBuf b = Unpooled.buffer(plain.length + 16).writeBytes(plain);
        assertEquals(SrtpResult.OK, tx.protectRtp(b));
        byte[] out = ByteBufUtil.getBytes(b);
        b.release();
        return out;
    }

    static SrtpResult unprotectCopy(SrtpReceiver rx, byte[] prot) {
        ByteBuf b = Unpooled.copiedBuffer(prot);
        try {
            return rx.unprotectRtp(b);
        } finally {
            b.release();
        }
    }
}
