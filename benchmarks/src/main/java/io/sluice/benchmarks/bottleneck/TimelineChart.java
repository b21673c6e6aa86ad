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
        CapacitySchedule sch = d.schedule();
        XYSeriesCollection rates = new XYSeriesCollection();
        XYSeries cap = new XYSeries("capacity");
        for (CapacitySchedule.Step s : sch.steps()) {
            cap.add(s.startMs() / 1000.0, s.bps() / 1000.0);
        }
        cap.add(sch.durationMs() / 1000.0, sch.capacityAt(sch.durationMs()) / 1000.0);
        XYSeries delivered = new XYSeries("delivered (bottleneck)");
        XYSeries offered = new XYSeries("offered (bottleneck)");
        XYSeries queue = new XYSeries("queueing delay");
        for (double t = 250; t <= sch.durationMs(); t += 250) {
            delivered.add(t / 1000, Analysis.deliveredBps(d.qdisc(), t, 500) / 1000);
            offered.add(t / 1000, Analysis.offeredBps(d.qdisc(), t, 500) / 1000);
        }
        for (QdiscSample s : d.qdisc()) {
            queue.add(s.tMs() / 1000, s.backlogBytes() * 8_000.0 / sch.capacityAt((long) s.tMs()));
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
        XYSeriesCollection capSet = new XYSeriesCollection(cap);
        NumberAxis rateAxis = new NumberAxis("kbit/s");
        long maxCap = sch.steps().stream().mapToLong(CapacitySchedule.Step::bps).max().orElse(1_000_000);
        rateAxis.setRange(0, maxCap * 2.5 / 1000); // a start-up burst would squash everything else
        XYPlot top = new XYPlot(rates, null, rateAxis, new XYLineAndShapeRenderer(true, false));
        top.setDataset(1, capSet);
        top.setRenderer(1, new XYStepRenderer());
        XYPlot bottom = new XYPlot(new XYSeriesCollection(queue), null, new NumberAxis("queue ms"),
                new XYLineAndShapeRenderer(true, false));
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("s"));
        plot.add(top, 3);
        plot.add(bottom, 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1200, 700);
    }

    private static XYSeries counterRate(String name, List<Counter> c) {
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
