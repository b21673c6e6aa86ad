package io.sluice.webrtc.whip.client;

import io.sluice.core.TrackInfo;
import io.sluice.core.TransportException;
import io.sluice.webrtc.dtls.DtlsContext;
import io.sluice.webrtc.dtls.DtlsEndpoint;
import io.sluice.webrtc.dtls.DtlsRole;
import io.sluice.webrtc.ice.IceCandidate;
import io.sluice.webrtc.ice.IceControllingAgent;
import io.sluice.webrtc.ice.IceCredentials;
import io.sluice.webrtc.sdp.Fingerprint;
import io.sluice.webrtc.sdp.LocalTransport;
import io.sluice.webrtc.sdp.MediaKind;
import io.sluice.webrtc.sdp.NegotiatedSession;
import io.sluice.webrtc.sdp.SdpNegotiationException;
import io.sluice.webrtc.sdp.SdpNegotiator;
import io.sluice.webrtc.sdp.SdpParseException;
import io.sluice.webrtc.sdp.SdpParser;
import io.sluice.webrtc.sdp.SessionDescription;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link WhipConnection} does on the opening thread before its I/O thread starts: binds one UDP
 * socket per host address, offers (RFC 9725 §4.2), applies the answer, and prepares the ICE agent and
 * the DTLS endpoint. On failure it DELETEs the resource it created and closes its sockets.
 */
final class WhipSetup {
    private static final Logger log = LoggerFactory.getLogger(WhipSetup.class);

    final Selector selector;
    final Map<InetSocketAddress, DatagramChannel> channels = new HashMap<>();
    final WhipSignaling signaling;
    WhipSignaling.Answer answer;
    NegotiatedSession session;
    IceControllingAgent ice;
    DtlsEndpoint dtls;
    private final URI uri;
    private boolean deleted;

    private WhipSetup(URI uri, WhipSignaling signaling, Selector selector) {
        this.uri = uri;
        this.signaling = signaling;
        this.selector = selector;
    }

    /**
     * @throws TransportException if a socket cannot be bound, the HTTP exchange fails, or the answer is
     *                            unusable (everything opened is closed again)
     */
    static WhipSetup open(WhipTransport owner, TrackInfo videoTrack, TrackInfo audioTrack, SecureRandom random,
                          String cname, DtlsContext dtlsContext) {
        URI uri = owner.uri();
        Selector selector;
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new TransportException(uri, "open: selector: " + e, e);
        }
        WhipSetup s = new WhipSetup(uri, new WhipSignaling(owner.httpEndpoint(), uri, owner.bearerToken(),
                owner.httpTimeout()), selector);
        try {
            s.negotiate(owner, videoTrack, audioTrack, random, cname, dtlsContext);
            return s;
        } catch (RuntimeException e) {
            s.deleteQuietly();
            s.closeSockets();
            throw e;
        }
    }

    private void negotiate(WhipTransport owner, TrackInfo videoTrack, TrackInfo audioTrack, SecureRandom random,
                           String cname, DtlsContext dtlsContext) {
        IceCredentials localIce = IceCredentials.random(random);
        List<IceCandidate> hostCandidates = new ArrayList<>();
        IceControllingAgent.Builder iceBuilder = IceControllingAgent.builder().localCredentials(localIce)
                .allocator(WhipConnection.ALLOC).random(random).software("sluice");
        try {
            int i = 0;
            for (InetAddress a : owner.hostAddresses()) {
                DatagramChannel ch = DatagramChannel.open();
                ch.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
                ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 18);
                ch.bind(new InetSocketAddress(a, 0));
                ch.configureBlocking(false);
                InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
                ch.register(selector, SelectionKey.OP_READ, local);
                channels.put(local, ch);
                iceBuilder.hostAddress(local);
                hostCandidates.add(IceCandidate.host(local, 65535 - i++));
            }
        } catch (IOException e) {
            throw new TransportException(uri, "open: binding UDP sockets on " + owner.hostAddresses() + ": " + e, e);
        }
        List<MediaKind> kinds = new ArrayList<>();
        // Opaque tracks (SFrame whole-frame ciphertext) go in the SFrame RTP payload format, offered with
        // a=sframe (draft-ietf-avtcore-rtp-sframe-02 §6); applyAnswer fails if the server does not accept it.
        Set<MediaKind> sframeKinds = EnumSet.noneOf(MediaKind.class);
        for (TrackInfo t : new TrackInfo[] {videoTrack, audioTrack}) {
            if (t != null) {
                MediaKind k = t.isVideo() ? MediaKind.VIDEO : MediaKind.AUDIO;
                kinds.add(k);
                if (t.isOpaque()) {
                    sframeKinds.add(k);
                }
            }
        }
        SdpNegotiator negotiator = SdpNegotiator.builder().random(random).cname(cname).build();
        LocalTransport local = new LocalTransport(localIce,
                Fingerprint.parse(dtlsContext.certificate().fingerprint().toSdpValue()), hostCandidates, owner.streamId());
        SessionDescription offer = negotiator.createOffer(local, kinds, sframeKinds);
        answer = signaling.publish(offer.toSdp());
        try {
            session = negotiator.applyAnswer(offer, SdpParser.parseDefault(answer.sdp()));
        } catch (SdpParseException | SdpNegotiationException e) {
            throw new TransportException(uri, "SDP answer from " + answer.resource() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new TransportException(uri, "SDP answer from " + answer.resource() + ": " + e, e);
        }
        List<URI> stunUris = new ArrayList<>(owner.stunServers());
        stunUris.addAll(answer.iceServers());
        InetSocketAddress stun = StunServerUri.firstResolvable(stunUris);
        if (stun != null) {
            iceBuilder.stunServer(stun);
        }
        ice = iceBuilder.remoteCredentials(session.remoteIce()).build();
        int usable = 0;
        for (IceCandidate c : session.remoteCandidates()) {
            if (ice.addRemoteCandidate(c)) {
                usable++;
            }
        }
        if (usable == 0) {
            throw new TransportException(uri, "SDP answer from " + answer.resource()
                    + " has no usable UDP ICE candidate (got " + session.remoteCandidates().size()
                    + "; trickle from the server is not supported)");
        }
        DtlsRole role = session.dtlsClient() ? DtlsRole.CLIENT : DtlsRole.SERVER;
        dtls = dtlsContext.newEndpoint(role, session.remoteFingerprint().toString());
        log.info("WHIP {}: session {}, {} remote candidate(s), DTLS {}, ICE-lite peer: {}", uri, answer.resource(),
                usable, role, session.remoteIceLite());
    }

    /** Sends one local candidate to the server (RFC 9725 §4.3, trickle ICE by PATCH); logs the outcome. */
    void trickle(IceCandidate c) {
        String mid = session.media().get(0).mid();
        String frag = "a=ice-ufrag:" + ice.localCredentials().ufrag() + "\r\na=ice-pwd:" + ice.localCredentials().pwd()
                + "\r\nm=" + session.media().get(0).kind().sdpName() + " 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:" + mid
                + "\r\na=candidate:" + c.toSdpValue() + "\r\n";
        log.debug("WHIP {}: trickling {}", uri, c.toSdpValue());
        signaling.patch(answer.resource(), answer.etag(), frag).whenComplete((status, err) ->
                log.debug("WHIP {}: PATCH candidate -> {}", uri, err != null ? err.toString() : status));
    }

    /** DELETEs the session resource once (RFC 9725 §4.5), if one was created. */
    synchronized void deleteQuietly() {
        if (answer != null && !deleted) {
            deleted = true;
            int status = signaling.delete(answer.resource());
            log.debug("WHIP {}: DELETE {} -> {}", uri, answer.resource(), status);
        }
    }

    /** Closes DTLS, ICE, the sockets and the selector. */
    void closeSockets() {
        if (dtls != null) {
            dtls.close();
            io.netty.buffer.ByteBuf b;
            while ((b = dtls.pollTransmit()) != null) {
                b.release();
            }
        }
        if (ice != null) {
            ice.close();
        }
        for (DatagramChannel ch : channels.values()) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        try {
            selector.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
