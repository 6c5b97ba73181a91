package dev.jobgateway.providers;

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

/**
 * Interop with the Standard Webhooks reference implementations: vectors made and judged by the npm packages
 * {@code standardwebhooks} and {@code svix} ({@code tools/webhook-vectors}, committed as
 * {@code webhook-vectors.json}). The gateway accepts exactly the ones it should: every one the libraries accept,
 * and none they reject; where it is deliberately stricter, the vector says so.
 */
class StandardWebhookVectorsTest {

    private static final JsonNode FILE = read();

    static Stream<Arguments> vectors() {
        List<Arguments> all = new ArrayList<>();
        FILE.get("vectors").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void gatewayVerdictMatchesTheVector(String name, JsonNode vector) {
        List<String> secrets = new ArrayList<>();
        vector.get("accepted_secrets").forEach(secret -> secrets.add(secret.asText()));
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
        Duration tolerance = Duration.ofSeconds(FILE.get("tolerance_seconds").asLong());
        StandardWebhook verifier = new StandardWebhook(secrets, tolerance);
        byte[] payload = vector.get("payload").asText().getBytes(StandardCharsets.UTF_8);
        Instant now = Instant.ofEpochSecond(vector.get("now").asLong());

        String rejection = null;
        try {
            verifier.verify(StandardWebhook.header(headers::get, StandardWebhook.ID_HEADER),
                    StandardWebhook.header(headers::get, StandardWebhook.TIMESTAMP_HEADER),
                    StandardWebhook.header(headers::get, StandardWebhook.SIGNATURE_HEADER), payload, now);
        } catch (WebhookVerificationException e) {
            rejection = e.getMessage();
        }

        assertThat(rejection == null).as("accepted (rejection: %s)", rejection)
                .isEqualTo(vector.get("gateway_accepts").asBoolean());
        for (String secret : secrets) {
            assertThat(String.valueOf(rejection)).doesNotContain(secret.replace("whsec_", ""));
        }
    }

    @Test
    void vectorsCoverBothLibrariesBothVerdictsAndAgreeWithThemUnlessADeviationIsExplained() {
        List<JsonNode> vectors = new ArrayList<>();
        FILE.get("vectors").forEach(vectors::add);

        for (String library : List.of("standardwebhooks@", "svix@")) {
            assertThat(vectors).filteredOn(v -> v.get("library").asText().startsWith(library))
                    .anyMatch(v -> v.get("gateway_accepts").asBoolean())
                    .anyMatch(v -> !v.get("gateway_accepts").asBoolean());
        }
        assertThat(vectors).hasSizeGreaterThanOrEqualTo(60);
        assertThat(vectors).allMatch(v -> v.has("deviation")
                || v.get("library_accepts").asBoolean() == v.get("gateway_accepts").asBoolean());
        assertThat(vectors).extracting(v -> v.get("name").asText()).doesNotHaveDuplicates();
    }

    private static JsonNode read() {
        try (InputStream in = StandardWebhookVectorsTest.class.getResourceAsStream("/webhook-vectors.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read webhook-vectors.json", e);
        }
    }
}
