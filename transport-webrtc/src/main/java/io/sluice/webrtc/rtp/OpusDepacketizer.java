package io.sluice.webrtc.rtp;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Opus (RFC 7587 §4.2): each RTP payload is one Opus packet and one frame; every frame is a
 * "keyframe". Stateless and thread-safe.
 */
public final class OpusDepacketizer implements RtpDepacketizer {
    @Override
    public boolean startsFrame(ByteBuf payload) {
        return true;
    }

    @Override
    public int depacketize(List<ByteBuf> payloads, ByteBuf out) {
        if (payloads.size() != 1) {
            return -1;
        }
        ByteBuf p = payloads.get(0);
        out.writeBytes(p, p.readerIndex(), p.readableBytes());
        return KEYFRAME;
    }

    @Override
    public boolean endsFrame(ByteBuf payload, boolean marker) {
        return true;
    }

    @Override
    public int clockRate() {
        return OpusPacketizer.CLOCK_RATE;
    }
}
