package dev.jobgateway.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

/**
 * The gateway's clock in every {@code @QuarkusTest}: the system clock plus an offset a test moves. Until a test calls
 * {@link #advance}, time is the system's, so tests that never touch it see no difference. Inject it and move time
 * instead of sleeping:
 *
 * <pre>
 * &#64;Inject
 * MovableClock clock;
 *
 * &#64;AfterEach
 * void backToNow() {
 *     clock.reset();
 * }
 *
 * clock.advance(Duration.ofMinutes(5)); // every "now" of the gateway is five minutes later
 * </pre>
 *
 * The application is shared between test classes, so a test that moves the clock resets it when done. Redis keeps
 * its own time: key expiry (job retention, a check lease taken with SET PX) and the shared rate limit do not move.
 * A plain unit test builds one with {@code new MovableClock()}.
 */
@Alternative
@Priority(1)
@Singleton
public class MovableClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    /** Moves every later "now" forward by {@code by} (backward if negative). */
    public void advance(Duration by) {
        offset = offset.plus(by);
    }

    /** Back to the system's time. */
    public void reset() {
        offset = Duration.ZERO;
    }

    /** How far this clock is ahead of the system's. */
    public Duration offset() {
        return offset;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the gateway's clock is UTC");
    }
}
