package dev.jobgateway.webhook;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * What the gateway did with a webhook: {@code applied}, or {@code ignored} with why (both answer 200), or
 * {@code parked} until its job is known (202).
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WebhookOutcome(String outcome, String jobId, String status, long version, String reason) {

    static final String PARKED = "parked";

    static WebhookOutcome parked(String reason) {
        return new WebhookOutcome(PARKED, null, null, 0, reason);
    }

    @JsonIgnore
    boolean isParked() {
        return PARKED.equals(outcome);
    }
}
