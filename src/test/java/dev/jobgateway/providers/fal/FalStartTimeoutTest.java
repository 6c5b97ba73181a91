package dev.jobgateway.providers.fal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code X-Fal-Request-Timeout} is the seconds left until the job's deadline, rounded up, and never a value fal's own
 * clients refuse to send (1 s or less: fal-js {@code headers.ts}, {@code fal_client} {@code _headers.py}).
 */
class FalStartTimeoutTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @ParameterizedTest
    @CsvSource({ "300000, 300", "299001, 300", "2500, 3", "1999, 2", "1000, 2", "999, 2", "1, 2", "0, 2", "-5000, 2" })
    void theStartTimeoutIsTheSecondsLeftAndMoreThanOne(long millisLeft, long expected) {
        long seconds = FalProvider.startTimeoutSeconds(NOW.plusMillis(millisLeft), NOW);

        assertThat(seconds).isEqualTo(expected).isGreaterThan(1);
    }
}
