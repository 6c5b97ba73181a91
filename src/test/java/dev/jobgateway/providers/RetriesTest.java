package dev.jobgateway.providers;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** The one retry rule of provider calls: doubling with jitter, and {@code Retry-After} in both its forms. */
class RetriesTest {

    private static final Retries.Policy POLICY = new Retries.Policy(4, Duration.ofMillis(500), Duration.ofSeconds(3));
    private static final Instant NOW = Instant.parse("1994-11-06T08:49:30Z");

    @Test
    void theBackoffDoublesAndSpreadsByAFifthEitherWay() {
        TimeoutException failure = new TimeoutException();

        assertThat(Retries.pauseBeforeRetry(POLICY, failure, 1, 0.5, NOW, Duration.ZERO))
                .isEqualTo(Duration.ofMillis(500));
        assertThat(Retries.pauseBeforeRetry(POLICY, failure, 2, 0.5, NOW, Duration.ZERO))
                .isEqualTo(Duration.ofMillis(1_000));
        assertThat(Retries.pauseBeforeRetry(POLICY, failure, 2, 0.0, NOW, Duration.ZERO))
                .isEqualTo(Duration.ofMillis(800));
        assertThat(Retries.pauseBeforeRetry(POLICY, failure, 2, 1.0, NOW, Duration.ZERO))
                .isEqualTo(Duration.ofMillis(1_200));
    }

    @Test
    void aRetryAfterIsReadInSecondsOrAsAnHttpDateInEachOfItsThreeForms() {
        assertThat(Retries.retryAfter("7", NOW)).isEqualTo(Duration.ofSeconds(7));
        // RFC 9110, 5.6.7: the IMF-fixdate, then the obsolete RFC 850 and asctime forms, all the same instant.
        assertThat(Retries.retryAfter("Sun, 06 Nov 1994 08:49:37 GMT", NOW)).isEqualTo(Duration.ofSeconds(7));
        assertThat(Retries.retryAfter("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).isEqualTo(Duration.ofSeconds(7));
        assertThat(Retries.retryAfter("Sun Nov  6 08:49:37 1994", NOW)).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aDateAlreadyPastIsNoWaitAndAnythingElseIsNoRetryAfter() {
        assertThat(Retries.retryAfter("Sun, 06 Nov 1994 08:49:00 GMT", NOW)).isZero();
        assertThat(Retries.retryAfter("soon", NOW)).isNull();
        assertThat(Retries.retryAfter("-3", NOW)).isNull();
        assertThat(Retries.retryAfter(null, NOW)).isNull();
    }

    @Test
    void aRetryAfterLongerThanTheBackoffIsWaitedForUpToThePolicysLongest() {
        assertThat(Retries.pauseBeforeRetry(POLICY, answered(503, "Sun, 06 Nov 1994 08:49:32 GMT"), 1, 0.5, NOW,
                Duration.ZERO))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(Retries.pauseBeforeRetry(POLICY, answered(429, "0"), 1, 0.5, NOW, Duration.ZERO))
                .isEqualTo(Duration.ofMillis(500));
        assertThat(Retries.pauseBeforeRetry(POLICY, answered(429, "Sun, 06 Nov 1994 08:50:30 GMT"), 1, 0.5, NOW,
                Duration.ZERO))
                .isNull();
    }

    @Test
    void aBudgetedPolicyMakesAnotherAttemptOnlyIfItEndsWithinTheBudgetAndCapsItsPauses() {
        // Cog's: 16 s in all, 3 s per call, pauses doubling from 0.5 s to at most 4 s.
        Retries.Policy budget = Retries.Policy.within(Duration.ofSeconds(16), Duration.ofSeconds(3),
                Duration.ofMillis(500), Duration.ofSeconds(4), Duration.ofSeconds(3));
        TimeoutException failure = new TimeoutException();

        assertThat(Retries.pauseBeforeRetry(budget, failure, 5, 0.5, NOW, Duration.ofSeconds(6)))
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(Retries.pauseBeforeRetry(budget, failure, 5, 0.5, NOW, Duration.ofSeconds(9)))
                .isEqualTo(Duration.ofSeconds(4));
        assertThat(Retries.pauseBeforeRetry(budget, failure, 5, 0.5, NOW, Duration.ofMillis(9_001))).isNull();
    }

    private static HttpStatusException answered(int status, String retryAfter) {
        return new HttpStatusException(new ProviderHttp.Answer(status, Map.of("retry-after", retryAfter),
                new byte[0]));
    }
}
