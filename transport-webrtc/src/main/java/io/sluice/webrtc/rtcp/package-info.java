/**
 * RTCP (RFC 3550 §6) compound packets: SR, RR, SDES CNAME, BYE; feedback (RFC 4585) generic NACK and
 * PLI, FIR (RFC 5104), REMB (draft-alvestrand-rmcat-remb), transport-wide CC feedback
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01); report statistics and a sender report
 * generator. {@link io.sluice.webrtc.rtcp.RtcpParser} is bounded and throws
 * {@link io.sluice.webrtc.rtcp.RtcpProtocolException} on malformed input.
 */
package io.sluice.webrtc.rtcp;
