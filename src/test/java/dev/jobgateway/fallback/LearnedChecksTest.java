package dev.jobgateway.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** The series of checks around a job's expected end, from the job's own fields. */
class LearnedChecksTest {

    private static final Instant EXPECTED = Instant.parse("2026-12-02T10:00:00Z");
    private final LearnedChecks checks = new LearnedChecks(Duration.ofSeconds(1), Duration.ofSeconds(20));

    @Test
    void aJobNeverCheckedIsFirstCheckedAMarginAfterItsExpectedEnd() {
        assertThat(checks.next(EXPECTED, null)).contains(EXPECTED.plusSeconds(1));
        assertThat(checks.first(EXPECTED)).isEqualTo(EXPECTED.plusSeconds(1));
    }

    @Test
    void eachCheckThatFindsTheJobRunningDoublesTheTimePastTheExpectedEnd() {
        assertThat(checks.next(EXPECTED, EXPECTED.plusMillis(1_010))).contains(EXPECTED.plusSeconds(2));
        assertThat(checks.next(EXPECTED, EXPECTED.plusMillis(2_005))).contains(EXPECTED.plusSeconds(4));
        assertThat(checks.next(EXPECTED, EXPECTED.plusSeconds(4))).contains(EXPECTED.plusSeconds(8));
        assertThat(checks.next(EXPECTED, EXPECTED.plusSeconds(9))).contains(EXPECTED.plusSeconds(16));
    }

    @Test
    void theSeriesEndsWhereItsGapWouldExceedTheCheckInterval() {
        assertThat(checks.next(EXPECTED, EXPECTED.plusSeconds(16))).isEmpty();
        assertThat(checks.next(EXPECTED, EXPECTED.plusSeconds(600))).isEmpty();
    }

    @Test
    void aCheckMadeBeforeTheExpectedEndLeavesTheFirstLearnedOneDue() {
        assertThat(checks.next(EXPECTED, EXPECTED.minusSeconds(5))).contains(EXPECTED.plusSeconds(1));
    }

    @Test
    void eachCheckHoldsTheLeaseUntilTheNextOneOfTheSeries() {
        assertThat(checks.gapAfter(EXPECTED, EXPECTED.plusSeconds(1))).isEqualTo(Duration.ofSeconds(1));
        assertThat(checks.gapAfter(EXPECTED, EXPECTED.plusSeconds(4))).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aZeroMarginCannotMakeTheSeriesEndless() {
        LearnedChecks zero = new LearnedChecks(Duration.ZERO, Duration.ofSeconds(1));

        assertThat(zero.next(EXPECTED, EXPECTED.plusSeconds(2))).isEmpty();
        assertThat(zero.next(EXPECTED, null)).contains(EXPECTED.plusMillis(10));
    }
}
