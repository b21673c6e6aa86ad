package io.sluice.webrtc.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.webrtc.rtp.PacketHistory;
import io.sluice.webrtc.rtp.RtxPacketizer;
import java.util.Objects;

/**
 * The sender's answer to generic NACKs (RFC 4585 §6.2.1): keeps each sent packet of one SSRC in a
 * {@link PacketHistory} and turns a NACKed sequence number into a retransmission, as RTX when
 * negotiated (RFC 4588 §4) or else as a plain copy of the original. Sans-IO (times are arguments, in
 * µs on the session's monotonic clock). Not thread-safe.
 */
public final class NackResponder implements AutoCloseable {
    private final PacketHistory history;
    private final RtxPacketizer rtx;
    private final ByteBufAllocator alloc;
    private final int tailRoom;
    /** Padding cycles through this many of the newest packets. */
    private static final int PADDING_DEPTH = 16;
    private int lastSequenceNumber;
    private int paddingBack;
    private boolean sentAny;

    /**
     * @param history  where sent packets are kept; closed with this responder
     * @param rtx      the RTX stream's packetizer, or {@code null} to resend the original packet as is
     * @param alloc    allocator for plain copies (when {@code rtx} is null)
     * @param tailRoom spare octets each retransmission leaves for SRTP, 0..64
     * @throws IllegalArgumentException if {@code tailRoom} is out of range
     */
    public NackResponder(PacketHistory history, RtxPacketizer rtx, ByteBufAllocator alloc, int tailRoom) {
        if (tailRoom < 0 || tailRoom > 64) {
            throw new IllegalArgumentException("tailRoom: " + tailRoom + " (expected: 0..64)");
        }
        this.history = Objects.requireNonNull(history, "history");
        this.rtx = rtx;
        this.alloc = Objects.requireNonNull(alloc, "alloc");
        this.tailRoom = tailRoom;
    }

    /** Whether retransmissions go out on an RTX stream. */
    public boolean usesRtx() {
        return rtx != null;
    }

    /**
     * Remembers a packet just sent.
     *
     * @param packet borrowed plain RTP packet (before SRTP protects it in place)
     * @param nowUs  send time, µs
     */
    public void onPacketSent(ByteBuf packet, long nowUs) {
        history.put(packet, nowUs);
        lastSequenceNumber = packet.getUnsignedShort(packet.readerIndex() + 2);
        paddingBack = 0;
        sentAny = true;
    }

    /**
     * Padding as RTX of recent packets (RFC 4588; libwebrtc's payload padding): the newest packet sent,
     * then the one before it, and so on, back to the start again after each new media packet.
     *
     * @param nowUs current time, µs
     * @return an RTX packet owned by the caller, or {@code null} if RTX is not negotiated or no recent
     *         packet is in the history
     */
    public ByteBuf paddingRetransmission(long nowUs) {
        if (rtx == null || !sentAny) {
            return null;
        }
        for (int tries = 0; tries < 2; tries++) {
            ByteBuf original = history.get((lastSequenceNumber - paddingBack) & 0xFFFF, nowUs);
            paddingBack = (paddingBack + 1) % PADDING_DEPTH;
            if (original != null) {
                try {
                    return rtx.wrap(original);
                } finally {
                    original.release();
                }
            }
            paddingBack = 0;
        }
        return null;
    }

    /**
     * @param sequenceNumber a sequence number, 0..65535
     * @return when the packet was first sent, µs; {@link Long#MIN_VALUE} if it is not (or no longer) in the history
     */
    public long sentTimeUs(int sequenceNumber) {
        return history.sentTimeUs(sequenceNumber);
    }

    /**
     * @param sequenceNumber a sequence number, 0..65535
     * @return when {@link #markRetransmitted} last noted its retransmission, µs; {@link Long#MIN_VALUE} if never (or
     *         if it is not in the history)
     */
    public long retransmittedTimeUs(int sequenceNumber) {
        return history.retransmittedTimeUs(sequenceNumber);
    }

    /**
     * Notes that the packet's retransmission is on its way (see {@link #retransmittedTimeUs}).
     *
     * @param sequenceNumber a sequence number, 0..65535
     * @param nowUs          current time, µs
     */
    public void markRetransmitted(int sequenceNumber, long nowUs) {
        history.markRetransmitted(sequenceNumber, nowUs);
    }

    /**
     * The retransmission of one NACKed packet.
     *
     * @param sequenceNumber the lost packet's sequence number, 0..65535
     * @param nowUs          current time, µs
     * @return the packet to send (RTX or plain copy, with the tail room), owned by the caller; or
     *         {@code null} if the packet is no longer (or never was) in the history
     */
    public ByteBuf retransmission(int sequenceNumber, long nowUs) {
        ByteBuf original = history.get(sequenceNumber, nowUs);
        if (original == null) {
            return null;
        }
        try {
            if (rtx != null) {
                return rtx.wrap(original);
            }
            ByteBuf copy = alloc.buffer(original.readableBytes() + tailRoom);
            copy.writeBytes(original, original.readerIndex(), original.readableBytes());
            return copy;
        } finally {
            original.release();
        }
    }

    /** Releases the history. */
    @Override
    public void close() {
        history.close();
    }
}
