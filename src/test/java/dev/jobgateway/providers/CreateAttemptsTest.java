package dev.jobgateway.providers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;

/**
 * Which failed creates are tried again, and after how long: for providers without an idempotency key only what
 * certainly created nothing, for those whose every attempt names the same job anything but a refusal.
 */
class CreateAttemptsTest {

    private static final Retries.Policy POLICY = new Retries.Policy(3, Duration.ofMillis(500), Duration.ofSeconds(3));
    /** The middle of the jitter: the doubled backoff itself. */
    private static final double NO_JITTER = 0.5;
    private static final Instant NOW = Instant.parse("2026-12-02T10:00:00Z");
    private static final String THROUGH = CreateAttempts.through(POLICY, 3);

    @Test
    void aThrottledCreateWaitsForItsRetryAfterWhenThatFits() {
        assertThat(Idempotency.NOT_IDEMPOTENT.mayRepeat(throttled("2"))).isTrue();
        assertThat(pause(throttled("2"), 1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(pause(throttled(null), 2)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aThrottledCreateWaitsForARetryAfterGivenAsAnHttpDate() {
        String threeSecondsAhead = DateTimeFormatter.RFC_1123_DATE_TIME.format(NOW.plusSeconds(3)
                .atZone(ZoneOffset.UTC));

        assertThat(pause(throttled(threeSecondsAhead), 1)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void aRetryAfterLongerThanTheBudgetEndsTheHandOffAtOnce() {
        assertThat(pause(throttled("30"), 1)).isNull();
        assertThat(CreateAttempts.errorCode(Idempotency.NOT_IDEMPOTENT, throttled("30")))
                .isEqualTo("ai_server_throttled");
    }

    @Test
    void aConnectionThatWasNeverMadeIsTriedAgain() {
        RuntimeException refused = new RuntimeException(new ConnectException("Connection refused"));
        assertThat(Idempotency.NOT_IDEMPOTENT.mayRepeat(refused)).isTrue();
        assertThat(pause(refused, 1)).isEqualTo(Duration.ofMillis(500));
        assertThat(CreateAttempts.errorCode(Idempotency.NOT_IDEMPOTENT, refused)).isEqualTo("ai_server_unreachable");
    }

    @Test
    void aTimeoutOrAServerErrorMayHaveCreatedTheJobSoItIsNotRepeated() {
        assertThat(Idempotency.NOT_IDEMPOTENT.mayRepeat(new TimeoutException())).isFalse();
        assertThat(CreateAttempts.errorCode(Idempotency.NOT_IDEMPOTENT, new TimeoutException()))
                .isEqualTo("ai_server_outcome_unknown");
        assertThat(CreateAttempts.message(Idempotency.NOT_IDEMPOTENT, new TimeoutException(), THROUGH))
                .contains("second generation");
        HttpStatusException unavailable = status(503);
        assertThat(Idempotency.NOT_IDEMPOTENT.mayRepeat(unavailable)).isFalse();
        assertThat(CreateAttempts.errorCode(Idempotency.NOT_IDEMPOTENT, unavailable)).isEqualTo("ai_server_error");
    }

    @Test
    void anIdempotentCreateIsRepeatedAfterAnythingButARefusalOrAnUnreadableAnswer() {
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(new TimeoutException())).isTrue();
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(status(503))).isTrue();
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(status(409))).isTrue();
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(throttled(null))).isTrue();
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(status(400))).isFalse();
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(new InvalidAnswerException("no id"))).isFalse();

        assertThat(CreateAttempts.errorCode(Idempotency.IDEMPOTENT, new TimeoutException()))
                .isEqualTo("ai_server_unreachable");
        assertThat(CreateAttempts.errorCode(Idempotency.IDEMPOTENT, status(409))).isEqualTo("ai_server_throttled");
        assertThat(CreateAttempts.errorCode(Idempotency.IDEMPOTENT, status(400))).isEqualTo("ai_server_rejected");
        assertThat(CreateAttempts.message(Idempotency.IDEMPOTENT, status(503), THROUGH)).contains("HTTP 503")
                .contains("through 3 attempt(s)").doesNotContain("second generation");
    }

    @Test
    void theLastAttemptIsNeverFollowedByAnother() {
        assertThat(pause(throttled("1"), 3)).isNull();
    }

    private static Duration pause(Throwable failure, int attempt) {
        return Retries.pauseBeforeRetry(POLICY, failure, attempt, NO_JITTER, NOW, Duration.ZERO);
    }

    private static HttpStatusException status(int code) {
        return new HttpStatusException(new ProviderHttp.Answer(code, Map.of(), new byte[0]));
    }

    private static HttpStatusException throttled(String retryAfter) {
        return new HttpStatusException(new ProviderHttp.Answer(429, retryAfter == null ? Map.of()
                : Map.of("retry-after", retryAfter), new byte[0]));
    }
}
