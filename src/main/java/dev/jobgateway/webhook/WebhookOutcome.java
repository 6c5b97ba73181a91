package dev.jobgateway.webhook;

import java.util.Locale;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.IgnoreReason;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the gateway did with a webhook: {@code applied}, or {@code ignored} with why (both answer 200), or
 * {@code parked} until its job is known (202). {@code ignoredBecause} names the reason for the meters; it is not
 * sent.
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WebhookOutcome(Outcome outcome, String jobId, String status, long version, String reason,
        @JsonIgnore IgnoreReason ignoredBecause) {

    /** The {@code outcome} member of the answer. */
    @RegisterForReflection
    public enum Outcome {
        APPLIED,
        IGNORED,
        PARKED;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    static WebhookOutcome parked(String reason) {
        return new WebhookOutcome(Outcome.PARKED, null, null, 0, reason, null);
    }

    @JsonIgnore
    boolean isParked() {
        return outcome == Outcome.PARKED;
    }
}
