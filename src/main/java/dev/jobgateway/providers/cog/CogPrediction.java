package dev.jobgateway.providers.cog;

import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.ProviderJson;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A Cog prediction (Replicate's shape): the answer to a {@code PUT /predictions/{id}} and the body of every webhook,
 * a full snapshot each time. Only what the gateway uses is read.
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record CogPrediction(String id, String status, JsonNode output, JsonNode error) {

    /**
     * What this says, in the gateway's terms; empty for a status Cog does not have. {@code starting} is queued,
     * {@code processing} running; the output is kept as Cog gives it (a data URL, a URL, a list, any JSON).
     */
    Optional<Report> toReport() {
        if (status == null) {
            return Optional.empty();
        }
        String errorText = ProviderJson.text(error);
        return Optional.ofNullable(switch (status) {
            case "starting" -> Report.queued(status);
            case "processing" -> Report.running(status, null);
            case "succeeded" -> Report.succeeded(status, ProviderJson.json(output));
            case "failed" -> Report.failed(status, errorText);
            case "canceled" -> Report.cancelled(status);
            default -> null;
        });
    }
}
