/**
 * RTP (RFC 3550) packets and header extensions (RFC 8285), H.264 (RFC 6184) and Opus (RFC 7587)
 * packetizers and depacketizers, a reordering {@link io.sluice.webrtc.rtp.JitterBuffer}, a
 * time-bounded {@link io.sluice.webrtc.rtp.PacketHistory} and RTX (RFC 4588). Sans-IO: callers pass
 * the time in µs and move the packets.
 *
 * <p>Clocks: RTP timestamps are 90 kHz for video and 48 kHz for Opus; Sluice frames carry µs.
 */
package io.sluice.webrtc.rtp;
