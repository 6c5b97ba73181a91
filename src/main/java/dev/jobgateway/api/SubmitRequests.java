package dev.jobgateway.api;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.JsonBodies;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderRegistry;

/** Checks a {@code POST /jobs} body, before anything is stored. */
@ApplicationScoped
class SubmitRequests {

    static final String MAX_DURATION = "max_duration_seconds";
    static final String PROVIDER = "provider";
    static final String MODEL = "model";
    /** Far above any model id or Replicate version reference. */
    static final int MAX_MODEL_LENGTH = 200;
    static final int MAX_IDEMPOTENCY_KEY_LENGTH = 255;

    private final JsonBodies bodies;
    private final GatewayConfig.Limits limits;
    private final Duration maxDuration;
    private final Duration maxDurationCap;
    private final ProviderRegistry providers;

    SubmitRequests(JsonBodies bodies, GatewayConfig config, ProviderRegistry providers) {
        this.providers = providers;
        this.bodies = bodies;
        this.limits = config.limits();
        this.maxDuration = config.jobs().maxDuration();
        this.maxDurationCap = config.jobs().maxDurationCap();
    }

    /**
     * A valid submit: the job's input, how long it may take, the provider it goes to and the provider-specific
     * routing that provider accepted (its model, or null).
     */
    record SubmitRequest(JsonNode input, Duration maxDuration, Provider provider, String model) {
    }

    /** Returns the checked request, or throws the client mistake as an {@link ApiException}. */
    SubmitRequest parse(String contentType, byte[] body) {
        JsonNode root = bodies.object(contentType, body, "{\"input\": {...}}",
                List.of("input", MAX_DURATION, PROVIDER, MODEL));
        JsonNode input = root.get("input");
        if (input == null || input.isNull()) {
            throw invalid("The field 'input' is required.");
        }
        if (!input.isObject()) {
            throw invalid("The field 'input' must be a JSON object.");
        }
        int inputBytes = input.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (inputBytes > limits.maxInputBytes()) {
            throw ProblemType.INPUT_TOO_LARGE.with(
                    "The input has " + inputBytes + " bytes; at most " + limits.maxInputBytes() + " are accepted.");
        }
        Duration duration = maxDuration(root.get(MAX_DURATION));
        Provider provider = providers.forSubmit(text(root, PROVIDER, 40));
        String model = provider.route(text(root, MODEL, MAX_MODEL_LENGTH));
        provider.checkInput(input);
        return new SubmitRequest(input, duration, provider, model);
    }

    /** An optional string member, or null; anything else is a mistake. */
    private static String text(JsonNode root, String name, int maxLength) {
        JsonNode value = root.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank() || value.asText().length() > maxLength) {
            throw invalid("'" + name + "' must be a string of 1 to " + maxLength + " characters.");
        }
        return value.asText();
    }

    private Duration maxDuration(JsonNode requested) {
        if (requested == null || requested.isNull()) {
            return maxDuration;
        }
        long cap = maxDurationCap.toSeconds();
        if (!requested.canConvertToLong() || !requested.isIntegralNumber() || requested.asLong() < 1
                || requested.asLong() > cap) {
            throw invalid("'" + MAX_DURATION + "' must be a whole number of seconds from 1 to " + cap + ".");
        }
        return Duration.ofSeconds(requested.asLong());
    }

    /**
     * The {@code Idempotency-Key} header, or null without one. The IETF draft makes it a structured-field string
     * ({@code "..."}); a bare token is accepted too, as most clients send one. 1-255 printable ASCII characters.
     */
    String idempotencyKey(String header) {
        if (header == null) {
            return null;
        }
        String key = header.trim();
        if (key.length() >= 2 && key.startsWith("\"") && key.endsWith("\"")) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty() || key.length() > MAX_IDEMPOTENCY_KEY_LENGTH
                || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
                || key.indexOf('"') >= 0 || key.indexOf('\\') >= 0) {
            throw ProblemType.INVALID_IDEMPOTENCY_KEY
                    .with("Idempotency-Key must be 1-" + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters.");
        }
        return key;
    }

    private static ApiException invalid(String detail) {
        return ProblemType.INVALID_REQUEST.with(detail);
    }
}
