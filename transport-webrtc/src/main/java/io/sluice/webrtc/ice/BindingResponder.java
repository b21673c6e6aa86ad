package io.sluice.webrtc.ice;

import io.sluice.webrtc.stun.StunClass;
import io.sluice.webrtc.stun.StunErrorCode;
import io.sluice.webrtc.stun.StunIntegrity;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunMessageBuilder;
import io.sluice.webrtc.stun.StunMethod;
import java.net.InetSocketAddress;

/**
 * Validates an incoming Binding request against the local/remote credentials and builds the
 * response (RFC 8445 §7.3, RFC 8489 §6.3.1). Shared by both agents; package-private.
 */
final class BindingResponder {
    /** Outcome: the response bytes, and whether the check was valid. */
    record Outcome(byte[] response, boolean valid) {
    }

    private BindingResponder() {
    }

    /** Key lookup for requests: the local pwd when USERNAME starts with {@code localUfrag:}. */
    static byte[] keyFor(StunMessage m, IceCredentials local) {
        if (m.messageClass() != StunClass.REQUEST) {
            return null;
        }
        String user = m.username().orElse(null);
        if (user == null) {
            return null;
        }
        int colon = user.indexOf(':');
        return colon >= 0 && user.substring(0, colon).equals(local.ufrag()) ? local.key() : null;
    }

    /**
     * @param remote     the peer's credentials, or null if not known yet (remote ufrag not checked)
     * @param controlled whether this agent is in the controlled role
     * @param tieBreaker this agent's tie-breaker
     */
    static Outcome respond(StunMessage req, IceCredentials local, IceCredentials remote, InetSocketAddress from,
                           boolean controlled, long tieBreaker, String software) {
        if (!req.unknownComprehensionRequired().isEmpty()) {
            StunMessageBuilder b = error(req, StunErrorCode.UNKNOWN_ATTRIBUTE, software)
                    .unknownAttributes(req.unknownComprehensionRequired());
            if (req.integrity() == StunIntegrity.VALID) {
                b.messageIntegrity(local.key());
            }
            return new Outcome(b.fingerprint().toByteArray(), false);
        }
        String user = req.username().orElse(null);
        if (user == null || req.integrity() == StunIntegrity.ABSENT) {
            return new Outcome(error(req, StunErrorCode.BAD_REQUEST, software).fingerprint().toByteArray(), false);
        }
        int colon = user.indexOf(':');
        boolean userOk = colon > 0 && user.substring(0, colon).equals(local.ufrag())
                && (remote == null || user.substring(colon + 1).equals(remote.ufrag()));
        if (!userOk || req.integrity() != StunIntegrity.VALID) {
            return new Outcome(error(req, StunErrorCode.UNAUTHENTICATED, software).fingerprint().toByteArray(),
                    false);
        }
        // Role conflict, RFC 8445 §7.3.1.1: answer 487 when the peer claims our role and we win (or,
        // for a lite agent, which is always controlled, whenever the peer claims controlled).
        boolean conflict;
        if (controlled) {
            conflict = req.iceControlled().isPresent();
        } else {
            conflict = req.iceControlling().isPresent()
                    && Long.compareUnsigned(tieBreaker, req.iceControlling().getAsLong()) >= 0;
        }
        if (conflict) {
            return new Outcome(error(req, StunErrorCode.ROLE_CONFLICT, software).messageIntegrity(local.key())
                    .fingerprint().toByteArray(), false);
        }
        StunMessageBuilder ok = StunMessage.builder(StunClass.SUCCESS_RESPONSE, StunMethod.BINDING,
                req.transactionId());
        if (software != null) {
            ok.software(software);
        }
        return new Outcome(ok.xorMappedAddress(from).messageIntegrity(local.key()).fingerprint().toByteArray(), true);
    }

    private static StunMessageBuilder error(StunMessage req, StunErrorCode code, String software) {
        StunMessageBuilder b = StunMessage.builder(StunClass.ERROR_RESPONSE, req.method(), req.transactionId());
        if (software != null) {
            b.software(software);
        }
        return b.errorCode(code);
    }
}
