package dev.jobgateway.api;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.TimelineEntry;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A page of a job's timeline, oldest first; {@code nextAfter} is the cursor of the next page, or null at the end. */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Timeline(String jobId, List<TimelineEntry> events, String nextAfter) {
}
