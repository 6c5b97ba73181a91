package dev.jobgateway.providers.replicate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;

/** Replicate's statuses, logs and outputs in the gateway's terms. */
class ReplicateMappingTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @CsvSource({ "starting,queued", "processing,running", "succeeded,succeeded", "failed,failed",
            "canceled,cancelled", "aborted,failed" })
    void eachOfReplicatesStatusesHasItsGatewayStatus(String replicate, String gateway) throws Exception {
        Report report = prediction("{\"id\":\"p1\",\"status\":\"" + replicate + "\"}").toReport().orElseThrow();

        assertThat(report.status().wireName()).isEqualTo(gateway);
        assertThat(report.upstreamStatus()).isEqualTo(replicate);
    }

    @Test
    void anAbortedPredictionFailsWithItsOwnErrorCode() throws Exception {
        Report report = prediction("{\"id\":\"p1\",\"status\":\"aborted\"}").toReport().orElseThrow();

        assertThat(report.errorCode()).isEqualTo("aborted");
        assertThat(report.errorMessage()).contains("not billed");
    }

    @Test
    void aStatusReplicateNeverDocumentedIsNoReport() throws Exception {
        assertThat(prediction("{\"id\":\"p1\",\"status\":\"exploded\"}").toReport()).isEmpty();
        assertThat(prediction("{\"id\":\"p1\"}").toReport()).isEmpty();
    }

    @Test
    void theOutputIsKeptAsReplicateGivesIt() throws Exception {
        assertThat(prediction("{\"status\":\"succeeded\",\"output\":\"https://r/1.png\"}").toReport().orElseThrow()
                .outputJson()).isEqualTo("\"https://r/1.png\"");
        assertThat(prediction("{\"status\":\"succeeded\",\"output\":[\"https://r/1.png\",\"https://r/2.png\"]}")
                .toReport().orElseThrow().outputJson()).isEqualTo("[\"https://r/1.png\",\"https://r/2.png\"]");
        assertThat(prediction("{\"status\":\"succeeded\",\"output\":null}").toReport().orElseThrow().outputJson())
                .isNull();
    }

    @Test
    void aFailedPredictionCarriesReplicatesErrorText() throws Exception {
        Report report = prediction("{\"status\":\"failed\",\"error\":\"CUDA out of memory\"}").toReport()
                .orElseThrow();

        assertThat(report.status()).isEqualTo(JobStatus.FAILED);
        assertThat(report.errorMessage()).isEqualTo("CUDA out of memory");
        assertThat(report.errorCode()).isNull();
    }

    @Test
    void progressIsTheLatestTqdmPercentageOfTheLogs() {
        String logs = "Using seed: 42\n  0%|          | 0/50 [00:00<?, ?it/s]\n 10%|█         | 5/50 [00:01<00:09]\n"
                + " 45%|████▌     | 45/100 [00:02<00:02, 20.1it/s]\n";

        assertThat(TqdmProgress.latest(logs)).isEqualTo(0.45);
        assertThat(TqdmProgress.latest(logs + "100%|██████████| 50/50 [00:04<00:00]")).isEqualTo(1.0);
        assertThat(TqdmProgress.latest("\r 33%|███▎      | 1/3\r 66%|██████▋   | 2/3")).isEqualTo(0.66);
    }

    @Test
    void logsWithoutATqdmBarHaveNoProgress() {
        assertThat(TqdmProgress.latest(null)).isNull();
        assertThat(TqdmProgress.latest("")).isNull();
        assertThat(TqdmProgress.latest("loading weights 100% done")).isNull();
        assertThat(TqdmProgress.latest("%|")).isNull();
        assertThat(TqdmProgress.latest("1450%| nonsense")).isNull();
    }

    @Test
    void progressInMegabytesOfLogsIsFoundFromTheEnd() {
        String logs = "x".repeat(4_000_000) + " 80%|████████  | 40/50";

        long started = System.nanoTime();
        assertThat(TqdmProgress.latest(logs)).isEqualTo(0.8);
        assertThat(System.nanoTime() - started).isLessThan(200_000_000L);
    }

    @Test
    void cancelAfterIsTheTimeLeftUntilTheDeadlineAndAtLeastFiveSeconds() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(ReplicateProvider.cancelAfter(now.plusSeconds(300), now)).isEqualTo("300s");
        assertThat(ReplicateProvider.cancelAfter(now.plusMillis(299_001), now)).isEqualTo("300s");
        assertThat(ReplicateProvider.cancelAfter(now.plusSeconds(2), now)).isEqualTo("5s");
    }

    /**
     * Predictions as Replicate's API answered them, recorded in replicate-python's test cassettes
     * ({@code vectors/replicate/replicate-vectors.json}, each naming its cassette), read as the adapter reads them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cassettePredictions")
    void aRecordedPredictionReadsAsItsGatewayStatus(String name, JsonNode vector) throws Exception {
        Prediction prediction = prediction(vector.get("body").asText());

        Report report = prediction.toReport().orElseThrow();

        assertThat(prediction.id()).isEqualTo(vector.get("id").asText());
        assertThat(report.upstreamStatus()).isEqualTo(vector.get("status").asText());
        assertThat(report.status().wireName()).isEqualTo(vector.get("gateway_status").asText());
        if (vector.has("first_output")) {
            assertThat(JSON.readTree(report.outputJson()).get(0).asText())
                    .isEqualTo(vector.get("first_output").asText());
            assertThat(report.progress()).isEqualTo(1.0);
        }
    }

    static Stream<Arguments> cassettePredictions() throws Exception {
        try (InputStream in = ReplicateMappingTest.class.getResourceAsStream(
                "/vectors/replicate/replicate-vectors.json")) {
            List<Arguments> all = new ArrayList<>();
            JSON.readTree(in).get("predictions").forEach(vector -> all.add(Arguments.of(vector.get("name").asText(),
                    vector)));
            return all.stream();
        }
    }

    private static Prediction prediction(String json) throws Exception {
        return JSON.readValue(json, Prediction.class);
    }
}
