package dev.jobgateway.providers.runpod;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderJson;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A RunPod job as {@code /run}, {@code /status} and the webhook describe it (the webhook is the status object):
 * {@code id}, {@code status}, {@code output} (whatever the worker's handler returned), {@code error}. Timing fields
 * ({@code delayTime}, {@code executionTime}) are ignored.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record RunPodJob(String id, String status, JsonNode output, JsonNode error) {

    /** {@code TIMED_OUT}: the job ran past its {@code policy.executionTimeout}. */
    static final String TIMED_OUT_CODE = "execution_timed_out";

    /**
     * What this says, in the gateway's terms; empty for a status RunPod does not document. {@code IN_PROGRESS} (also
     * seen as {@code RUNNING}) is running; {@code TIMED_OUT} failed with a code of its own.
     */
    Optional<Report> toReport() {
        if (status == null) {
            return Optional.empty();
        }
        String errorText = ProviderJson.text(error);
        return Optional.ofNullable(switch (status) {
            case "IN_QUEUE" -> new Report(JobStatus.QUEUED, status, null, null, null);
            case "IN_PROGRESS", "RUNNING" -> new Report(JobStatus.RUNNING, status, null, null, null);
            case "COMPLETED" -> new Report(JobStatus.SUCCEEDED, status, 1.0,
                    ProviderJson.json(output), null);
            case "FAILED" -> new Report(JobStatus.FAILED, status, null, null, errorText);
            case "CANCELLED" -> new Report(JobStatus.CANCELLED, status, null, null, null);
            case "TIMED_OUT" -> new Report(JobStatus.FAILED, status, null, null, errorText != null ? errorText
                    : "RunPod stopped the job: it ran past its execution timeout (the job's maximum duration).",
                    TIMED_OUT_CODE, null);
            default -> null;
        });
    }
}
