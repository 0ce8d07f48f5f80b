package dev.infuse.study;

import dev.infuse.spi.InfuseException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.awt.geom.Rectangle2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/** The study's charts, rendered headless as PNG and SVG with JFreeChart and JFreeSVG. */
final class Charts {
    static final int WIDTH = 720;
    static final int HEIGHT = 400;
    // Colour-blind-safe palette (Okabe & Ito).
    private static final Color[] PALETTE = {new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
        new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xD55E00), new Color(0xF0E442), new Color(0x000000)};

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Charts() {}

    /**
     * A rendered chart.
     *
     * @param name file name without extension
     * @param title its title
     * @param svgDocument a standalone SVG file
     * @param svgElement the same as an {@code <svg>} element for inline HTML
     * @param png the PNG bytes
     */
    record Chart(String name, String title, String svgDocument, String svgElement, byte[] png) {}

    /** Bars of each method's mean score on one task, with ± one standard deviation as error bars. */
    static Chart scores(String task, String metric, List<StudyResults.Summary> rows, List<String> methods) {
        return scores(task, metric, rows, methods, "mean ± std over seeds");
    }

    /** The same with the error bars' meaning in the title (e.g. half the 95% item-level interval for one seed). */
    static Chart scores(String task, String metric, List<StudyResults.Summary> rows, List<String> methods, String errors) {
        DefaultStatisticalCategoryDataset ds = new DefaultStatisticalCategoryDataset();
        for (StudyResults.Summary s : rows) {
            if (s.n() > 0) {
                ds.add(100 * s.mean(), 100 * s.std(), s.method(), task);
            }
        }
        String title = task + ": " + metric + " (" + errors + ")";
        JFreeChart chart = ChartFactory.createBarChart(title, "", metric + " (points)", ds, PlotOrientation.VERTICAL,
                true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        StatisticalBarRenderer r = new StatisticalBarRenderer();
        r.setBarPainter(new StandardBarPainter());
        r.setShadowVisible(false);
        r.setErrorIndicatorPaint(Color.BLACK);
        r.setItemMargin(0.05);
        for (int i = 0; i < ds.getRowCount(); i++) {
            r.setSeriesPaint(i, color(methods.indexOf((String) ds.getRowKey(i))));
        }
        plot.setRenderer(r);
        style(chart);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(true);
        return render("scores-" + task, title, chart);
    }

    /**
     * Each comparison's Δ (points) as a dot with its 95% bootstrap interval as a bar, and a line at
     * zero: an interval that crosses the line is not a difference the dev set can tell from noise.
     */
    static Chart deltas(String task, String metric, List<String> labels, List<dev.infuse.stats.Comparison> comparisons) {
        int n = labels.size();
        double[][] starts = new double[1][n];
        double[][] ends = new double[1][n];
        org.jfree.data.category.DefaultCategoryDataset points = new org.jfree.data.category.DefaultCategoryDataset();
        String[] keys = labels.toArray(new String[0]);
        for (int i = 0; i < n; i++) {
            dev.infuse.stats.Comparison c = comparisons.get(i);
            starts[0][i] = 100 * c.low();
            ends[0][i] = 100 * c.high();
            points.addValue(100 * c.delta(), "Δ", keys[i]);
        }
        org.jfree.data.category.DefaultIntervalCategoryDataset intervals = new org.jfree.data.category.DefaultIntervalCategoryDataset(
                new String[] {"95% interval"}, keys, toNumbers(starts), toNumbers(ends));
        String title = task + ": Δ " + metric + " with 95% paired-bootstrap intervals";
        org.jfree.chart.axis.CategoryAxis domain = new org.jfree.chart.axis.CategoryAxis("");
        NumberAxis range = new NumberAxis("Δ " + metric + " (points)");
        org.jfree.chart.renderer.category.IntervalBarRenderer bars = new org.jfree.chart.renderer.category.IntervalBarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setSeriesPaint(0, new Color(0x56B4E9));
        bars.setMaximumBarWidth(0.25);
        CategoryPlot plot = new CategoryPlot(intervals, domain, range, bars);
        plot.setOrientation(PlotOrientation.HORIZONTAL);
        org.jfree.chart.renderer.category.LineAndShapeRenderer dots = new org.jfree.chart.renderer.category.LineAndShapeRenderer(false, true);
        dots.setSeriesPaint(0, Color.BLACK);
        plot.setDataset(1, points);
        plot.setRenderer(1, dots);
        plot.setDatasetRenderingOrder(org.jfree.chart.plot.DatasetRenderingOrder.FORWARD);
        plot.addRangeMarker(new org.jfree.chart.plot.ValueMarker(0, Color.GRAY, new BasicStroke(1.5f)));
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        style(chart);
        return render("deltas-" + task, title, chart);
    }

    private static Number[][] toNumbers(double[][] v) {
        Number[][] out = new Number[v.length][];
        for (int i = 0; i < v.length; i++) {
            out[i] = new Number[v[i].length];
            for (int j = 0; j < v[i].length; j++) {
                out[i][j] = v[i][j];
            }
        }
        return out;
    }

    /** The compared metric on the development split after each epoch, averaged over seeds, per method. */
    static Chart curves(String task, String metric, Map<String, double[]> meanCurves, List<String> methods) {
        XYSeriesCollection ds = new XYSeriesCollection();
        for (Map.Entry<String, double[]> e : meanCurves.entrySet()) {
            XYSeries s = new XYSeries(e.getKey());
            double[] c = e.getValue();
            for (int i = 0; i < c.length; i++) {
                if (Double.isFinite(c[i])) {
                    s.add(i + 1, 100 * c[i]);
                }
            }
            ds.addSeries(s);
        }
        String title = task + ": development " + metric + " per epoch (mean over seeds)";
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", metric + " (points)", ds, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < ds.getSeriesCount(); i++) {
            r.setSeriesPaint(i, color(methods.indexOf((String) ds.getSeriesKey(i))));
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        plot.setRenderer(r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xDDDDDD));
        plot.setDomainGridlinePaint(new Color(0xDDDDDD));
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberAxis range = (NumberAxis) plot.getRangeAxis();
        range.setAutoRangeIncludesZero(false);
        // Flat curves (a tiny data set, a frozen run) would otherwise get a range of 1e-12 and unreadable ticks.
        range.setAutoRangeMinimumSize(2.0);
        range.setNumberFormatOverride(new java.text.DecimalFormat("0.#"));
        style(chart);
        return render("curves-" + task, title, chart);
    }

    private static Paint color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    private static void style(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
    }

    private static Chart render(String name, String title, JFreeChart chart) {
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        // Several charts share one HTML page: their clip-path ids must not collide.
        g.setDefsKeyPrefix(name.replaceAll("[^A-Za-z0-9_-]", "_") + "-");
        chart.draw(g, new Rectangle2D.Double(0, 0, WIDTH, HEIGHT));
        String id = "chart-" + name.replaceAll("[^A-Za-z0-9_-]", "_");
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new InfuseException("artifact-io", "cannot render chart " + name + " as PNG: " + e.getMessage(), e);
        }
        return new Chart(name, title, g.getSVGDocument(), g.getSVGElement(id), png.toByteArray());
    }
}
