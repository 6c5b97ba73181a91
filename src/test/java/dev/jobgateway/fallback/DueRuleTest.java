package dev.jobgateway.fallback;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jobgateway.fallback.DueRule.Checking;
import dev.jobgateway.fallback.DueRule.Facts;
import dev.jobgateway.providers.PollCadence;

/** The due rule over a table of jobs, providers and moments: plain values in, a verdict out, no clock, no Redis. */
class DueRuleTest {

    private static final Instant T0 = Instant.parse("2026-12-07T04:00:00Z");
    /**
     * check-after 30 s, check interval 60 s, longest interval 10 min, learned checks from 1 s after the expected end.
     */
    private static final DueRule RULE = new DueRule(Duration.ofSeconds(30), Duration.ofSeconds(60),
            Duration.ofMinutes(10), new LearnedChecks(Duration.ofSeconds(1), Duration.ofSeconds(60)));

    private static final Checking WEBHOOKS = Checking.WEBHOOKS;
    private static final Checking POLL_ONLY = new Checking(
            Optional.of(new PollCadence(Duration.ofSeconds(2), Duration.ofSeconds(30))), false);
    private static final Checking AT_DEADLINE = new Checking(Optional.empty(), true);

    /** Running since T0 (its last news), handed off, deadline an hour on, no expected end, no failed check. */
    private static Facts running() {
        return new Facts(false, true, T0, T0.plus(Duration.ofHours(1)), null, null, 0);
    }

    private static Instant at(String offset) {
        return T0.plus(Duration.parse(offset));
    }

    static Stream<Arguments> cases() {
        Facts running = running();
        Facts ended = new Facts(true, true, T0, running.deadlineAt(), null, null, 0);
        Facts notHandedOff = new Facts(false, false, T0, running.deadlineAt(), null, null, 0);
        Facts expectedSoon = new Facts(false, true, T0, running.deadlineAt(), at("PT10S"), null, 0);
        Facts expectedButFailing = new Facts(false, true, T0, running.deadlineAt(), at("PT10S"), null, 1);
        return Stream.of(
                Arguments.of("a fresh webhook job", running, WEBHOOKS, at("PT29S"), false),
                Arguments.of("a webhook job quiet for check-after", running, WEBHOOKS, at("PT30S"), true),
                Arguments.of("an ended job, even past its deadline", ended, WEBHOOKS, at("PT2H"), false),
                Arguments.of("a job not handed off yet, quiet for long", notHandedOff, WEBHOOKS, at("PT10M"), false),
                Arguments.of("a job not handed off yet, at its deadline", notHandedOff, WEBHOOKS, at("PT1H"), true),
                Arguments.of("a poll-only job within its cadence", running, POLL_ONLY, at("PT1.999S"), false),
                Arguments.of("a poll-only job at its cadence", running, POLL_ONLY, at("PT2S"), true),
                Arguments.of("a deadline-only job, long quiet", running, AT_DEADLINE, at("PT59M"), false),
                Arguments.of("a deadline-only job at its deadline", running, AT_DEADLINE, at("PT1H"), true),
                Arguments.of("a job expected soon, just after its learned check", expectedSoon, WEBHOOKS,
                        at("PT11S"), true),
                Arguments.of("a job expected soon, before its learned check", expectedSoon, WEBHOOKS, at("PT10.5S"),
                        false),
                Arguments.of("a job whose checks fail keeps only the fixed rule", expectedButFailing, WEBHOOKS,
                        at("PT11S"), false));
    }

    @ParameterizedTest(name = "{0}: due {4}")
    @MethodSource("cases")
    void aJobIsDueExactlyWhenTheRuleSays(String name, Facts job, Checking checking, Instant now, boolean due) {
        assertThat(RULE.isDue(job, checking, now)).isEqualTo(due);
    }

    @Test
    void theSweeperListsAWebhookJobAtTheLaterOfCheckAfterAndTheInterval() {
        assertThat(RULE.nextCheckAt(running(), WEBHOOKS)).isEqualTo(at("PT60S"));
    }

    @Test
    void theSweeperListsAPollOnlyJobAtItsIdleCadenceAndADeadlineOnlyJobAtItsDeadline() {
        assertThat(RULE.nextCheckAt(running(), POLL_ONLY)).isEqualTo(at("PT30S"));
        assertThat(RULE.nextCheckAt(running(), AT_DEADLINE)).isEqualTo(at("PT1H"));
    }

    @Test
    void failedChecksInARowDoubleTheIntervalUpToTheLongest() {
        Facts twice = new Facts(false, true, T0, null, null, null, 2);
        Facts often = new Facts(false, true, T0, null, null, null, 30);
        assertThat(RULE.checkInterval(twice, WEBHOOKS)).isEqualTo(Duration.ofSeconds(240));
        assertThat(RULE.checkInterval(often, WEBHOOKS)).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aWaitOnAPollOnlyJobSleepsUntilJustPastItsNextPoll() {
        assertThat(RULE.untilNextCheck(running(), POLL_ONLY, at("PT1.5S")))
                .contains(Duration.ofMillis(500).plus(DueRule.DUE_MARGIN));
        assertThat(RULE.untilNextCheck(running(), POLL_ONLY, at("PT3S"))).as("due, but polled elsewhere")
                .contains(Duration.ofMillis(500));
        assertThat(RULE.untilNextCheck(running(), WEBHOOKS, at("PT3S"))).as("news comes by webhook").isEmpty();
    }

    @Test
    void aCheckOfTheLearnedSeriesHoldsItsLeaseOnlyUntilTheSeriesNextCheck() {
        Facts expectedSoon = new Facts(false, true, T0, null, at("PT10S"), null, 0);
        assertThat(RULE.leaseInterval(expectedSoon, WEBHOOKS, at("PT11S"))).isEqualTo(Duration.ofSeconds(1));
        assertThat(RULE.leaseInterval(running(), WEBHOOKS, at("PT30S"))).isEqualTo(Duration.ofSeconds(60));
    }
}
