package dev.jobgateway.providers.fal;

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
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * Interop with fal's signature scheme as Node's own Ed25519 implements it: vectors signed and verified by
 * {@code node:crypto} ({@code tools/fal-webhook-vectors}, committed as {@code fal-webhook-vectors.json}), each with
 * the JWKS the gateway fetches. Every one Node verifies within the rules (time window, pinned user) is accepted;
 * every tampered, stale, wrong-user or unknown-key one is refused with 401; a JWKS without usable keys is a 503.
 */
class FalWebhookVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode FILE = read();

    static Stream<Arguments> vectors() {
        List<Arguments> all = new ArrayList<>();
        FILE.get("vectors").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void gatewayVerdictIsTheVectorsVerdict(String name, JsonNode vector) {
        Instant now = Instant.ofEpochSecond(vector.get("now").asLong());
        byte[] jwks = vector.get("jwks").asText().getBytes(StandardCharsets.UTF_8);
        FalKeys keys = new FalKeys(() -> Uni.createFrom().item(jwks), () -> now, Duration.ofHours(1),
                Duration.ofMinutes(1));
        FalWebhooks webhooks = new FalWebhooks(keys, FILE.get("user_id").asText(),
                Duration.ofSeconds(FILE.get("tolerance_seconds").asLong()), JSON);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        WebhookRequest request = new WebhookRequest("job_AAAAAAAAAAAAAAAAAAAAAA", null, headers::get,
                vector.get("payload").asText().getBytes(StandardCharsets.UTF_8), now);

        String verdict;
        try {
            webhooks.authenticate(request).await().atMost(Duration.ofSeconds(5));
            verdict = "accepted";
            assertThat(webhooks.read(request).externalId())
                    .isEqualTo(headers.get(FalWebhooks.REQUEST_ID));
        } catch (ApiException e) {
            verdict = e.status() == 503 ? "keys_unavailable" : e.status() == 401 ? "rejected" : "status " + e.status();
        }

        assertThat(verdict).isEqualTo(vector.get("expected").asText());
    }

    @Test
    void vectorsCoverEveryVerdictAndNodeVerifiedEveryAcceptedOne() {
        List<JsonNode> vectors = new ArrayList<>();
        FILE.get("vectors").forEach(vectors::add);

        assertThat(vectors).hasSizeGreaterThanOrEqualTo(30);
        for (String verdict : List.of("accepted", "rejected", "keys_unavailable")) {
            assertThat(vectors).anyMatch(v -> v.get("expected").asText().equals(verdict));
        }
        assertThat(vectors).filteredOn(v -> v.get("expected").asText().equals("accepted"))
                .allMatch(v -> v.get("node_verifies").asBoolean());
        assertThat(vectors).extracting(v -> v.get("name").asText()).doesNotHaveDuplicates();
    }

    private static JsonNode read() {
        try (InputStream in = FalWebhookVectorsTest.class.getResourceAsStream("/fal-webhook-vectors.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read fal-webhook-vectors.json", e);
        }
    }
}
