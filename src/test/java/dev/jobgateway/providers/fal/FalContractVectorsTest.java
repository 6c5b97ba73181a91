package dev.jobgateway.providers.fal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.WebhookRequest;

/**
 * fal's contract as its own code and docs show it ({@code vectors/fal/}: statuses and error answers from
 * {@code fal_client}'s and fal's framework tests, submit answers and app ids from fal-js's tests, bodies from
 * docs.fal.ai), each vector naming its source, read by the adapter's own reading code without the application.
 */
class FalContractVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Stream<Arguments> statuses() {
        return vectors("statuses.json");
    }

    static Stream<Arguments> results() {
        return vectors("results.json");
    }

    static Stream<Arguments> submitAnswers() {
        return vectors("submit-answers.json");
    }

    static Stream<Arguments> appIds() {
        return vectors("app-ids.json");
    }

    static Stream<Arguments> webhooks() {
        return vectors("webhooks.json");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statuses")
    void aStatusAnswerReadsAsFalsOwnClientReadsIt(String name, JsonNode vector) {
        JsonNode expected = vector.get("expected");

        if (expected.path("no_answer").asBoolean()) {
            assertThatThrownBy(() -> FalAnswers.status(vector.get("status")))
                    .isInstanceOf(ProviderCallException.class);
            return;
        }
        Optional<Report> report = FalAnswers.status(vector.get("status"));

        assertThat(report.isEmpty()).isEqualTo(expected.path("fetch_result").asBoolean());
        report.ifPresent(read -> assertReport(read, expected));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("results")
    void aResultAnswerReadsAsFalsOwnClientReadsIt(String name, JsonNode vector) {
        Map<String, String> headers = new HashMap<>();
        vector.get("headers").fields().forEachRemaining(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT),
                h.getValue().asText()));
        byte[] body = vector.get("body").asText().getBytes(StandardCharsets.UTF_8);
        ProviderHttp.Answer answer = new ProviderHttp.Answer(vector.get("http_status").asInt(), headers, body);
        JsonNode expected = vector.get("expected");

        if (expected.path("no_answer").asBoolean()) {
            assertThatThrownBy(() -> FalAnswers.result(answer, tree(body))).isInstanceOf(HttpStatusException.class);
            return;
        }
        assertReport(FalAnswers.result(answer, tree(body)), expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("submitAnswers")
    void theRequestsUrlsAreTheOnesItsSubmitAnsweredElseBuiltUnderItsAppId(String name, JsonNode vector) {
        URI base = URI.create(vector.get("base").asText());
        JsonNode expected = vector.get("expected");

        FalUrls answered = FalUrls.answered(vector.get("answer"), base);
        FalUrls kept = answered == null ? null : FalUrls.fromHandle(answered.handle(JSON), base, JSON);
        FalUrls used = kept != null ? kept
                : FalUrls.built(base, vector.get("model").asText(), vector.get("answer").get("request_id").asText());

        assertThat(vector.get("answer").get("request_id").asText()).isEqualTo(expected.get("request_id").asText());
        assertThat(kept != null).isEqualTo(expected.get("kept").asBoolean());
        assertThat(used.status()).hasToString(expected.get("status_url").asText());
        assertThat(used.result()).hasToString(expected.get("response_url").asText());
        assertThat(used.cancel()).hasToString(expected.get("cancel_url").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("appIds")
    void anEndpointIdsAppIdIsFalJsOwn(String name, JsonNode vector) {
        assertThat(FalUrls.app(vector.get("endpoint_id").asText())).isEqualTo(vector.get("expected_app").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("webhooks")
    void aDocumentedWebhookBodyReadsAsItSays(String name, JsonNode vector) {
        JsonNode expected = vector.get("expected");
        byte[] body = vector.get("body").asText().getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put(FalWebhooks.REQUEST_ID, expected.get("request_id").asText());
        FalWebhooks webhooks = new FalWebhooks(null, "user", java.time.Duration.ofMinutes(5), JSON);

        InboundWebhook read = webhooks.read(new WebhookRequest("job_AAAAAAAAAAAAAAAAAAAAAA", null, headers::get,
                body, Instant.now()));

        assertThat(read.externalId()).isEqualTo(expected.get("request_id").asText());
        assertThat(read.askProvider()).isEqualTo(expected.get("ask_provider").asBoolean());
        assertReport(read.report(), expected);
    }

    @Test
    void everyVectorNamesItsSource() {
        for (String file : List.of("statuses.json", "results.json", "submit-answers.json", "app-ids.json",
                "webhooks.json")) {
            read(file).get("vectors").forEach(vector -> {
                JsonNode source = vector.get("source");
                boolean repo = source.path("repo").isTextual() && source.path("path").isTextual()
                        && source.path("commit").asText().matches("[0-9a-f]{40}");
                boolean doc = source.path("url").asText().startsWith("https://");
                assertThat(repo || doc).as(file + ": " + vector.get("name")).isTrue();
            });
        }
    }

    private static void assertReport(Report report, JsonNode expected) {
        if (expected.has("job_status")) {
            assertThat(report.status().wireName()).isEqualTo(expected.get("job_status").asText());
        }
        if (expected.has("queue_position")) {
            assertThat(report.queuePosition()).isEqualTo(expected.get("queue_position").asInt());
        }
        if (expected.has("error_code")) {
            String code = report.errorCode() == null ? "generation_failed" : report.errorCode();
            assertThat(code).isEqualTo(expected.get("error_code").asText());
        }
        if (expected.has("error_message_contains")) {
            assertThat(report.errorMessage()).contains(expected.get("error_message_contains").asText());
        }
        if (expected.has("output_contains")) {
            assertThat(report.outputJson()).contains(expected.get("output_contains").asText());
        }
    }

    private static Stream<Arguments> vectors(String file) {
        List<Arguments> all = new ArrayList<>();
        read(file).get("vectors").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    private static JsonNode read(String file) {
        try (InputStream in = FalContractVectorsTest.class.getResourceAsStream("/vectors/fal/" + file)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read vectors/fal/" + file, e);
        }
    }

    private static JsonNode tree(byte[] body) {
        try {
            return body.length == 0 ? null : JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
