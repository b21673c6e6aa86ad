package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.BottleneckRun.Publisher;
import io.sluice.benchmarks.bottleneck.BottleneckRun.Result;
import io.sluice.benchmarks.bottleneck.BottleneckRun.Scenario;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs bottleneck scenarios × publishers and writes {@code figures.md}, {@code figures.json}, one timeline PNG
 * and one log per run into a results directory.
 *
 * <p>Usage (root, iproute2, ffmpeg, chromium + chromium-driver):
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.sluice.benchmarks.bottleneck.BottleneckBench \
 *     [--out results/bottleneck] [--scenarios 5.1,5.2,5.6,mahimahi,cooked] [--publishers whip,rtmp,chromium] \
 *     [--duration-s 60] [--clip ../shared/media/friday_640x480_6s_h264_aac.mp4] [--shared ../shared]
 * }</pre>
 */
public final class BottleneckBench {
    private BottleneckBench() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of("results/bottleneck");
        Path shared = Path.of("../shared");
        String scenarios = "5.1";
        String publishers = "whip,rtmp,chromium";
        long durationS = 60;
        String clip = null;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--out" -> out = Path.of(args[i + 1]);
                case "--scenarios" -> scenarios = args[i + 1];
                case "--publishers" -> publishers = args[i + 1];
                case "--duration-s" -> durationS = Long.parseLong(args[i + 1]);
                case "--clip" -> clip = args[i + 1];
                case "--shared" -> shared = Path.of(args[i + 1]);
                default -> {
                    System.err.println("bottleneck: unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Path source = clip != null ? Path.of(clip) : shared.resolve("media/friday_640x480_6s_h264_aac.mp4");
        BottleneckRun.Media media = BottleneckRun.Media.prepare(source, out.resolve("inputs"), durationS + 120);
        BottleneckRun runner = new BottleneckRun(media, out);
        List<Result> results = new ArrayList<>();
        for (Scenario sc : scenarios(scenarios, durationS * 1000, shared)) {
            for (String p : publishers.split(",")) {
                Publisher pub = Publisher.valueOf(p.strip().toUpperCase());
                System.out.println("bottleneck: " + sc.name() + " / " + pub + " (" + durationS + " s)");
                try {
                    Result r = runner.run(sc, pub);
                    results.add(r);
                    System.out.println("  " + r.figures());
                } catch (IOException e) {
                    System.out.println("  failed: " + e.getMessage());
                }
                writeFigures(out, results);
            }
        }
    }

    /** The named scenarios: 5.1, 5.2, 5.6, mahimahi (ATT-LTE uplink), cooked (a Norway HSDPA trace). */
    static List<Scenario> scenarios(String names, long durationMs, Path shared) throws IOException {
        List<Scenario> l = new ArrayList<>();
        for (String n : names.split(",")) {
            switch (n.strip()) {
                case "5.1" -> l.add(new Scenario("rfc8867-5.1", CapacitySchedule.rfc8867VariableCapacity(durationMs), 1, false));
                case "5.2" -> l.add(new Scenario("rfc8867-5.2", CapacitySchedule.rfc8867MultipleFlows(durationMs), 2, false));
                case "5.6" -> l.add(new Scenario("rfc8867-5.6", CapacitySchedule.rfc8867LongTcp(durationMs), 1, true));
                case "mahimahi" -> l.add(new Scenario("mahimahi-att-lte-up", CapacitySchedule.mahimahi(
                        shared.resolve("traces/mahimahi/ATT-LTE-driving-2016.up"), 0, durationMs, 500, 200_000), 1, false));
                case "cooked" -> l.add(new Scenario("norway-bus-1", CapacitySchedule.cooked(
                        shared.resolve("traces/pensieve/cooked_test_traces/norway_bus_1"), 0, durationMs, 200_000), 1, false));
                default -> throw new IllegalArgumentException("unknown scenario " + n + " (5.1, 5.2, 5.6, mahimahi, cooked)");
            }
        }
        return l;
    }

    static void writeFigures(Path out, List<Result> results) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Result r : results) {
            Map<String, String> labels = new java.util.LinkedHashMap<>();
            labels.put("scenario", r.scenario().name());
            labels.put("publisher", r.publisher().toString());
            rows.add(new Row(labels, r.figures(), r.plot()));
        }
        writeRows(out, rows);
    }

    /**
     * One row of {@code figures.md} / {@code figures.json}.
     *
     * @param labels  the row's label columns in order (name → value), e.g. scenario and publisher
     * @param figures its figures (numbers, lists, text)
     * @param plot    its timeline PNG (only the file name is written)
     */
    record Row(Map<String, String> labels, Map<String, Object> figures, Path plot) {
    }

    /**
     * Writes {@code figures.md} (one table: the label columns, every figure key seen in any row, the plot) and
     * {@code figures.json} (an array with one object per row) into {@code out}, replacing both.
     */
    static void writeRows(Path out, List<Row> rows) throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        rows.forEach(r -> keys.addAll(r.figures().keySet()));
        List<String> labelNames = rows.isEmpty() ? List.of() : List.copyOf(rows.get(0).labels().keySet());
        StringBuilder md = new StringBuilder("| ");
        labelNames.forEach(n -> md.append(n).append(" | "));
        md.append(String.join(" | ", keys)).append(" | plot |\n|");
        labelNames.forEach(n -> md.append("---|"));
        keys.forEach(k -> md.append("---|"));
        md.append("---|\n");
        StringBuilder json = new StringBuilder("[\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            md.append('|');
            json.append("  {");
            for (Map.Entry<String, String> l : r.labels().entrySet()) {
                md.append(' ').append(l.getValue()).append(" |");
                json.append('"').append(l.getKey()).append("\": \"").append(l.getValue()).append("\", ");
            }
            for (String k : keys) {
                md.append(' ').append(r.figures().getOrDefault(k, "")).append(" |");
            }
            md.append(' ').append(r.plot().getFileName()).append(" |\n");
            json.append("\"plot\": \"").append(r.plot().getFileName()).append('"');
            for (Map.Entry<String, Object> e : r.figures().entrySet()) {
                Object v = e.getValue();
                json.append(", \"").append(e.getKey()).append("\": ")
                        .append(v instanceof Number || v instanceof List ? v.toString() : "\"" + v + "\"");
            }
            json.append(i + 1 < rows.size() ? "},\n" : "}\n");
        }
        json.append("]\n");
        Files.writeString(out.resolve("figures.md"), md, StandardCharsets.UTF_8);
        Files.writeString(out.resolve("figures.json"), json, StandardCharsets.UTF_8);
    }
}
