package io.sluice.webrtc.rtp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Minimal classic-pcap reader (little-endian v2.4, linktype 1 Ethernet, IPv4, UDP): returns UDP payloads. */
final class Pcap {
    record UdpPacket(long timeUs, byte[] payload) {
    }

    static Path sharedDir() {
        String dir = System.getProperty("sluice.shared.dir", "/work/shared");
        return Path.of(dir);
    }

    static List<UdpPacket> readUdp(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0xa1b2c3d4) {
            throw new IOException("not a little-endian microsecond pcap: magic " + Integer.toHexString(b.getInt(0)));
        }
        if (b.getInt(20) != 1) {
            throw new IOException("linktype " + b.getInt(20) + " (expected: 1 Ethernet)");
        }
        List<UdpPacket> out = new ArrayList<>();
        int o = 24;
        while (o + 16 <= b.limit()) {
            long sec = b.getInt(o) & 0xFFFFFFFFL;
            long usec = b.getInt(o + 4) & 0xFFFFFFFFL;
            int incl = b.getInt(o + 8);
            int f = o + 16;
            o = f + incl;
            int etherType = ((b.get(f + 12) & 0xFF) << 8) | (b.get(f + 13) & 0xFF);
            if (etherType != 0x0800) {
                continue;
            }
            int ip = f + 14;
            int ihl = (b.get(ip) & 0x0F) * 4;
            if (b.get(ip + 9) != 17) {
                continue;
            }
            int udp = ip + ihl;
            int udpLen = ((b.get(udp + 4) & 0xFF) << 8) | (b.get(udp + 5) & 0xFF);
            byte[] payload = new byte[udpLen - 8];
            b.get(udp + 8, payload);
            out.add(new UdpPacket(sec * 1_000_000 + usec, payload));
        }
        return out;
    }
}
