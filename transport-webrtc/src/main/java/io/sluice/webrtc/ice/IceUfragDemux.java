package io.sluice.webrtc.ice;

import io.netty.buffer.ByteBuf;
import io.sluice.webrtc.stun.StunMessage;
import io.sluice.webrtc.stun.StunProtocolException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes datagrams arriving on the server's single UDP port to ICE-lite sessions: first by the
 * local ufrag in a STUN Binding request's USERNAME ({@code localUfrag:remoteUfrag}), then, once the
 * session has accepted a check from an address ({@link #bindAddress}), by remote address for every
 * packet kind (DTLS, SRTP, SRTCP). Bounded in sessions and in addresses per session so that a flood
 * of forged checks cannot grow it.
 *
 * <p>Thread-safe: sessions are registered from the HTTP (WHEP/WHIP) threads while the UDP
 * EventLoop routes.
 *
 * @param <S> the session type
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8445#section-2.5">RFC 8445 §2.5</a>
 */
public final class IceUfragDemux<S> {
    private final int maxSessions;
    private final int maxAddressesPerSession;
    private final ConcurrentHashMap<String, Entry<S>> byUfrag = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<InetSocketAddress, Entry<S>> byAddress = new ConcurrentHashMap<>();

    private static final class Entry<S> {
        final String ufrag;
        final S session;
        final Set<InetSocketAddress> addresses = ConcurrentHashMap.newKeySet();

        Entry(String ufrag, S session) {
            this.ufrag = ufrag;
            this.session = session;
        }
    }

    /**
     * @param maxSessions            most sessions registered at once, 1..1_000_000
     * @param maxAddressesPerSession most remote addresses bound to one session, 1..64 (browsers
     *                               check a few candidate pairs; 8 is plenty)
     * @throws IllegalArgumentException if a bound is out of range
     */
    public IceUfragDemux(int maxSessions, int maxAddressesPerSession) {
        if (maxSessions < 1 || maxSessions > 1_000_000) {
            throw new IllegalArgumentException("maxSessions: " + maxSessions + " (expected: 1..1000000)");
        }
        if (maxAddressesPerSession < 1 || maxAddressesPerSession > 64) {
            throw new IllegalArgumentException("maxAddressesPerSession: " + maxAddressesPerSession
                    + " (expected: 1..64)");
        }
        this.maxSessions = maxSessions;
        this.maxAddressesPerSession = maxAddressesPerSession;
    }

    /**
     * Registers a session under its local ufrag.
     *
     * @throws IllegalStateException if the ufrag is taken or {@code maxSessions} is reached
     */
    public void register(String localUfrag, S session) {
        Objects.requireNonNull(session, "session");
        synchronized (byUfrag) {
            if (byUfrag.size() >= maxSessions) {
                throw new IllegalStateException("sessions: " + maxSessions + " (limit reached)");
            }
            if (byUfrag.putIfAbsent(localUfrag, new Entry<>(localUfrag, session)) != null) {
                throw new IllegalStateException("ufrag already registered: " + localUfrag);
            }
        }
    }

    /** Removes the session and every address bound to it; a no-op if unknown. */
    public void unregister(String localUfrag) {
        Entry<S> e = byUfrag.remove(localUfrag);
        if (e != null) {
            for (InetSocketAddress a : e.addresses) {
                byAddress.remove(a, e);
            }
        }
    }

    /**
     * Finds the session for a datagram: by bound remote address, else, for a STUN message, by the
     * ufrag before the colon in USERNAME. Integrity is not checked here; the session's agent does it.
     *
     * @param from     the datagram's source address
     * @param datagram borrowed; not moved or released
     * @return the session, or null if none matches (drop the datagram)
     */
    public S route(InetSocketAddress from, ByteBuf datagram) {
        Entry<S> e = byAddress.get(from);
        if (e != null) {
            return e.session;
        }
        if (!StunMessage.isStun(datagram)) {
            return null;
        }
        String user;
        try {
            user = StunMessage.decode(datagram, null).username().orElse(null);
        } catch (StunProtocolException ex) {
            return null;
        }
        if (user == null) {
            return null;
        }
        int colon = user.indexOf(':');
        e = byUfrag.get(colon < 0 ? user : user.substring(0, colon));
        return e == null ? null : e.session;
    }

    /**
     * Binds {@code from} to the session of {@code localUfrag}, after its agent accepted a valid
     * check from that address. An address bound to another session moves (the browser re-used a
     * port). Ignored when the session has {@code maxAddressesPerSession} addresses already.
     *
     * @return whether the address is now bound to the session
     */
    public boolean bindAddress(InetSocketAddress from, String localUfrag) {
        Entry<S> e = byUfrag.get(localUfrag);
        if (e == null) {
            return false;
        }
        if (!e.addresses.contains(from)) {
            if (e.addresses.size() >= maxAddressesPerSession) {
                return false;
            }
            e.addresses.add(from);
        }
        Entry<S> previous = byAddress.put(from, e);
        if (previous != null && previous != e) {
            previous.addresses.remove(from);
        }
        return true;
    }

    /** Registered sessions. */
    public int sessionCount() {
        return byUfrag.size();
    }

    /** Bound remote addresses over all sessions. */
    public int addressCount() {
        return byAddress.size();
    }
}
