package dev.jobgateway.api;

import java.time.Instant;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.jobgateway.job.Job;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The answer of a submit: the job, as every read returns it, plus a read token for it that the app's backend hands
 * to the browser ({@code null} when read tokens are off).
 */
@RegisterForReflection
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SubmitAnswer(@JsonUnwrapped Job job, @Schema(nullable = true) String readToken,
        @Schema(nullable = true) Instant readTokenExpiresAt) {
}
