package dev.jobgateway.providers.replicate;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

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
            case "starting" -> Report.queued(status);
            case "processing" -> Report.running(status, TqdmProgress.latest(logs));
            case "succeeded" -> Report.succeeded(status, outputJson);
            case "failed" -> Report.failed(status, errorText);
            case "canceled" -> Report.cancelled(status);
            case "aborted" -> Report.failed(status, errorText != null ? errorText
                    : "Replicate aborted the prediction: its deadline passed before it started (not billed).",
                    ABORTED_CODE);
            default -> null;
        });
    }
}
