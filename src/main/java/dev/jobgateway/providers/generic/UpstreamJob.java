package dev.jobgateway.providers.generic;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderJson;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A job as the AI server describes it: its submit and status answers ({@code id}) and its webhooks ({@code job_id}).
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
public record UpstreamJob(
        @JsonAlias("job_id") String id,
        String status,
        JsonNode output,
        @JsonProperty("error_message") String errorMessage,
        Double progress) {

    /**
     * What this says, in the gateway's terms; empty when the status is not one of the generic protocol's five
     * (the caller decides: a webhook is refused, a fallback check counts as a failed one).
     */
    public Optional<Report> toReport() {
        return JobStatus.fromWire(status).map(target -> Report.of(target, status, progress,
                ProviderJson.json(output), errorMessage));
    }
}
