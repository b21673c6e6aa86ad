package io.sluice.benchmarks.bottleneck;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything recorded during one run, times in ms from the schedule's start (t0).
 *
 * @param schedule capacity schedule
 * @param qdisc    bottleneck samples
 * @param flows    one per media flow
 * @param tcp      cumulative bytes of the competing TCP flow at the receiver (empty without one)
 */
public record RunData(CapacitySchedule schedule, List<QdiscSample> qdisc, List<Flow> flows, List<Counter> tcp) {

    /**
     * Writes the raw series as CSV next to the figures: {@code <id>-qdisc.csv} (t_ms, bytes, packets, drops,
     * backlog_bytes, capacity_bps), {@code <id>-frames.csv} (flow, t_ms, video, pts_us, key, bytes) and
     * {@code <id>-sender.csv} (flow, t_ms, kind sent|estimate|target, value: bytes or bit/s).
     */
    public void writeCsv(Path dir, String id) throws IOException {
        writeQdiscCsv(dir, id);
        StringBuilder fr = new StringBuilder("flow,t_ms,video,pts_us,key,bytes\n");
        StringBuilder se = new StringBuilder("flow,t_ms,kind,value\n");
        for (int i = 0; i < flows.size(); i++) {
            Flow f = flows.get(i);
            for (Frame x : f.frames) {
                fr.append(String.format("%d,%.1f,%d,%d,%d,%d%n", i + 1, x.tMs(), x.video() ? 1 : 0, x.ptsUs(), x.keyframe() ? 1 : 0,
                        x.bytes()));
            }
            f.sent.forEach(x -> se.append(String.format("%d,%.1f,sent,%d%n", flows.indexOf(f) + 1, x.tMs(), x.bytes())));
            f.estimate.forEach(x -> se.append(String.format("%d,%.1f,estimate,%d%n", flows.indexOf(f) + 1, x.tMs(), x.bps())));
            f.target.forEach(x -> se.append(String.format("%d,%.1f,target,%d%n", flows.indexOf(f) + 1, x.tMs(), x.bps())));
        }
        tcp.forEach(x -> se.append(String.format("0,%.1f,tcp_received,%d%n", x.tMs(), x.bytes())));
        Files.writeString(dir.resolve(id + "-frames.csv"), fr, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve(id + "-sender.csv"), se, StandardCharsets.UTF_8);
    }

    /** Writes {@code <id>-qdisc.csv} (t_ms, bytes, packets, drops, backlog_bytes, capacity_bps) alone. */
    public void writeQdiscCsv(Path dir, String id) throws IOException {
        StringBuilder q = new StringBuilder("t_ms,bytes,packets,drops,backlog_bytes,capacity_bps\n");
        for (QdiscSample x : qdisc) {
            q.append(String.format("%.1f,%d,%d,%d,%d,%d%n", x.tMs(), x.bytes(), x.packets(), x.drops(), x.backlogBytes(),
                    schedule.capacityAt((long) x.tMs())));
        }
        Files.writeString(dir.resolve(id + "-qdisc.csv"), q, StandardCharsets.UTF_8);
    }

    /** One {@code tc -s qdisc} reading: cumulative bytes/packets dequeued, packets dropped, backlog now. */
    public record QdiscSample(double tMs, long bytes, long packets, long drops, long backlogBytes) {
    }

    /** A cumulative byte counter read at {@code tMs}. */
    public record Counter(double tMs, long bytes) {
    }

    /** A rate reading (bit/s) at {@code tMs}. */
    public record Rate(double tMs, long bps) {
    }

    /** One frame at the receiver. */
    public record Frame(double tMs, boolean video, long ptsUs, boolean keyframe, int bytes) {
    }

    /** A video frame handed from the publisher's encoder to its transport at {@code tMs}: its PTS, µs, and size. */
    public record Handoff(double tMs, long ptsUs, int bytes) {
    }

    /** One media flow: the publisher's counters and what the receiver got. */
    public static final class Flow {
        public final String stream;
        public final List<Counter> sent = new ArrayList<>();
        public final List<Rate> estimate = new ArrayList<>();
        public final List<Rate> target = new ArrayList<>();
        public final List<Frame> frames = new ArrayList<>();
        /** Video frames as the encoder handed them to the transport (Sluice publishers only). */
        public final List<Handoff> handoffs = new ArrayList<>();
        public final List<String> notes = new ArrayList<>();

        public Flow(String stream) {
            this.stream = stream;
        }
    }
}
