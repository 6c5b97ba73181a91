package dev.jobgateway.providers.replicate;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderJson;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A Replicate prediction: the body of every create, get and cancel answer and of every webhook (a full snapshot each
 * time). Only what the gateway uses is read; {@code urls}, {@code metrics}, timestamps and the rest are ignored.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record Prediction(
        String id,
        String status,
        JsonNode output,
        JsonNode error,
        String logs,
        @JsonProperty("data_removed") Boolean dataRemoved) {

    /** {@code aborted}: the prediction's deadline ({@code Cancel-After}) passed before it started; not billed. */
    static final String ABORTED_CODE = "aborted";

    /**
     * What this says, in the gateway's terms; empty for a status Replicate did not document. {@code starting} is
     * queued (booting or waiting), {@code processing} running with the progress of the latest tqdm line of the logs
     * (Replicate has no progress field), {@code canceled} cancelled, {@code aborted} failed with an error code of its
     * own. The output is kept as Replicate gives it (a URL, a list of URLs, any JSON).
     */
    Optional<Report> toReport() {
        if (status == null) {
            return Optional.empty();
        }
        String outputJson = ProviderJson.json(output);
        String errorText = ProviderJson.text(error);
        return Optional.ofNullable(switch (status) {
            case "starting" -> new Report(JobStatus.QUEUED, status, null, null, null);
            case "processing" -> new Report(JobStatus.RUNNING, status, TqdmProgress.latest(logs), null, null);
            case "succeeded" -> new Report(JobStatus.SUCCEEDED, status, 1.0, outputJson, null);
            case "failed" -> new Report(JobStatus.FAILED, status, null, null, errorText);
            case "canceled" -> new Report(JobStatus.CANCELLED, status, null, null, null);
            case "aborted" -> new Report(JobStatus.FAILED, status, null, null, errorText != null ? errorText
                    : "Replicate aborted the prediction: its deadline passed before it started (not billed).",
                    ABORTED_CODE, null);
            default -> null;
        });
    }
}
