/**
 * Congestion control for RTP over UDP, sans-IO.
 *
 * <p>{@link io.sluice.abr.cc.NetworkController} is the contract between a transport's RTP session and a
 * controller: the session reports each packet it sends ({@link io.sluice.abr.cc.SentPacket}), each
 * transport-wide feedback matched to what was sent ({@link io.sluice.abr.cc.TransportPacketsFeedback},
 * draft-holmer-rmcat-transport-wide-cc-extensions-01), RTT and loss from RTCP, and calls
 * {@link io.sluice.abr.cc.NetworkController#onProcessInterval} every
 * {@link io.sluice.abr.cc.NetworkController#PROCESS_INTERVAL_US} µs. Each call returns a
 * {@link io.sluice.abr.cc.NetworkControlUpdate}: a new target rate for the encoder, a new pacing rate for
 * the pacer, and probe clusters to send.
 *
 * <p>Times are µs on the session's monotonic clock; rates bit/s; sizes bytes (RTP header + payload,
 * before SRTP).
 */
package io.sluice.abr.cc;
