package dev.jobgateway.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of one run and the raw output of the tools that produced them. Figures keep the order they were
 * measured in, because the results file lists them in that order.
 */
final class Results {

    /** What a distribution without samples reads as. */
    static final String NO_SAMPLES = "no samples";

    private final Map<String, String> figures = new LinkedHashMap<>();
    private final StringBuilder toolOutput = new StringBuilder();
    private final StringBuilder profiles = new StringBuilder();

    void put(String name, String value) {
        figures.put(name, value);
    }

    String get(String name) {
        return figures.get(name);
    }

    /**
     * A figure read back as a number: ratios are stored with an {@code x} suffix; a missing figure, or one that is
     * not a number ({@link #NO_SAMPLES}), is NaN.
     */
    double number(String name) {
        String value = figures.get(name);
        if (value == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(value.replace("x", "").trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** p50, p95, p99, max and mean of one set of samples, as {@code <name>_p50} and so on. */
    void putDistribution(String name, double[] sorted) {
        if (sorted.length == 0) {
            figures.put(name, NO_SAMPLES);
            return;
        }
        figures.put(name + "_p50", Stats.fmt(Stats.percentile(sorted, 50)));
        figures.put(name + "_p95", Stats.fmt(Stats.percentile(sorted, 95)));
        figures.put(name + "_p99", Stats.fmt(Stats.percentile(sorted, 99)));
        figures.put(name + "_max", Stats.fmt(sorted[sorted.length - 1]));
        figures.put(name + "_mean", Stats.fmt(Stats.mean(sorted)));
    }

    /** Keeps a tool's command line and output for the file's last section, so every figure can be checked. */
    void addToolOutput(List<String> command, String out) {
        toolOutput.append("\n```\n$ ").append(String.join(" ", command)).append('\n').append(out.strip())
                .append("\n```\n");
    }

    /** A profile summary (markdown, from {@link Profiler}) for the file's "Profiles" section. */
    void addProfile(String markdown) {
        profiles.append(markdown);
    }

    String profiles() {
        return profiles.toString();
    }

    Map<String, String> figures() {
        return Collections.unmodifiableMap(figures);
    }

    String toolOutput() {
        return toolOutput.toString();
    }
}
