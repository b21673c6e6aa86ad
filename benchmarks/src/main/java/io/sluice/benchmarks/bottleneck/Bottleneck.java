package io.sluice.benchmarks.bottleneck;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A kernel bottleneck between two network namespaces: the sender namespace and the receiver namespace are
 * joined by one veth pair, and the sender side's egress has a {@code tc tbf} qdisc (drop-tail, queue limit
 * expressed as latency at the current rate). The reverse direction (feedback, ACKs) is not shaped.
 *
 * <p>Needs root and iproute2 ({@code ip}, {@code tc}). Names carry the process id and a counter, so parallel
 * runs do not clash; {@link #close()} deletes both namespaces and stops every process started through
 * {@link #exec}, and a shutdown hook does the same if the JVM exits first. No propagation delay is added
 * ({@code netem} is not available on the machines this runs on), so the path RTT is the queueing delay.
 *
 * <p>{@link #fanOut} makes several bottlenecks that share one sender namespace (a star: one server, one veth pair
 * and one tbf per receiver namespace, each pair on its own /24), so that one process in the sender namespace serves
 * receivers that each sit behind their own bottleneck.
 */
public final class Bottleneck implements AutoCloseable {
    /** Sender-side address (the publisher's namespace). */
    public static final String SENDER_IP = "10.203.0.1";
    /** Receiver-side address (the Sluice server's namespace). */
    public static final String RECEIVER_IP = "10.203.0.2";

    private static final AtomicInteger COUNTER = new AtomicInteger();

    public final String senderNs;
    public final String receiverNs;
    public final String senderDev;
    /** This link's sender-side address ({@link #SENDER_IP} unless made by {@link #fanOut}). */
    public final String senderIp;
    /** This link's receiver-side address ({@link #RECEIVER_IP} unless made by {@link #fanOut}). */
    public final String receiverIp;
    /** Whether {@link #close()} deletes the sender namespace (false for all but the first link of a fan-out). */
    private final boolean ownsSenderNs;
    private final long queueLatencyMs;
    private final long burstBytes;
    private final List<Process> processes = new ArrayList<>();
    private final Thread hook;
    private volatile long rateBps;
    private Process tc;
    private java.io.Writer tcIn;
    private BufferedReader tcOut;
    private boolean closed;

    /**
     * Creates both namespaces and the shaped link.
     *
     * @param initialRateBps  tbf rate in bit/s
     * @param queueLatencyMs  tbf {@code latency} (drop-tail queue limit as time at the current rate), ms
     * @throws IOException if a command fails (not root, no iproute2): the message names the command
     */
    public Bottleneck(long initialRateBps, long queueLatencyMs) throws IOException {
        this(null, -1, initialRateBps, queueLatencyMs);
    }

    /**
     * One link of a fan-out: {@code sharedSenderNs} null creates the sender namespace (owned, deleted by
     * {@link #close()}); {@code index} &ge; 0 names the sender-side device {@code bns<index>} and puts the pair
     * on 10.204.{@code index}.0/24, -1 is the single link ({@code bns}, {@link #SENDER_IP}).
     */
    private Bottleneck(String sharedSenderNs, int index, long initialRateBps, long queueLatencyMs) throws IOException {
        String id = ProcessHandle.current().pid() + "x" + COUNTER.incrementAndGet();
        this.ownsSenderNs = sharedSenderNs == null;
        this.senderNs = sharedSenderNs != null ? sharedSenderNs : "sluice-bs" + id;
        this.receiverNs = "sluice-br" + id;
        this.senderDev = index < 0 ? "bns" : "bns" + index;
        this.senderIp = index < 0 ? SENDER_IP : "10.204." + index + ".1";
        this.receiverIp = index < 0 ? RECEIVER_IP : "10.204." + index + ".2";
        this.queueLatencyMs = queueLatencyMs;
        this.burstBytes = 5_000; // a few MTUs: enough for tbf at these rates, small enough not to hide the queue
        this.hook = new Thread(this::close, "bottleneck-cleanup-" + id);
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            if (ownsSenderNs) {
                run("ip", "netns", "add", senderNs);
            }
            run("ip", "netns", "add", receiverNs);
            run("ip", "link", "add", senderDev, "netns", senderNs, "type", "veth", "peer", "name", "bnr", "netns", receiverNs);
            run("ip", "-n", senderNs, "addr", "add", senderIp + "/24", "dev", senderDev);
            run("ip", "-n", receiverNs, "addr", "add", receiverIp + "/24", "dev", "bnr");
            // No GSO/TSO through the bottleneck: tbf would queue a TCP super-packet as one but count each of its
            // segments when it drops it, inflating TCP's loss figure; one MTU-sized packet per skb is what a
            // real link carries and makes loss = segments dropped / segments offered for TCP as for RTP.
            for (String[] nsDev : new String[][] {{senderNs, senderDev}, {receiverNs, "bnr"}}) {
                run("ip", "-n", nsDev[0], "link", "set", "dev", nsDev[1], "gso_max_segs", "1", "gso_max_size", "1500");
            }
            for (String[] nsDev : new String[][] {{senderNs, senderDev}, {receiverNs, "bnr"}, {senderNs, "lo"}, {receiverNs, "lo"}}) {
                run("ip", "-n", nsDev[0], "link", "set", nsDev[1], "up");
            }
            run("tc", "-n", senderNs, "qdisc", "add", "dev", senderDev, "root", "tbf", "rate", initialRateBps + "bit",
                    "burst", String.valueOf(burstBytes), "latency", queueLatencyMs + "ms");
            this.rateBps = initialRateBps;
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * {@code ratesBps.length} bottlenecks from one sender namespace (created by the first, which owns it) to one
     * receiver namespace each: link {@code i} is {@code bns<i>} (10.204.i.1) → {@code bnr} (10.204.i.2) with its own
     * tbf at {@code ratesBps[i]}. A receiver reaches the sender only over its own link (no other routes), so a server
     * bound to the wildcard address in the sender namespace serves each receiver through that receiver's bottleneck.
     * Close them with {@link #closeAll} (the first last: deleting its namespace takes every link's sender side).
     *
     * @param ratesBps       tbf rate of each link, bit/s (1..200 links)
     * @param queueLatencyMs tbf {@code latency} of every link, ms
     * @throws IOException if a command fails; the links made so far are closed
     */
    public static List<Bottleneck> fanOut(long[] ratesBps, long queueLatencyMs) throws IOException {
        if (ratesBps.length < 1 || ratesBps.length > 200) {
            throw new IllegalArgumentException("links: " + ratesBps.length + " (expected: 1..200)");
        }
        List<Bottleneck> links = new ArrayList<>();
        try {
            for (int i = 0; i < ratesBps.length; i++) {
                links.add(new Bottleneck(i == 0 ? null : links.get(0).senderNs, i, ratesBps[i], queueLatencyMs));
            }
        } catch (IOException | RuntimeException e) {
            closeAll(links);
            throw e;
        }
        return links;
    }

    /** Closes {@code links} (from {@link #fanOut}) last to first; idempotent. */
    public static void closeAll(List<Bottleneck> links) {
        for (int i = links.size() - 1; i >= 0; i--) {
            links.get(i).close();
        }
    }

    /**
     * Changes the tbf rate ({@code tc qdisc change}); the queue limit follows (same latency at the new rate). The
     * packets already queued stay (tbf resizes its fifo, it does not flush it).
     */
    public synchronized void setRate(long bps) throws IOException {
        batch("qdisc change dev " + senderDev + " root tbf rate " + bps + "bit burst " + burstBytes + " latency "
                + queueLatencyMs + "ms");
        rateBps = bps;
    }

    /** The tbf rate last set, bit/s. */
    public long rateBps() {
        return rateBps;
    }

    /**
     * One {@code tc -s -j qdisc show} of the bottleneck qdisc, as JSON text (one line). Goes through one
     * long-lived {@code tc -batch} process: spawning tc for each sample takes 50–500 ms on a loaded machine,
     * a batch command well under 1 ms.
     */
    public synchronized String qdiscJson() throws IOException {
        batch("qdisc show dev " + senderDev);
        String line = tcOut.readLine();
        if (line == null) {
            throw new IOException("tc -batch ended");
        }
        return line;
    }

    private void batch(String command) throws IOException {
        if (closed) {
            throw new IOException("bottleneck closed");
        }
        if (tc == null) {
            tc = new ProcessBuilder("tc", "-n", senderNs, "-s", "-j", "-force", "-batch", "-")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            tcIn = new java.io.OutputStreamWriter(tc.getOutputStream(), StandardCharsets.UTF_8);
            tcOut = new BufferedReader(new InputStreamReader(tc.getInputStream(), StandardCharsets.UTF_8));
        }
        tcIn.write(command + "\n");
        tcIn.flush();
    }

    /**
     * Starts a process inside a namespace ({@code ip netns exec}); it is destroyed by {@link #close()}.
     *
     * @param stderrLog where its stderr goes (appended)
     */
    public synchronized Process exec(String ns, Path stderrLog, List<String> command) throws IOException {
        if (closed) {
            throw new IOException("bottleneck closed");
        }
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.addAll(command);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(stderrLog.toFile())).start();
        processes.add(p);
        return p;
    }

    /** Runs a command to completion and returns its stdout; a non-zero exit is an IOException naming it. */
    static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            StringBuilder sb = new StringBuilder();
            String line;
            while ((line = r.readLine()) != null) {
                sb.append(line).append('\n');
            }
            out = sb.toString();
        }
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("failed (exit " + p.exitValue() + "): " + String.join(" ", cmd) + ": " + out.strip());
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (tc != null) {
            tc.destroy();
        }
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String ns : ownsSenderNs ? new String[] {senderNs, receiverNs} : new String[] {receiverNs}) {
            try {
                run("ip", "netns", "del", ns);
            } catch (IOException ignored) {
                // not created (setup failed early) or already gone
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // running inside the hook
        }
    }
}
