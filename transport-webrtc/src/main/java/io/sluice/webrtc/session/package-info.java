/**
 * The RTP session engine every WebRTC peer of Sluice runs (the WHIP client, WHEP playback and WHIP
 * ingest sessions): one sans-IO {@link io.sluice.webrtc.session.RtpSession} that takes frames, plain
 * RTP/RTCP and {@code nowNanos}, and returns packets to protect and send
 * ({@code pollTransmit}), events ({@code pollEvent}: keyframe requests, estimates, received frames) and
 * its next wake-up ({@code pollTimeout}). It never reads a clock, starts a thread or touches a socket;
 * drivers ({@code WhipConnection}, the server's {@code RtcSession}) move datagrams, do SRTP and take
 * time from one {@link io.sluice.core.time.Ticker}.
 *
 * <p>Inside, one small part per RTCP feature, each named by its RFC and tested alone in simulated time:
 * {@link io.sluice.webrtc.session.NackResponder} (history → RTX, RFC 4585/4588),
 * {@link io.sluice.webrtc.session.NackGenerator} (RFC 4585 §6.2.1),
 * {@link io.sluice.webrtc.session.ReceiveStatistics} (RFC 3550 A.3/A.8 report blocks), sender reports
 * ({@link io.sluice.webrtc.rtcp.SenderReportGenerator}), the keyframe-request throttle
 * ({@link io.sluice.core.feedback.KeyframeRequestThrottle}), {@link io.sluice.webrtc.session.TwccSendRegister}
 * (transport-wide sequence numbers, send times, sizes, probe membership, data in flight; feedback matched
 * per packet), the send queue ({@code PacerQueue}: audio before retransmissions before video), and two seams:
 * {@link io.sluice.webrtc.session.Pacer} (default unpaced; {@link io.sluice.webrtc.session.RatePacer} paces
 * at the controller's rate with 5 ms bursts, probes and padding) and the congestion controller: an
 * {@link io.sluice.abr.cc.NetworkController} (send-side GCC, module {@code sluice-abr}) given to
 * {@code RtpSession.Builder.networkController}, or, without one, a
 * {@link io.sluice.webrtc.session.BandwidthEstimator} (delivery rate).
 *
 * <p><b>Where a new RTCP feature goes:</b> a new class here holding its state, with its own test in
 * simulated time; {@code RtpSession} calls it from {@code handleRtcp}/{@code handleRtp} (input), from
 * {@code send} (when a packet leaves), from {@code handleTimeout}, and adds its deadline to
 * {@code pollTimeout}. Nothing goes into the drivers.
 */
package io.sluice.webrtc.session;
