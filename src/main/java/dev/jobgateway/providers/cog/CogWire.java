package dev.jobgateway.providers.cog;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/**
 * Cog's bodies as the adapter reads them: a prediction (the answer to a {@code PUT}, the body of every webhook), the
 * text of an error answer, and the health check. Plain JSON reading, so that the contract vectors run through it
 * without the application.
 */
final class CogWire {

    private final ObjectMapper mapper;
    private final ObjectReader predictions;

    CogWire(ObjectMapper mapper) {
        this.mapper = mapper;
        this.predictions = mapper.readerFor(CogPrediction.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The prediction in a body, or empty when the body is not a JSON object. */
    Optional<CogPrediction> prediction(byte[] body) {
        try {
            JsonNode tree = mapper.readTree(body);
            if (tree == null || !tree.isObject()) {
                return Optional.empty();
            }
            return Optional.ofNullable(predictions.readValue(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The text of an error answer: {@code error} (409 at capacity, 503 while setup runs: coglet {@code routes.rs}
     * 470-489), else {@code detail} as text (the Python server's 409: v0.13.7 {@code http.py} 444-446) or its first
     * {@code msg} (422: routes.rs 334-348 and 435-451), else null (axum's own rejections are plain text).
     */
    String errorText(byte[] body) {
        try {
            JsonNode tree = mapper.readTree(body);
            if (tree == null) {
                return null;
            }
            JsonNode error = tree.path("error");
            if (error.isTextual()) {
                return error.asText();
            }
            JsonNode detail = tree.path("detail");
            if (detail.isTextual()) {
                return detail.asText();
            }
            JsonNode msg = detail.path(0).path("msg");
            return msg.isTextual() ? msg.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The health check's state, or empty when the body has no textual {@code status}. */
    Optional<CogHealth> health(byte[] body) {
        try {
            JsonNode tree = mapper.readTree(body);
            JsonNode status = tree == null ? null : tree.path("status");
            if (status == null || !status.isTextual()) {
                return Optional.empty();
            }
            JsonNode started = tree.path("setup").path("started_at");
            return Optional.of(new CogHealth(status.asText(), started.isTextual() ? started.asText() : null));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
