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
import dev.jobgateway.support.WebhookSecrets;

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

    /**
     * The Standard Webhooks (svix) vector replicate-javascript's own tests verify with {@code validateWebhook}
     * ({@code vectors/replicate/replicate-vectors.json}, {@code svix_webhook}): the gateway's verifier accepts it at
     * its timestamp, with the headers as sent (capitalised), and refuses it once a byte of the body, the id or the
     * timestamp changes, or under another secret.
     */
    @Test
    void theSvixVectorReplicatesJavascriptClientVerifiesIsAcceptedAndAnyChangeToItRefused() throws Exception {
        JsonNode vector;
        try (InputStream in = getClass().getResourceAsStream("/vectors/replicate/replicate-vectors.json")) {
            vector = JSON.readTree(in).get("svix_webhook");
        }
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        String body = vector.get("body").asText();
        Instant sentAt = Instant.ofEpochSecond(Long.parseLong(headers.get("webhook-timestamp")));

        assertThat(verifies(vector.get("secret").asText(), headers, body, sentAt)).isTrue();
        assertThat(verifies(vector.get("secret").asText(), headers, body.replace("2432232314", "2432232315"), sentAt))
                .isFalse();
        assertThat(verifies(WebhookSecrets.of("another secret"), headers, body, sentAt)).isFalse();
        Map<String, String> otherId = new TreeMap<>(headers);
        otherId.put("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJeK");
        assertThat(verifies(vector.get("secret").asText(), otherId, body, sentAt)).isFalse();
        Map<String, String> otherTime = new TreeMap<>(headers);
        otherTime.put("webhook-timestamp", "1614265331");
        assertThat(verifies(vector.get("secret").asText(), otherTime, body, sentAt)).isFalse();
        assertThat(verifies(vector.get("secret").asText(), headers, body, sentAt.plus(Duration.ofHours(1)))).isFalse();
    }

    private static boolean verifies(String secret, Map<String, String> headers, String body, Instant now) {
        ReplicateWebhooks webhooks = new ReplicateWebhooks(List.of(secret), Duration.ofMinutes(5), JSON);
        Map<String, String> sent = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        sent.putAll(headers);
        try {
            webhooks.authenticate(new WebhookRequest("job_AAAAAAAAAAAAAAAAAAAAAA", null, sent::get,
                    body.getBytes(StandardCharsets.UTF_8), now));
            return true;
        } catch (ApiException e) {
            assertThat(e.status()).isEqualTo(401);
            return false;
        }
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
