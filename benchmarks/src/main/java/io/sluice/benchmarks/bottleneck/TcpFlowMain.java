package io.sluice.benchmarks.bottleneck;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A long-lived bulk TCP flow (RFC 8867 §5.6's competing flow, in place of iperf3): {@code sink <bindIp> <port>}
 * in the receiver namespace reads and prints {@code T <nanoTime> <bytes received>} every 100 ms;
 * {@code send <ip> <port>} in the sender namespace writes as fast as TCP lets it (the kernel's default
 * congestion control, CUBIC on Debian) until killed.
 */
public final class TcpFlowMain {
    private TcpFlowMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("sink")) {
            try (ServerSocket ss = new ServerSocket()) {
                ss.bind(new InetSocketAddress(args[1], Integer.parseInt(args[2])));
                System.out.println("READY");
                System.out.flush();
                try (Socket s = ss.accept(); InputStream in = s.getInputStream()) {
                    PrintStream out = System.out;
                    byte[] buf = new byte[65536];
                    long total = 0;
                    long next = System.nanoTime();
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        total += n;
                        long now = System.nanoTime();
                        if (now >= next) {
                            out.println("T " + now + " " + total);
                            out.flush();
                            next = now + 100_000_000L;
                        }
                    }
                }
            }
        } else {
            try (Socket s = new Socket(args[1], Integer.parseInt(args[2])); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16384];
                while (true) {
                    out.write(buf);
                }
            }
        }
    }
}
