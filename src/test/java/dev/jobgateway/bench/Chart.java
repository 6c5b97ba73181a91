package dev.jobgateway.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A small SVG of cumulative distributions on a log-scaled x axis: no plotting library needed. */
final class Chart {

    private static final List<String> COLOURS = List.of("#1b9e77", "#d95f02", "#7570b3", "#e7298a");
    private static final int WIDTH = 760;
    private static final int HEIGHT = 420;
    private static final int LEFT = 60;
    private static final int BOTTOM = 50;
    private static final int TOP = 40;
    private static final int RIGHT = 20;

    private Chart() {
    }

    static String cdf(String title, Map<String, double[]> series) {
        double min = 0.1;
        double max = 10_000;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">%s</text>%n", LEFT, title));
        for (double tick = min; tick <= max; tick *= 10) {
            double x = x(tick, min, max);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
                            + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, TOP, x, HEIGHT - BOTTOM, x, HEIGHT - BOTTOM + 18,
                    tick < 1 ? "0.1" : Long.toString((long) tick)));
        }
        for (int p = 0; p <= 100; p += 25) {
            double y = y(p / 100.0);
            svg.append(String.format(Locale.ROOT,
                    "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                            + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>%n",
                    LEFT, y, WIDTH - RIGHT, y, LEFT - 6, y + 4, p));
        }
        int i = 0;
        for (Map.Entry<String, double[]> entry : new TreeMap<>(series).entrySet()) {
            String colour = COLOURS.get(i % COLOURS.size());
            double[] values = entry.getValue().clone();
            java.util.Arrays.sort(values);
            StringBuilder points = new StringBuilder();
            for (int k = 0; k < values.length; k++) {
                double v = Math.max(min, Math.min(max, values[k]));
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(v, min, max), y((k + 1.0) / values.length)));
            }
            svg.append(String.format(Locale.ROOT,
                    "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", colour, points));
            svg.append(String.format(Locale.ROOT,
                    "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    LEFT + 10, TOP + 10 + i * 18, colour, LEFT + 28, TOP + 21 + i * 18, entry.getKey()));
            i++;
        }
        svg.append(String.format(Locale.ROOT,
                "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">milliseconds from completion to the client seeing it</text>%n",
                (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 10));
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double x(double value, double min, double max) {
        double fraction = (Math.log10(value) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
        return LEFT + fraction * (WIDTH - LEFT - RIGHT);
    }

    private static double y(double fraction) {
        return HEIGHT - BOTTOM - fraction * (HEIGHT - BOTTOM - TOP);
    }
}
