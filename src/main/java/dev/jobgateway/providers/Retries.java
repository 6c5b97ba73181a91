package dev.jobgateway.providers;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import io.smallrye.mutiny.Uni;

/**
 * The one way a provider call is tried again: after a pause that doubles from the policy's backoff, with jitter
 * (±20 %, so that the instances a burst of throttling hit do not all come back at once), or after the answer's
 * {@code Retry-After} when that is longer; a {@code Retry-After} beyond the policy's longest ends the retries at once.
 * The calls are bounded by a number of attempts or by a time budget (Cog's). Which failures may be tried at all is the
 * caller's ({@link CreateAttempts} for hand-offs).
 */
public final class Retries {

    /** The spread of a pause around its doubled backoff, either way. */
    static final double JITTER = 0.2;
    private static final Pattern SECONDS = Pattern.compile("[0-9]{1,9}");
    /** RFC 9110's obsolete HTTP-date forms, which a recipient must still accept (section 5.6.7). */
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder().appendPattern("EEEE, dd-MMM-")
            .appendValueReduced(ChronoField.YEAR, 2, 2, 1970).appendPattern(" HH:mm:ss 'GMT'").toFormatter(Locale.US);
    private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy",
            Locale.US);

    /**
     * @param attempts calls in all (1 = no retry)
     * @param backoff the first pause between calls, doubled each time
     * @param maxPause the longest doubled pause (or the backoff itself, if longer); null for no cap
     * @param maxRetryAfter the longest {@code Retry-After} waited for; a longer one ends the retries at once
     * @param budget the longest all calls together may take: another is made only if it ends within it, after its
     *        pause and {@code callTimeout}; null for none
     * @param callTimeout the longest one call takes (for the budget)
     */
    public record Policy(int attempts, Duration backoff, Duration maxPause, Duration maxRetryAfter, Duration budget,
            Duration callTimeout) {

        /** At most {@code attempts} calls. */
        public Policy(int attempts, Duration backoff, Duration maxRetryAfter) {
            this(attempts, backoff, null, maxRetryAfter, null, null);
        }

        /** As many calls as end within {@code budget}, each taking up to {@code callTimeout}. */
        public static Policy within(Duration budget, Duration callTimeout, Duration backoff, Duration maxPause,
                Duration maxRetryAfter) {
            return new Policy(Integer.MAX_VALUE, backoff, maxPause, maxRetryAfter, budget, callTimeout);
        }
    }

    private Retries() {
    }

    /**
     * Runs {@code call} under the policy, trying it again after a failure {@code retryable} accepts; fails with the
     * last failure. {@code attempts} counts the calls made.
     */
    public static <T> Uni<T> run(Policy policy, Predicate<Throwable> retryable, AtomicInteger attempts,
            Supplier<Uni<T>> call) {
        return attempt(policy, retryable, attempts, call, Stopwatch.start());
    }

    // The pauses are real waits between calls to the AI server, so they are timed on the system's time (see
    // retryAfter), not on the gateway's clock.
    private static <T> Uni<T> attempt(Policy policy, Predicate<Throwable> retryable, AtomicInteger attempts,
            Supplier<Uni<T>> call, Stopwatch watch) {
        int attempt = attempts.incrementAndGet();
        return Uni.createFrom().<T> deferred(call::get).onFailure().recoverWithUni(failure -> {
            Duration pause = retryable.test(failure) ? pauseBeforeRetry(policy, failure, attempt,
                    ThreadLocalRandom.current().nextDouble(), Instant.now(), Duration.ofMillis(watch.elapsedMs()))
                    : null;
            if (pause == null) {
                return Uni.createFrom().failure(failure);
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(pause)
                    .chain(() -> attempt(policy, retryable, attempts, call, watch));
        });
    }

    /**
     * How long to wait after the failed {@code attempt} (1 = the first) before the next one, or null when none may
     * follow. {@code random} (0 to 1) places the pause within its jitter; {@code now} dates an HTTP-date
     * {@code Retry-After}; {@code spent} is the time the calls have taken so far (for a budget).
     */
    static Duration pauseBeforeRetry(Policy policy, Throwable failure, int attempt, double random, Instant now,
            Duration spent) {
        Duration pause = pause(policy, failure, attempt, random, now);
        if (pause == null || policy.budget() == null) {
            return pause;
        }
        return spent.plus(pause).plus(policy.callTimeout()).compareTo(policy.budget()) <= 0 ? pause : null;
    }

    private static Duration pause(Policy policy, Throwable failure, int attempt, double random, Instant now) {
        if (attempt >= policy.attempts()) {
            return null;
        }
        long doubled = policy.backoff().toMillis() << Math.min(attempt - 1, 10);
        if (policy.maxPause() != null) {
            doubled = Math.min(doubled, Math.max(policy.maxPause().toMillis(), policy.backoff().toMillis()));
        }
        Duration backoff = Duration.ofMillis(Math.round(doubled * (1 + JITTER * (2 * random - 1))));
        Duration retryAfter = failure instanceof HttpStatusException status
                ? retryAfter(status.answer().header("Retry-After"), now)
                : null;
        if (retryAfter == null) {
            return backoff;
        }
        return retryAfter.compareTo(policy.maxRetryAfter()) > 0 ? null
                : retryAfter.compareTo(backoff) > 0 ? retryAfter : backoff;
    }

    /**
     * A {@code Retry-After} value as a wait from {@code now}: a number of seconds, or an HTTP-date (RFC 9110 section
     * 10.2.3; the IMF-fixdate and the two obsolete forms), a date already past being no wait at all. Null when absent
     * or neither. Replicate's own client reads both forms (replicate-javascript {@code lib/util.js}).
     */
    public static Duration retryAfter(String value) {
        // An HTTP-date is the AI server's wall clock and the pause it asks for is real (a Mutiny delay): read against
        // the system's time, never the gateway's clock, which a test may have moved.
        return retryAfter(value, Instant.now());
    }

    /** As {@link #retryAfter(String)}, from {@code now}. */
    public static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        if (SECONDS.matcher(trimmed).matches()) {
            return Duration.ofSeconds(Long.parseLong(trimmed));
        }
        Instant at = httpDate(trimmed);
        if (at == null) {
            return null;
        }
        return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
    }

    private static Instant httpDate(String value) {
        try {
            return DateTimeFormatter.RFC_1123_DATE_TIME.parse(value, Instant::from);
        } catch (DateTimeException notImfFixdate) {
            for (DateTimeFormatter obsolete : new DateTimeFormatter[] { RFC_850, ASCTIME }) {
                try {
                    return LocalDateTime.parse(value, obsolete).toInstant(ZoneOffset.UTC);
                } catch (DateTimeException notThisOne) {
                    // the next form
                }
            }
            return null;
        }
    }
}
