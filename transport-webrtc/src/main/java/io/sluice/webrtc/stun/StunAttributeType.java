package io.sluice.webrtc.stun;

/**
 * STUN attribute type codes used by ICE. Types 0x0000..0x7FFF are comprehension-required (an
 * unknown one in a request is answered with 420), 0x8000..0xFFFF comprehension-optional (ignored
 * when unknown).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8489#section-18.3">RFC 8489 §18.3</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-16.1">RFC 8445 §16.1</a>
 */
public final class StunAttributeType {
    /** MAPPED-ADDRESS: family, port, address in the clear (RFC 8489 §14.1). */
    public static final int MAPPED_ADDRESS = 0x0001;
    /** USERNAME: UTF-8, &lt; 513 bytes; ICE uses {@code remoteUfrag:localUfrag} of the sender's view. */
    public static final int USERNAME = 0x0006;
    /** MESSAGE-INTEGRITY: 20-byte HMAC-SHA1 (RFC 8489 §14.5). */
    public static final int MESSAGE_INTEGRITY = 0x0008;
    /** ERROR-CODE (RFC 8489 §14.8). */
    public static final int ERROR_CODE = 0x0009;
    /** UNKNOWN-ATTRIBUTES: list of 16-bit types (RFC 8489 §14.9). */
    public static final int UNKNOWN_ATTRIBUTES = 0x000A;
    /** REALM (long-term credentials). */
    public static final int REALM = 0x0014;
    /** NONCE (long-term credentials). */
    public static final int NONCE = 0x0015;
    /** XOR-MAPPED-ADDRESS (RFC 8489 §14.2). */
    public static final int XOR_MAPPED_ADDRESS = 0x0020;
    /** MESSAGE-INTEGRITY-SHA256: 16..32-byte HMAC-SHA256 (RFC 8489 §14.6). */
    public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
    /** PASSWORD-ALGORITHM (RFC 8489 §14.12). */
    public static final int PASSWORD_ALGORITHM = 0x001D;
    /** USERHASH (RFC 8489 §14.4). */
    public static final int USERHASH = 0x001E;
    /** PRIORITY: 32-bit priority of a would-be peer-reflexive candidate (RFC 8445 §16.1). */
    public static final int PRIORITY = 0x0024;
    /** USE-CANDIDATE: empty flag, nominates the pair (RFC 8445 §16.1). */
    public static final int USE_CANDIDATE = 0x0025;
    /** PASSWORD-ALGORITHMS (RFC 8489 §14.11). */
    public static final int PASSWORD_ALGORITHMS = 0x8002;
    /** ALTERNATE-DOMAIN (RFC 8489 §14.16). */
    public static final int ALTERNATE_DOMAIN = 0x8003;
    /** SOFTWARE: UTF-8 description, &lt; 763 bytes (RFC 8489 §14.14). */
    public static final int SOFTWARE = 0x8022;
    /** ALTERNATE-SERVER (RFC 8489 §14.15). */
    public static final int ALTERNATE_SERVER = 0x8023;
    /** FINGERPRINT: CRC-32 of the message XOR 0x5354554e, always last (RFC 8489 §14.7). */
    public static final int FINGERPRINT = 0x8028;
    /** ICE-CONTROLLED: 64-bit tie-breaker (RFC 8445 §16.1). */
    public static final int ICE_CONTROLLED = 0x8029;
    /** ICE-CONTROLLING: 64-bit tie-breaker (RFC 8445 §16.1). */
    public static final int ICE_CONTROLLING = 0x802A;

    private StunAttributeType() {
    }

    /** Whether {@code type} is comprehension-required (0x0000..0x7FFF). */
    public static boolean isComprehensionRequired(int type) {
        return type < 0x8000;
    }

    /** Whether this implementation understands {@code type} (only matters when it is comprehension-required). */
    public static boolean isKnown(int type) {
        return switch (type) {
            case MAPPED_ADDRESS, USERNAME, MESSAGE_INTEGRITY, ERROR_CODE, UNKNOWN_ATTRIBUTES, REALM, NONCE,
                    XOR_MAPPED_ADDRESS, MESSAGE_INTEGRITY_SHA256, PASSWORD_ALGORITHM, USERHASH, PRIORITY,
                    USE_CANDIDATE, PASSWORD_ALGORITHMS, ALTERNATE_DOMAIN, SOFTWARE, ALTERNATE_SERVER, FINGERPRINT,
                    ICE_CONTROLLED, ICE_CONTROLLING -> true;
            default -> false;
        };
    }

    /** The RFC name of {@code type}, or {@code 0x%04x} when unknown. */
    public static String name(int type) {
        return switch (type) {
            case MAPPED_ADDRESS -> "MAPPED-ADDRESS";
            case USERNAME -> "USERNAME";
            case MESSAGE_INTEGRITY -> "MESSAGE-INTEGRITY";
            case ERROR_CODE -> "ERROR-CODE";
            case UNKNOWN_ATTRIBUTES -> "UNKNOWN-ATTRIBUTES";
            case REALM -> "REALM";
            case NONCE -> "NONCE";
            case XOR_MAPPED_ADDRESS -> "XOR-MAPPED-ADDRESS";
            case MESSAGE_INTEGRITY_SHA256 -> "MESSAGE-INTEGRITY-SHA256";
            case PASSWORD_ALGORITHM -> "PASSWORD-ALGORITHM";
            case USERHASH -> "USERHASH";
            case PRIORITY -> "PRIORITY";
            case USE_CANDIDATE -> "USE-CANDIDATE";
            case PASSWORD_ALGORITHMS -> "PASSWORD-ALGORITHMS";
            case ALTERNATE_DOMAIN -> "ALTERNATE-DOMAIN";
            case SOFTWARE -> "SOFTWARE";
            case ALTERNATE_SERVER -> "ALTERNATE-SERVER";
            case FINGERPRINT -> "FINGERPRINT";
            case ICE_CONTROLLED -> "ICE-CONTROLLED";
            case ICE_CONTROLLING -> "ICE-CONTROLLING";
            default -> String.format("0x%04x", type);
        };
    }
}
