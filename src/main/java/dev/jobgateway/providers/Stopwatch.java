package dev.jobgateway.providers;

import java.util.concurrent.TimeUnit;

/** The time a provider call (or a hand-off's attempts together) took, for the timeline's {@code latency_ms}. */
public final class Stopwatch {

    private final long startedNanos;

    private Stopwatch(long startedNanos) {
        this.startedNanos = startedNanos;
    }

    public static Stopwatch start() {
        return new Stopwatch(System.nanoTime());
    }

    /** Milliseconds since {@link #start()}. */
    public long elapsedMs() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
