package dev.jobgateway.fallback;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.jobgateway.platform.GatewayConfig;

/**
 * The checks of a job whose webhook is late, around the moment it was expected to finish
 * ({@link dev.jobgateway.job.DurationHistory}): the first {@code margin} after it, then 2, 4, 8 ... times the margin
 * after it, while the gap between two checks is at most {@code lastGap} (the check interval); past that, only the
 * fixed rule ({@code check-after} since the last news) applies. A job whose webhook comes on time is never checked
 * at all; one whose webhook is lost is made up about a margin after its expected end, not {@code check-after} later.
 * Computed from the job's own fields, so every instance agrees on it without a word between them.
 */
public record LearnedChecks(Duration margin, Duration lastGap) {

    private static final Duration SMALLEST_MARGIN = Duration.ofMillis(10);

    public LearnedChecks {
        margin = margin.compareTo(SMALLEST_MARGIN) < 0 ? SMALLEST_MARGIN : margin;
    }

    public static LearnedChecks from(GatewayConfig.Fallback config) {
        return new LearnedChecks(config.expectedMargin(), config.checkInterval());
    }

    /** The first check of a job expected at {@code expectedAt}. */
    public Instant first(Instant expectedAt) {
        return expectedAt.plus(margin);
    }

    /**
     * The next learned check of a job expected at {@code expectedAt} that was last checked at {@code checkedAt}
     * (null: never), or empty once the series is over.
     */
    public Optional<Instant> next(Instant expectedAt, Instant checkedAt) {
        for (Duration past = margin; past.compareTo(lastGap) <= 0; past = past.multipliedBy(2)) {
            Instant point = expectedAt.plus(past);
            if (checkedAt == null || point.isAfter(checkedAt)) {
                return Optional.of(point);
            }
        }
        return Optional.empty();
    }

    /** How long after the check due at {@code point} the next one of the series comes (the lease of that check). */
    public Duration gapAfter(Instant expectedAt, Instant point) {
        Duration past = Duration.between(expectedAt, point);
        return past.compareTo(margin) < 0 ? margin : past;
    }
}
