package dev.jobgateway.providers.cog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Report;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.ProviderHttp;

/**
 * Contract vectors from Cog itself ({@code src/test/resources/vectors/cog/}: replicate/cog's docs, coglet's handlers
 * and tests, the Python server and its tests, each naming its repository, path, ref and lines), read by the Cog
 * adapter's own reading ({@link CogWire}) without the application: prediction objects into their gateway status and
 * output, error answers into their text, health checks into their state.
 */
class CogVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CogWire WIRE = new CogWire(JSON);

    static Stream<Arguments> predictions() {
        return vectors("predictions");
    }

    static Stream<Arguments> errors() {
        return vectors("errors");
    }

    static Stream<Arguments> health() {
        return vectors("health");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("predictions")
    void aPredictionObjectReadsAsItsGatewayStatusAndOutput(String name, JsonNode vector) throws Exception {
        CogPrediction prediction = WIRE.prediction(body(vector)).orElseThrow();
        Report report = prediction.toReport().orElseThrow();

        assertThat(prediction.id()).isEqualTo(vector.get("id").isNull() ? null : vector.get("id").asText());
        assertThat(report.status().wireName()).isEqualTo(vector.get("gateway_status").asText());
        assertThat(report.upstreamStatus()).isEqualTo(JSON.readTree(body(vector)).path("status").asText());
        JsonNode output = vector.get("output");
        if (output.isNull()) {
            assertThat(report.outputJson()).isNull();
        } else {
            assertThat(JSON.readTree(report.outputJson())).isEqualTo(JSON.readTree(output.asText()));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void anErrorAnswerReadsAsCogsTextAndIsRetriedOnlyWhereNothingCanHaveStarted(String name, JsonNode vector) {
        int status = vector.get("status").asInt();
        HttpStatusException answer = new HttpStatusException(new ProviderHttp.Answer(status, Map.of(), body(vector)),
                WIRE.errorText(body(vector)));

        assertThat(answer.detail()).isEqualTo(vector.get("error_text").asText());
        assertThat(Idempotency.IDEMPOTENT.mayRepeat(answer)).as("the hand-off retries HTTP " + status)
                .isEqualTo(vector.get("retried").asBoolean());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("health")
    void aHealthCheckReadsAsItsState(String name, JsonNode vector) {
        CogHealth health = WIRE.health(body(vector)).orElseThrow();

        assertThat(health.status()).isEqualTo(vector.get("health_status").asText());
        assertThat(health.setupStartedAt()).isEqualTo(vector.get("setup_started_at").asText());
        assertThat(health.known()).isTrue();
    }

    @Test
    void everyHealthStatusCogletAnswersIsKnown() {
        List<String> values = new ArrayList<>();
        read("health").get("statuses").get("values").forEach(value -> values.add(value.asText()));

        assertThat(CogHealth.STATUSES).containsExactlyElementsOf(values);
    }

    @Test
    void everyVectorNamesItsSource() {
        for (String file : List.of("predictions", "errors", "health")) {
            read(file).get("vectors").forEach(vector -> {
                JsonNode source = vector.get("source");
                assertThat(source.path("repo").asText()).as(vector.get("name").asText()).isEqualTo("replicate/cog");
                assertThat(source.path("path").asText()).isNotBlank();
                assertThat(source.path("ref").asText()).isNotBlank();
                assertThat(source.path("lines").asText()).isNotBlank();
            });
        }
    }

    private static byte[] body(JsonNode vector) {
        return vector.get("body").asText().getBytes(StandardCharsets.UTF_8);
    }

    private static Stream<Arguments> vectors(String file) {
        List<Arguments> all = new ArrayList<>();
        read(file).get("vectors").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    private static JsonNode read(String file) {
        try (InputStream in = CogVectorsTest.class.getResourceAsStream("/vectors/cog/" + file + ".json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
