package dev.jobgateway.webhook;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** What the gateway did with a webhook: {@code applied}, or {@code ignored} with why (both answer 200). */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record WebhookOutcome(String outcome, String jobId, String status, long version, String reason) {
}
