package dev.jobgateway.providers.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.jobgateway.job.Report;

/**
 * RunPod's real bodies ({@code vectors/runpod/runpod-vectors.json}, each naming its source in RunPod's docs or
 * runpod-python) read as the adapter reads them: every documented state and status answer maps to its gateway status,
 * progress updates as runpod-python and the docs send them become a fraction, and the error a runpod-python worker
 * builds from an exception is reduced to its type and message, with no traceback, host or worker id left in it.
 */
class RunPodVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode FILE = read();

    static Stream<Arguments> statusAnswers() {
        return named(FILE.get("status_answers"));
    }

    static Stream<Arguments> workerErrors() {
        return named(FILE.get("worker_errors"));
    }

    private static Stream<Arguments> named(JsonNode vectors) {
        List<Arguments> all = new ArrayList<>();
        vectors.forEach(vector -> all.add(Arguments.of(vector.get("name").asText(), vector)));
        return all.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statusAnswers")
    void eachStatusAnswerReadsAsItsGatewayStatus(String name, JsonNode vector) throws Exception {
        RunPodJob job = JSON.treeToValue(vector.get("body"), RunPodJob.class);

        Report report = job.toReport().orElseThrow();

        assertThat(report.status().wireName()).isEqualTo(vector.get("gateway_status").asText());
        assertThat(job.id()).isEqualTo(vector.get("body").get("id").asText());
        if (vector.has("error_message")) {
            assertThat(report.errorMessage()).isEqualTo(vector.get("error_message").asText());
        }
        if (report.status().wireName().equals("succeeded")) {
            assertThat(report.outputJson()).isEqualTo(vector.get("body").get("output").toString());
        }
    }

    @Test
    void everyDocumentedStateIsUnderstood() {
        FILE.get("documented_states").get("states").forEach(state -> assertThat(new RunPodJob("j", state.asText(),
                null, null).toReport()).as(state.asText()).isPresent());
    }

    @Test
    void progressUpdatesAsRunPodsWorkersSendThemAreAFraction() {
        FILE.get("progress_outputs").forEach(vector -> {
            Report report = new RunPodJob("j", "IN_PROGRESS", vector.get("output"), null).toReport().orElseThrow();
            assertThat(report.progress()).as(vector.get("source").asText())
                    .isCloseTo(vector.get("progress").asDouble(), org.assertj.core.data.Offset.offset(1e-9));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("workerErrors")
    void aWorkersErrorIsReducedToItsMessage(String name, JsonNode vector) {
        RunPodJob job = new RunPodJob("j", "FAILED", null, TextNode.valueOf(vector.get("error").asText()), 812L);

        String shown = job.toReport().orElseThrow().errorMessage();

        assertThat(shown).isEqualTo(vector.get("message").asText());
        vector.get("never_shown").forEach(secret -> assertThat(shown).doesNotContain(secret.asText()));
    }

    private static JsonNode read() {
        try (InputStream in = RunPodVectorsTest.class.getResourceAsStream("/vectors/runpod/runpod-vectors.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read vectors/runpod/runpod-vectors.json", e);
        }
    }
}
