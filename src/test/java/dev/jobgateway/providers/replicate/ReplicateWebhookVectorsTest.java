package dev.jobgateway.providers.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.WebhookRequest;

/**
 * Interop for Replicate's webhooks: prediction bodies of each event, signed and judged by the Standard Webhooks
 * reference libraries ({@code standardwebhooks}, {@code svix}; {@code tools/webhook-vectors}, committed as
 * {@code replicate-webhook-vectors.json}), run through the Replicate adapter: every one the libraries accept is
 * accepted and read as its gateway status; every one they reject is refused with 401.
 */
class ReplicateWebhookVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode FILE = read();

    static Stream<Arguments> vectors() {
        List<Arguments> all = new ArrayList<>();
        FILE.get("vectors").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void gatewayVerdictMatchesTheLibrariesAndAcceptedOnesReadAsTheirStatus(String name, JsonNode vector) {
        List<String> secrets = new ArrayList<>();
        vector.get("accepted_secrets").forEach(secret -> secrets.add(secret.asText()));
        ReplicateWebhooks webhooks = new ReplicateWebhooks(secrets,
                Duration.ofSeconds(FILE.get("tolerance_seconds").asLong()), JSON);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        WebhookRequest request = new WebhookRequest("job_AAAAAAAAAAAAAAAAAAAAAA", null, headers::get,
                vector.get("payload").asText().getBytes(StandardCharsets.UTF_8),
                Instant.ofEpochSecond(vector.get("now").asLong()));

        boolean accepted;
        try {
            webhooks.authenticate(request);
            accepted = true;
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(401);
            accepted = false;
        }

        assertThat(accepted).isEqualTo(vector.get("library_accepts").asBoolean());
        if (accepted) {
            InboundWebhook webhook = webhooks.read(request);
            assertThat(webhook.externalId()).isEqualTo("ufawqhfynnddngldkgtslldrkq");
            assertThat(webhook.report().status().wireName()).isEqualTo(vector.get("gateway_status").asText());
        }
    }

    @Test
    void vectorsCoverBothLibrariesEveryEventAndBothVerdicts() {
        List<JsonNode> vectors = new ArrayList<>();
        FILE.get("vectors").forEach(vectors::add);

        for (String library : List.of("standardwebhooks@", "svix@")) {
            assertThat(vectors).filteredOn(v -> v.get("library").asText().startsWith(library))
                    .anyMatch(v -> v.get("library_accepts").asBoolean())
                    .anyMatch(v -> !v.get("library_accepts").asBoolean());
        }
        assertThat(vectors).extracting(v -> v.path("gateway_status").asText()).contains("running", "succeeded",
                "failed", "cancelled");
        assertThat(vectors).extracting(v -> v.get("name").asText()).doesNotHaveDuplicates();
    }

    private static JsonNode read() {
        try (InputStream in = ReplicateWebhookVectorsTest.class
                .getResourceAsStream("/replicate-webhook-vectors.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read replicate-webhook-vectors.json", e);
        }
    }
}
