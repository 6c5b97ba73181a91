package dev.jobgateway.platform;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import jakarta.inject.Singleton;

/**
 * Every "now" of the gateway's own timeline: the timestamps it writes (UTC, millisecond precision, ISO-8601), when a
 * check is due, when a claim went stale, when a read token expires. Read from the {@link Clock} bean, so a test can
 * put a clock of its own in its place and move time instead of waiting for it. Elapsed real time (latency meters, the
 * deadline of a socket read, a pause before a retry) is measured with {@link System#nanoTime()} instead, and Redis
 * keeps
 * its own time for key expiry and the shared rate limit: moving this clock moves neither.
 */
@Singleton
public class GatewayClock {

    private final Clock clock;

    GatewayClock(Clock clock) {
        this.clock = clock;
    }

    /** The clock of the system, for code that runs outside CDI (tools, plain unit tests). */
    public static GatewayClock system() {
        return of(Clock.systemUTC());
    }

    /** Over {@code clock}, for code that runs outside CDI (a plain unit test with a clock it moves). */
    public static GatewayClock of(Clock clock) {
        return new GatewayClock(clock);
    }

    /** Now, to the millisecond (what the store and the JSON carry). */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /** Now, in milliseconds since the epoch. */
    public long millis() {
        return clock.millis();
    }
}
