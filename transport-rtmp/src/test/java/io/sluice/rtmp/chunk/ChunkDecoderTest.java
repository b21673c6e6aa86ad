package io.sluice.rtmp.chunk;

import static io.sluice.rtmp.chunk.ChunkCodecTest.hex;
import static io.sluice.rtmp.chunk.ChunkTestSupport.releaseAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Limits and malformed input for {@link ChunkDecoder}. */
class ChunkDecoderTest {

    private static RtmpProtocolException fails(ChunkDecoder decoder, String wireHex) {
        ByteBuf in = Unpooled.wrappedBuffer(hex(wireHex));
        List<RtmpMessage> out = new ArrayList<>();
        try {
            return assertThrows(RtmpProtocolException.class, () -> decoder.decode(in, out));
        } finally {
            in.release();
            releaseAll(out);
            assertTrue(decoder.isFailed());
            assertThrows(IllegalStateException.class, () -> decoder.decode(Unpooled.EMPTY_BUFFER, out));
        }
    }

    private static String setChunkSize(String valueHex) {
        return "02 000000 000004 01 00000000 " + valueHex;
    }

    @Test
    @DisplayName("SetChunkSize 0 is rejected")
    void chunkSizeZero() {
        RtmpProtocolException e = fails(new ChunkDecoder(), setChunkSize("00000000"));
        assertEquals("SetChunkSize: chunkSize: 0 (expected: 1..65536)", e.getMessage());
    }

    @Test
    @DisplayName("SetChunkSize 2^31-1 (the spec maximum) is over the configured limit")
    void chunkSizeOverLimit() {
        RtmpProtocolException e = fails(new ChunkDecoder(), setChunkSize("7fffffff"));
        assertEquals("SetChunkSize: chunkSize: 2147483647 (expected: 1..65536)", e.getMessage());
        // bit 0 set ("MUST be zero", §5.4.1)
        e = fails(new ChunkDecoder(), setChunkSize("80000000"));
        assertEquals("SetChunkSize: chunkSize: 2147483648 (expected: 1..65536)", e.getMessage());
        e = fails(new ChunkDecoder(), "02 000000 000002 01 00000000 0010");
        assertTrue(e.getMessage().contains("payload length: 2 (expected: >= 4)"), e.getMessage());
    }

    @Test
    void chunkSizeWithinLimitIsAccepted() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxChunkSize(0x7FFFFFFF).build(), ByteBufAllocator.DEFAULT);
        ByteBuf in = Unpooled.wrappedBuffer(hex(setChunkSize("7fffffff")));
        List<RtmpMessage> out = new ArrayList<>();
        d.decode(in, out);
        in.release();
        assertEquals(0x7FFFFFFF, d.chunkSize());
        releaseAll(out);
        assertThrows(IllegalArgumentException.class, () -> ChunkDecoderConfig.builder().maxChunkSize(0));
        assertThrows(IllegalArgumentException.class, () -> ChunkDecoderConfig.builder().maxChunkSize(-1));
        assertThrows(IllegalArgumentException.class, () -> new ChunkDecoder().setChunkSize(0));
    }

    @Test
    @DisplayName("a message longer than maxMessageSize fails on its header, before allocating")
    void messageTooLong() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxMessageSize(1000).build(), ByteBufAllocator.DEFAULT);
        RtmpProtocolException e = fails(d, "06 000000 0003e9 09 01000000"); // 1001 bytes, no payload sent yet
        assertEquals("chunkStreamId 6: messageLength: 1001 (expected: <= 1000)", e.getMessage());
        e = fails(new ChunkDecoder(), "06 000000 ffffff 09 01000000");
        assertEquals("chunkStreamId 6: messageLength: 16777215 (expected: <= 8388608)", e.getMessage());
        // type 1 headers are checked as well
        ChunkDecoder d2 = new ChunkDecoder(ChunkDecoderConfig.builder().maxMessageSize(1000).build(), ByteBufAllocator.DEFAULT);
        e = fails(d2, "06 000000 000001 09 01000000 00 46 000000 000400 09");
        assertTrue(e.getMessage().contains("messageLength: 1024"), e.getMessage());
    }

    @Test
    @DisplayName("more distinct chunk streams than maxChunkStreams")
    void tooManyChunkStreams() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxChunkStreams(3).build(), ByteBufAllocator.DEFAULT);
        StringBuilder wire = new StringBuilder();
        for (int csid = 3; csid <= 6; csid++) {
            wire.append(String.format("%02x 000000 000001 09 01000000 00 ", csid));
        }
        RtmpProtocolException e = fails(d, wire.toString());
        assertEquals("chunkStreamId 6: too many chunk streams (expected: <= 3)", e.getMessage());
    }

    @Test
    @DisplayName("type 1, 2 and 3 headers on a chunk stream without a prior type 0")
    void continuationWithoutType0() {
        assertEquals("chunkStreamId 5: type 1 chunk header without a prior type 0 header",
                fails(new ChunkDecoder(), "45 000000 000001 09 00").getMessage());
        assertEquals("chunkStreamId 5: type 2 chunk header without a prior type 0 header",
                fails(new ChunkDecoder(), "85 000000 00").getMessage());
        assertEquals("chunkStreamId 70: type 3 chunk header without a prior type 0 header",
                fails(new ChunkDecoder(), "c0 06 00").getMessage());
        assertEquals("chunkStreamId 65599: type 3 chunk header without a prior type 0 header",
                fails(new ChunkDecoder(), "c1 ffff").getMessage());
    }

    @Test
    void newHeaderWhileMessageIncomplete() {
        RtmpProtocolException e = fails(new ChunkDecoder(),
                "06 000000 0000c8 09 01000000 " + "00".repeat(128) + " 86 000001");
        assertEquals("chunkStreamId 6: type 2 chunk header while a message has 72 of 200 bytes missing", e.getMessage());
    }

    @Test
    @DisplayName("truncated input leaves the decoder waiting, consuming nothing of the incomplete chunk")
    void truncatedInputWaits() {
        byte[] wire = hex("c1 ff"); // incomplete 3-byte basic header
        ChunkDecoder d = new ChunkDecoder();
        List<RtmpMessage> out = new ArrayList<>();
        ByteBuf in = Unpooled.wrappedBuffer(wire);
        d.decode(in, out);
        assertEquals(0, in.readerIndex());
        in.release();
        byte[] full = hex("06 ffffff 000005 09 01000000 00000010 0102030405");
        for (int cut = 0; cut < full.length; cut++) {
            ByteBuf part = Unpooled.wrappedBuffer(full, 0, cut);
            d.decode(part, out);
            assertEquals(0, part.readerIndex(), "cut at " + cut);
            assertEquals(0, out.size());
            part.release();
        }
        ByteBuf all = Unpooled.wrappedBuffer(full);
        d.decode(all, out);
        all.release();
        assertEquals(1, out.size());
        assertEquals(16, out.get(0).timestamp());
        releaseAll(out);
        d.close();
    }

    @Test
    @DisplayName("random garbage either waits for more bytes or fails with RtmpProtocolException, without leaks")
    void garbage() {
        Random rnd = new Random(7);
        int failures = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(300)];
            rnd.nextBytes(junk);
            ChunkDecoder d = new ChunkDecoder();
            ByteBuf in = Unpooled.wrappedBuffer(junk);
            List<RtmpMessage> out = new ArrayList<>();
            try {
                d.decode(in, out);
            } catch (RtmpProtocolException expected) {
                failures++;
            } finally {
                in.release();
                releaseAll(out);
                d.close();
            }
        }
        assertTrue(failures > 0);
    }

    @Test
    void closeReleasesPartialMessages() {
        ChunkDecoder d = new ChunkDecoder();
        ByteBuf in = Unpooled.wrappedBuffer(hex("06 000000 0000c8 09 01000000 " + "00".repeat(128)));
        List<RtmpMessage> out = new ArrayList<>();
        d.decode(in, out);
        in.release();
        assertEquals(0, out.size());
        d.close(); // the leak detector fails the test if the partial buffer were not released
        assertTrue(d.isFailed());
    }

    /** The first chunk (128 bytes) of a {@code length}-byte video message on chunk stream {@code csid} (2..63). */
    private static ByteBuf firstChunkOfVideo(int csid, int length) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(csid).writeMedium(0).writeMedium(length).writeByte(9).writeIntLE(1);
        b.writeZero(Math.min(length, ChunkDecoder.DEFAULT_CHUNK_SIZE));
        return b;
    }

    @Test
    @DisplayName("incomplete messages spread over many chunk streams are bounded per connection")
    void bufferedBytesPerConnectionAreBounded() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxBufferedBytes(4096).build(), ByteBufAllocator.DEFAULT);
        List<RtmpMessage> out = new ArrayList<>();
        RtmpProtocolException e = null;
        int csid = 3;
        for (; csid < 64 && e == null; csid++) { // one 8 MiB message started on each chunk stream
            ByteBuf in = firstChunkOfVideo(csid, 8 << 20);
            try {
                d.decode(in, out);
                assertTrue(d.bufferedBytes() <= 4096, "held " + d.bufferedBytes());
            } catch (RtmpProtocolException x) {
                e = x;
            } finally {
                in.release();
            }
        }
        assertTrue(e != null, "never refused");
        assertEquals(3 + 4096 / 128 + 1, csid, "refused at the first chunk past 4096 bytes");
        assertTrue(e.getMessage().contains("incomplete messages would hold 4224 bytes (expected: <= 4096 per connection)"),
                e.getMessage());
        assertTrue(d.isFailed());
        assertEquals(0, d.bufferedBytes(), "partial messages released");
        assertEquals(0, out.size());
    }

    @Test
    @DisplayName("a buffer growing past the per-connection limit is refused before it grows")
    void growthIsReservedFirst() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxBufferedBytes(1000).build(), ByteBufAllocator.DEFAULT);
        List<RtmpMessage> out = new ArrayList<>();
        ByteBuf in = firstChunkOfVideo(6, 100_000);
        for (int i = 0; i < 20; i++) { // type 3 continuations: 128, 256, 512, 1024 -> refused
            in.writeByte(0xC0 | 6).writeZero(128);
        }
        try {
            RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> d.decode(in, out));
            assertTrue(e.getMessage().contains("would hold 1024 bytes (expected: <= 1000"), e.getMessage());
            assertEquals(0, d.bufferedBytes());
        } finally {
            in.release();
        }
    }

    @Test
    @DisplayName("decoders sharing a budget are bounded in total; completed messages give their bytes back")
    void sharedBudgetBoundsAllDecoders() {
        ChunkBufferBudget budget = new ChunkBufferBudget(1024);
        ChunkDecoderConfig config = ChunkDecoderConfig.builder().maxBufferedBytes(1 << 20).build();
        ChunkDecoder a = new ChunkDecoder(config, ByteBufAllocator.DEFAULT, budget);
        ChunkDecoder b = new ChunkDecoder(config, ByteBufAllocator.DEFAULT, budget);
        List<RtmpMessage> out = new ArrayList<>();
        for (int csid = 3; csid < 7; csid++) { // 4 x 128 bytes each
            ByteBuf in = firstChunkOfVideo(csid, 300);
            a.decode(in, out);
            in.release();
            in = firstChunkOfVideo(csid, 300);
            b.decode(in, out);
            in.release();
        }
        assertEquals(1024, budget.usedBytes());
        ByteBuf in = firstChunkOfVideo(7, 300);
        try {
            RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> a.decode(in, out));
            assertTrue(e.getMessage().contains("of all connections hold 1024 bytes, no room for 128 more (expected: <= 1024)"),
                    e.getMessage());
        } finally {
            in.release();
        }
        assertEquals(512, budget.usedBytes(), "the failed decoder gave its bytes back");
        // b completes the 300-byte message on chunk stream 3: its buffer leaves the budget with it
        ByteBuf rest = Unpooled.buffer();
        for (int sent = 128; sent < 300; sent += 128) {
            rest.writeByte(0xC0 | 3).writeZero(Math.min(128, 300 - sent));
        }
        b.decode(rest, out);
        rest.release();
        assertEquals(1, out.size());
        assertEquals(384, budget.usedBytes());
        releaseAll(out);
        b.close();
        assertEquals(0, budget.usedBytes());
    }

    @Test
    @DisplayName("the part of a budget kept for priority decoders is closed to the others")
    void priorityReserveOfABudget() {
        ChunkBufferBudget budget = new ChunkBufferBudget(1024, 256);
        ChunkDecoderConfig config = ChunkDecoderConfig.builder().maxBufferedBytes(1 << 20).build();
        ChunkDecoder flood = new ChunkDecoder(config, ByteBufAllocator.DEFAULT, budget);
        ChunkDecoder publisher = new ChunkDecoder(config, ByteBufAllocator.DEFAULT, budget);
        publisher.setBudgetPriority(true);
        List<RtmpMessage> out = new ArrayList<>();
        for (int csid = 3; csid < 9; csid++) { // 6 x 128 bytes: everything but the reserve
            ByteBuf in = firstChunkOfVideo(csid, 300);
            flood.decode(in, out);
            in.release();
        }
        assertEquals(768, budget.usedBytes());
        ByteBuf in = firstChunkOfVideo(9, 300);
        try {
            RtmpProtocolException e = assertThrows(RtmpProtocolException.class, () -> flood.decode(in, out));
            assertTrue(e.getMessage().contains("of all connections hold 768 bytes, no room for 128 more (expected: <= 768)"),
                    e.getMessage());
        } finally {
            in.release();
        }
        assertEquals(0, budget.usedBytes(), "the failed decoder gave its bytes back");
        for (int csid = 3; csid < 11; csid++) { // the priority decoder may take all 1024
            ByteBuf p = firstChunkOfVideo(csid, 300);
            publisher.decode(p, out);
            p.release();
        }
        assertEquals(1024, budget.usedBytes());
        assertTrue(out.isEmpty());
        publisher.close();
        assertEquals(0, budget.usedBytes());
        assertThrows(IllegalArgumentException.class, () -> new ChunkBufferBudget(1024, 1025));
    }

    @Test
    @DisplayName("a command message above maxCommandSize is refused on its header")
    void commandSizeIsBounded() {
        ChunkDecoder d = new ChunkDecoder(ChunkDecoderConfig.builder().maxCommandSize(1024).build(), ByteBufAllocator.DEFAULT);
        RtmpProtocolException e = fails(d, "03 000000 7fffff 14 00000000 02");
        assertEquals("chunkStreamId 3: messageTypeId 20 messageLength: 8388607 (expected: <= 1024 for a command or data message)",
                e.getMessage());
    }

    @Test
    @DisplayName("stopAfterMessage leaves the chunks after a complete message unread")
    void stopAfterMessage() {
        ChunkDecoder d = new ChunkDecoder();
        d.setStopAfterMessage(true);
        ByteBuf in = Unpooled.wrappedBuffer(hex("03 000000 000001 14 00000000 05 03 000000 000001 14 00000000 06"));
        List<RtmpMessage> out = new ArrayList<>();
        d.decode(in, out);
        assertEquals(1, out.size());
        assertEquals(13, in.readableBytes());
        d.decode(in, out);
        assertEquals(2, out.size());
        in.release();
        releaseAll(out);
        d.close();
    }
}
