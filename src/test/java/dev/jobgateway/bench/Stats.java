package dev.jobgateway.bench;

import java.util.Arrays;
import java.util.Locale;

/** Percentiles, means and the one number format of the results file. */
final class Stats {

    private Stats() {
    }

    /** Nearest-rank percentile; sorts a copy, so the caller's order does not matter. */
    static double percentile(double[] values, double p) {
        double[] copy = values.clone();
        Arrays.sort(copy);
        int index = (int) Math.ceil(p / 100.0 * copy.length) - 1;
        return copy[Math.max(0, Math.min(copy.length - 1, index))];
    }

    static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    /** Whole numbers from 100 up, two decimals below: enough digits for a figure that noisy. */
    static String fmt(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }
}
