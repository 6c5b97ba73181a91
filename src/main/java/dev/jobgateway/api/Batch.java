package dev.jobgateway.api;

import java.util.List;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.Job;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** A batch read: the jobs found and the ids not found, in request order. */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Batch(List<Job> jobs, List<String> notFound) {
}
