package dev.jobgateway.job;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as every read returns it (snake_case on the wire). */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Job(
        String id,
        JobStatus status,
        JsonNode input,
        JsonNode output,
        Double progress,
        String errorMessage,
        JobError error,
        String completedVia,
        Delivery delivery,
        long version,
        Instant createdAt,
        Instant updatedAt,
        Instant completedAt,
        Long pollAfterMs) {

    /** Why a job failed, and who said so: {@code ai_server}, {@code submit}, {@code timeout}, {@code upstream_unreachable}. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JobError(String source, String code, String message) {
    }

    /** How the gateway learned what it knows, kept apart from what happened to the job. */
    @RegisterForReflection
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Delivery(String state, int webhooksReceived, Instant lastWebhookAt, Instant lastUpstreamCheckAt) {
    }
}
