package dev.jobgateway.providers;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

/** Which failed creates are tried again for providers without an idempotency key, and after how long. */
class CreateAttemptsTest {

    private static final CreateAttempts.Policy POLICY = new CreateAttempts.Policy(3, Duration.ofMillis(500),
            Duration.ofSeconds(3));

    @Test
    void aThrottledCreateWaitsForItsRetryAfterWhenThatFits() {
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, throttled("2"), 1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, throttled(null), 2)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aThrottledCreateWaitsForARetryAfterGivenAsAnHttpDate() {
        String threeSecondsAhead = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)
                .plusSeconds(3).withNano(0));

        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, throttled(threeSecondsAhead), 1))
                .isBetween(Duration.ofMillis(1_500), Duration.ofSeconds(3));
    }

    @Test
    void aRetryAfterLongerThanTheBudgetEndsTheHandOffAtOnce() {
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, throttled("30"), 1)).isNull();
        assertThat(CreateAttempts.errorCode(throttled("30"))).isEqualTo("ai_server_throttled");
    }

    @Test
    void aConnectionThatWasNeverMadeIsTriedAgain() {
        RuntimeException refused = new RuntimeException(new ConnectException("Connection refused"));
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, refused, 1)).isEqualTo(Duration.ofMillis(500));
        assertThat(CreateAttempts.errorCode(refused)).isEqualTo("ai_server_unreachable");
    }

    @Test
    void aTimeoutOrAServerErrorMayHaveCreatedTheJobSoItIsNotRepeated() {
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, new TimeoutException(), 1)).isNull();
        assertThat(CreateAttempts.errorCode(new TimeoutException())).isEqualTo("ai_server_outcome_unknown");
        assertThat(CreateAttempts.message(new TimeoutException())).contains("second generation");
        HttpStatusException unavailable = new HttpStatusException(new ProviderHttp.Answer(503, Map.of(), new byte[0]));
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, unavailable, 1)).isNull();
        assertThat(CreateAttempts.errorCode(unavailable)).isEqualTo("ai_server_error");
    }

    @Test
    void theLastAttemptIsNeverFollowedByAnother() {
        assertThat(CreateAttempts.pauseBeforeRetry(POLICY, throttled("1"), 3)).isNull();
    }

    private static HttpStatusException throttled(String retryAfter) {
        return new HttpStatusException(new ProviderHttp.Answer(429, retryAfter == null ? Map.of()
                : Map.of("retry-after", retryAfter), new byte[0]));
    }
}
