package dev.jobgateway.platform;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

/**
 * Logs refused requests at most once per interval per reason, with how many were refused since: a flood of bad keys
 * or forged webhooks must not turn into a flood of log lines (on Lambda every line is paid for). Reasons are a small
 * fixed vocabulary (problem types, verification failures), never anything a caller chose.
 */
public final class RejectionLog {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final ConcurrentHashMap<String, Window> WINDOWS = new ConcurrentHashMap<>();

    private RejectionLog() {
    }

    /** Logs {@code message} at INFO unless a line for {@code reason} was written within the interval. */
    public static void info(Logger log, String reason, String message) {
        Window window = WINDOWS.computeIfAbsent(reason, r -> new Window());
        long suppressed = window.admit(System.nanoTime());
        if (suppressed >= 0) {
            if (suppressed == 0) {
                log.info(message);
            } else {
                log.infof("%s (and %d more like it in the last %d s)", message, suppressed,
                        TimeUnit.NANOSECONDS.toSeconds(INTERVAL_NANOS));
            }
        }
    }

    private static final class Window {
        private final AtomicLong suppressed = new AtomicLong();
        private volatile long lastLoggedNanos;
        private volatile boolean logged;

        /**
         * How many were suppressed since the last line if this one is to be logged, else -1. A refusal within the
         * interval only counts, without taking the lock: under a flood, every event loop thread comes here.
         */
        long admit(long now) {
            if (logged && now - lastLoggedNanos < INTERVAL_NANOS) {
                suppressed.incrementAndGet();
                return -1;
            }
            synchronized (this) {
                if (logged && now - lastLoggedNanos < INTERVAL_NANOS) {
                    suppressed.incrementAndGet();
                    return -1;
                }
                logged = true;
                lastLoggedNanos = now;
                return suppressed.getAndSet(0);
            }
        }
    }
}
