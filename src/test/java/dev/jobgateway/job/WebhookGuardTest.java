package dev.jobgateway.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jobgateway.job.WebhookGuard.Refusal;

/**
 * The Java mirror of transition.lua's match check, over a table: the same verdicts in the same order (token first,
 * then provider, then the AI server's id) as the script's rejected codes.
 */
class WebhookGuardTest {

    private static final StoredJob JOB = new StoredJob(Map.of(StoredJob.ID, "job_1", StoredJob.PROVIDER, "generic",
            StoredJob.EXTERNAL_ID, "ext-1", StoredJob.WEBHOOK_TOKEN_HASH, "hash-1"));
    private static final StoredJob NOT_MAPPED = new StoredJob(Map.of(StoredJob.ID, "job_2", StoredJob.PROVIDER,
            "generic", StoredJob.WEBHOOK_TOKEN_HASH, "hash-1"));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("signed, right provider and id", new WebhookGuard("generic", "ext-1", null), JOB, null),
                Arguments.of("signed, naming no id", new WebhookGuard("generic", null, null), JOB, null),
                Arguments.of("right token", new WebhookGuard("generic", "ext-1", "hash-1"), JOB, null),
                Arguments.of("wrong token, wrong provider too", new WebhookGuard("fal", "ext-9", "hash-9"), JOB,
                        Refusal.TOKEN),
                Arguments.of("another provider", new WebhookGuard("replicate", "ext-1", null), JOB,
                        Refusal.PROVIDER),
                Arguments.of("another AI-server job", new WebhookGuard("generic", "ext-9", null), JOB,
                        Refusal.EXTERNAL_ID),
                Arguments.of("any id, job not mapped yet", new WebhookGuard("generic", "ext-9", null), NOT_MAPPED,
                        null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusesWhatTheScriptRefusesInTheScriptsOrder(String name, WebhookGuard guard, StoredJob job,
            Refusal expected) {
        assertThat(guard.refusal(job)).isEqualTo(Optional.ofNullable(expected));
        assertThat(guard.admits(job)).isEqualTo(expected == null);
    }
}
