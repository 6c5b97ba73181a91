package dev.jobgateway.job;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One line of a job's timeline: its id (a cursor for paging), what happened ({@code type}), when, whether it changed
 * the job
 * ({@code applied}, {@code ignored} with a reason, or {@code recorded} for facts that change no state), the job
 * version after it, and its details.
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record TimelineEntry(String id, String type, Instant at, @Schema(nullable = true) String outcome,
        @Schema(nullable = true) String reason, long version,
        @Schema(ref = "TimelineDetails") JsonNode details) {
}
