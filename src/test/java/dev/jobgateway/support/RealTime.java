package dev.jobgateway.support;

import java.time.Duration;

/**
 * Lets wall-clock time pass where its span is the point: a process frozen, killed or loaded for that long, a client
 * pacing its retries, a server trickling bytes, a random stagger of two racing calls. None of these spans is measured
 * by a clock the tests control: the gateway's {@code GatewayClock} moves only the gateway's own "now", while Redis
 * expiry, the simulated AI server, other processes, socket timeouts and the OS scheduler keep real time. Every other
 * wait in the tests waits for a condition (Awaitility) or moves the clock; each call here says why it cannot.
 */
public final class RealTime {

    private RealTime() {
    }

    /** Returns after {@code span} of wall-clock time. */
    public static void pass(Duration span) {
        passMillis(span.toMillis());
    }

    /** Returns after {@code millis} of wall-clock time. */
    public static void passMillis(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while letting real time pass", e);
        }
    }
}
