package dev.jobgateway.lambda;

/**
 * One invocation's duration on Lambda's billing clock ({@link RuntimeApiEmulator#invokeTimed}), and what Lambda bills
 * for it: the duration rounded up to the next whole millisecond, with no minimum (1 ms granularity since December
 * 2020; docs/performance.md, "Lambda billed duration", cites AWS).
 */
public record BilledDuration(long durationNanos) {

    private static final long NANOS_PER_MS = 1_000_000L;

    public BilledDuration {
        if (durationNanos < 0) {
            throw new IllegalArgumentException("A duration cannot be negative: " + durationNanos + " ns");
        }
    }

    /** Whole milliseconds, rounded up: 0.3 ms bills 1 ms, 1.0 ms bills 1 ms, 27.55 ms bills 28 ms. */
    public long billedMillis() {
        return (durationNanos + NANOS_PER_MS - 1) / NANOS_PER_MS;
    }

    /** The duration itself, in ms, as the REPORT line's "Duration" gives it. */
    public double durationMillis() {
        return durationNanos / (double) NANOS_PER_MS;
    }
}
