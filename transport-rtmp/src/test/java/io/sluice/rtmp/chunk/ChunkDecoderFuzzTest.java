package io.sluice.rtmp.chunk;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.rtmp.RtmpProtocolException;
import io.sluice.rtmp.flv.FlvAudioPacket;
import io.sluice.rtmp.flv.FlvVideoPacket;
import io.sluice.rtmp.message.MessageTypeId;
import io.sluice.rtmp.message.RtmpMessages;
import java.util.ArrayList;
import java.util.List;

/**
 * Fuzzes {@link ChunkDecoder} and everything a received message goes through next (control,
 * command and data decoding, FLV tag parsing): any input must decode or throw
 * {@link RtmpProtocolException}, never another exception, and never leak a buffer.
 *
 * <p>Plain {@code mvn test} runs the seeds in {@code ChunkDecoderFuzzTestInputs/} (regression
 * mode). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl core,transport-rtmp test -Dtest=ChunkDecoderFuzzTest};
 * a finding is saved as a new seed there and fails the run.
 */
class ChunkDecoderFuzzTest {
    private static final ChunkDecoderConfig SMALL_LIMITS = ChunkDecoderConfig.builder()
            .maxChunkSize(4096).maxMessageSize(65536).maxChunkStreams(8).build();

    @FuzzTest(maxDuration = "20s")
    void fuzzChunkDecoder(byte[] data) {
        if (data.length == 0) {
            return;
        }
        ChunkDecoder decoder = new ChunkDecoder(SMALL_LIMITS, ByteBufAllocator.DEFAULT);
        List<RtmpMessage> out = new ArrayList<>();
        ByteBuf cumulation = Unpooled.buffer();
        try {
            // The first byte picks how the rest is split into reads, to exercise partial chunks.
            int step = 1 + (data[0] & 0xFF);
            for (int i = 1; i < data.length; i += step) {
                cumulation.writeBytes(data, i, Math.min(step, data.length - i));
                decoder.decode(cumulation, out);
                for (RtmpMessage m : out) {
                    inspect(m);
                }
                out.forEach(RtmpMessage::release);
                out.clear();
            }
        } catch (RtmpProtocolException expected) {
            // malformed input: the only acceptable failure
        } finally {
            out.forEach(RtmpMessage::release);
            cumulation.release();
            decoder.close();
        }
    }

    private static void inspect(RtmpMessage m) {
        try {
            int type = m.messageTypeId();
            if (MessageTypeId.isControl(type)) {
                RtmpMessages.decodeControl(m);
            } else if (type == MessageTypeId.COMMAND_AMF0 || type == MessageTypeId.COMMAND_AMF3) {
                RtmpMessages.decodeCommand(m).status();
            } else if (type == MessageTypeId.DATA_AMF0 || type == MessageTypeId.DATA_AMF3) {
                RtmpMessages.decodeData(m).metadata();
            } else if (type == MessageTypeId.VIDEO) {
                FlvVideoPacket.parse(m.content()).release();
            } else if (type == MessageTypeId.AUDIO) {
                FlvAudioPacket.parse(m.content()).release();
            }
        } catch (RtmpProtocolException expected) {
            // a malformed message body
        }
    }
}
