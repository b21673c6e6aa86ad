package io.sluice.benchmarks.bottleneck;

import io.sluice.benchmarks.bottleneck.RunData.Counter;
import io.sluice.benchmarks.bottleneck.RunData.Flow;
import io.sluice.benchmarks.bottleneck.RunData.QdiscSample;
import io.sluice.benchmarks.bottleneck.RunData.Rate;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * One run's timeline as a PNG (JFreeChart): top, capacity (steps), the rate delivered by and offered to the
 * bottleneck, each publisher's sent rate, estimate and target when it reports them (kbit/s); bottom, the
 * queueing delay at the bottleneck (ms). Time in seconds from the schedule's start.
 */
public final class TimelineChart {
    private TimelineChart() {
    }

    public static void write(RunData d, String title, Path png) throws IOException {
        save(title, png, new XYPlot[] {ratePlot(d, List.of()), queuePlot(d)}, new int[] {3, 1});
    }

    /**
     * The top panel: capacity (steps), the bottleneck's delivered and offered rate (500 ms windows), each flow's
     * sent rate, estimate and target, the TCP flow's rate, then {@code extra} series, kbit/s.
     */
    static XYPlot ratePlot(RunData d, List<XYSeries> extra) {
        CapacitySchedule sch = d.schedule();
        XYSeriesCollection rates = new XYSeriesCollection();
        XYSeries cap = new XYSeries("capacity");
        for (CapacitySchedule.Step s : sch.steps()) {
            cap.add(s.startMs() / 1000.0, s.bps() / 1000.0);
        }
        cap.add(sch.durationMs() / 1000.0, sch.capacityAt(sch.durationMs()) / 1000.0);
        XYSeries delivered = new XYSeries("delivered (bottleneck)");
        XYSeries offered = new XYSeries("offered (bottleneck)");
        for (double t = 250; t <= sch.durationMs(); t += 250) {
            delivered.add(t / 1000, Analysis.deliveredBps(d.qdisc(), t, 500) / 1000);
            offered.add(t / 1000, Analysis.offeredBps(d.qdisc(), t, 500) / 1000);
        }
        rates.addSeries(delivered);
        rates.addSeries(offered);
        for (int i = 0; i < d.flows().size(); i++) {
            Flow f = d.flows().get(i);
            String n = d.flows().size() == 1 ? "" : " " + (i + 1);
            rates.addSeries(counterRate("sent" + n, f.sent));
            if (!f.estimate.isEmpty()) {
                rates.addSeries(rateSeries("estimate" + n, f.estimate));
            }
            if (!f.target.isEmpty()) {
                rates.addSeries(rateSeries("target/encoder" + n, f.target));
            }
        }
        if (!d.tcp().isEmpty()) {
            rates.addSeries(counterRate("TCP received", d.tcp()));
        }
        extra.forEach(rates::addSeries);
        XYSeriesCollection capSet = new XYSeriesCollection(cap);
        NumberAxis rateAxis = new NumberAxis("kbit/s");
        long maxCap = sch.steps().stream().mapToLong(CapacitySchedule.Step::bps).max().orElse(1_000_000);
        rateAxis.setRange(0, maxCap * 2.5 / 1000); // a start-up burst would squash everything else
        XYPlot top = new XYPlot(rates, null, rateAxis, new XYLineAndShapeRenderer(true, false));
        top.setDataset(1, capSet);
        top.setRenderer(1, new XYStepRenderer());
        return top;
    }

    /** The queueing delay at the bottleneck at each qdisc sample: backlog × 8 / capacity, ms. */
    static XYPlot queuePlot(RunData d) {
        XYSeries queue = new XYSeries("queueing delay");
        for (QdiscSample s : d.qdisc()) {
            queue.add(s.tMs() / 1000, s.backlogBytes() * 8_000.0 / d.schedule().capacityAt((long) s.tMs()));
        }
        return new XYPlot(new XYSeriesCollection(queue), null, new NumberAxis("queue ms"), new XYLineAndShapeRenderer(true, false));
    }

    /** Stacks {@code plots} (relative heights {@code weights}) over one time axis in seconds; 1200 × 700 px PNG. */
    static void save(String title, Path png, XYPlot[] plots, int[] weights) throws IOException {
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("s"));
        for (int i = 0; i < plots.length; i++) {
            plot.add(plots[i], weights[i]);
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1200, 700 + 150 * Math.max(0, plots.length - 2));
    }

    static XYSeries counterRate(String name, List<Counter> c) {
        XYSeries s = new XYSeries(name);
        for (int i = 1; i < c.size(); i++) {
            Counter a = c.get(Math.max(0, i - 5));
            Counter b = c.get(i);
            if (b.tMs() > a.tMs() && a.tMs() >= 0) {
                s.add(b.tMs() / 1000, (b.bytes() - a.bytes()) * 8.0 / (b.tMs() - a.tMs()));
            }
        }
        return s;
    }

    private static XYSeries rateSeries(String name, List<Rate> r) {
        XYSeries s = new XYSeries(name);
        for (Rate x : r) {
            if (x.tMs() >= 0) {
                s.add(x.tMs() / 1000, x.bps() / 1000.0);
            }
        }
        return s;
    }
}
