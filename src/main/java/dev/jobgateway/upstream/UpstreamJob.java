package dev.jobgateway.upstream;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** A job as the AI server describes it: its submit and status answers ({@code id}) and its webhooks ({@code job_id}). */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record UpstreamJob(
        @JsonAlias("job_id") String id,
        String status,
        JsonNode output,
        @JsonProperty("error_message") String errorMessage,
        Double progress) {
}
