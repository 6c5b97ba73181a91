package dev.jobgateway.providers.runpod;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;

/** RunPod's job states in the gateway's terms, and the execution timeout a job's deadline gives. */
class RunPodMappingTest {

    @ParameterizedTest
    @CsvSource({ "IN_QUEUE, queued", "IN_PROGRESS, running", "RUNNING, running", "COMPLETED, succeeded",
            "FAILED, failed", "CANCELLED, cancelled", "TIMED_OUT, failed" })
    void everyDocumentedStateMapsToAGatewayStatus(String state, String status) {
        Report report = new RunPodJob("j-u1", state, null, null).toReport().orElseThrow();

        assertThat(report.status()).isEqualTo(JobStatus.fromWire(status).orElseThrow());
        assertThat(report.upstreamStatus()).isEqualTo(state);
    }

    @Test
    void aJobTimedOutAfterItRanFailsAsExecutionTimedOutAndOneThatNeverRanAsExpiredInTheQueue() {
        Report ran = new RunPodJob("j-u1", "TIMED_OUT", null, null, 600_000L).toReport().orElseThrow();
        Report neverRan = new RunPodJob("j-u1", "TIMED_OUT", null, null, null).toReport().orElseThrow();
        Report zero = new RunPodJob("j-u1", "TIMED_OUT", null, null, 0L).toReport().orElseThrow();

        assertThat(ran.errorCode()).isEqualTo("execution_timed_out");
        assertThat(ran.errorMessage()).contains("execution timeout");
        assertThat(neverRan.errorCode()).isEqualTo("expired_in_queue");
        assertThat(neverRan.errorMessage()).contains("never ran");
        assertThat(zero.errorCode()).isEqualTo("expired_in_queue");
    }

    @Test
    void aFailedJobCarriesRunPodsErrorAndACompletedOneItsOutput() {
        assertThat(new RunPodJob("j", "FAILED", null, TextNode.valueOf("CUDA out of memory")).toReport()
                .orElseThrow().errorMessage()).isEqualTo("CUDA out of memory");
        assertThat(new RunPodJob("j", "COMPLETED", JsonNodeFactory.instance.objectNode().put("image_url", "u"), null)
                .toReport().orElseThrow().outputJson()).isEqualTo("{\"image_url\":\"u\"}");
    }

    @Test
    void aWorkersErrorWithoutAMessageShowsNoneOfItsDetailsAndAnObjectErrorIsShownAsJson() {
        JsonNodeFactory json = JsonNodeFactory.instance;
        Report detailsOnly = new RunPodJob("j", "FAILED", null, TextNode.valueOf("{\"error_traceback\": \"Traceback "
                + "(most recent call last): ...\", \"hostname\": \"h-1\", \"worker_id\": \"w-1\"}"), 10L)
                .toReport().orElseThrow();
        Report object = new RunPodJob("j", "FAILED", null, json.objectNode().put("code", "NSFW"), 10L).toReport()
                .orElseThrow();
        Report module = new RunPodJob("j", "FAILED", null, json.objectNode().put("error_type",
                "<class 'torch.OutOfMemoryError'>").put("error_message", "CUDA out of memory").put("hostname", "h-1"),
                10L).toReport().orElseThrow();

        assertThat(detailsOnly.errorMessage()).isEqualTo("The worker reported an error without a message.");
        assertThat(object.errorMessage()).isEqualTo("{\"code\":\"NSFW\"}");
        assertThat(module.errorMessage()).isEqualTo("OutOfMemoryError: CUDA out of memory");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "\"50%\"|0.5", "\"Update 1/4\"|0.25", "0.4|0.4", "40|0.4",
            "{\"progress\": 0.75}|0.75", "{\"percent\": \"20%\"}|0.2" })
    void progressIsReadFromTheShapesWorkersSend(String output, double progress) throws Exception {
        JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output);

        assertThat(new RunPodJob("j", "IN_PROGRESS", node, null).toReport().orElseThrow().progress())
                .isCloseTo(progress, org.assertj.core.data.Offset.offset(1e-9));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = { "\"loading model\"", "250", "-1", "\"7/0\"", "\"150%\"", "[1]" })
    void anythingElseIsNoProgress(String output) throws Exception {
        JsonNode node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(output);

        assertThat(new RunPodJob("j", "IN_PROGRESS", node, null).toReport().orElseThrow().progress()).isNull();
    }

    @Test
    void aStateRunPodDoesNotDocumentIsNoReport() {
        assertThat(new RunPodJob("j", "EXPLODED", null, null).toReport()).isEmpty();
        assertThat(new RunPodJob("j", null, null, null).toReport()).isEmpty();
    }

    @Test
    void theExecutionTimeoutIsTheTimeLeftUntilTheDeadlineMoreThanFiveSecondsAtMostSevenDays() {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");

        assertThat(RunPodProvider.executionTimeoutMs(now.plusSeconds(300), now)).isEqualTo(300_000);
        assertThat(RunPodProvider.executionTimeoutMs(now.plusSeconds(5), now)).isEqualTo(5_001);
        assertThat(RunPodProvider.executionTimeoutMs(now.plusSeconds(2), now)).isEqualTo(5_001);
        assertThat(RunPodProvider.executionTimeoutMs(now.plus(java.time.Duration.ofDays(8)), now))
                .isEqualTo(604_800_000L);
    }

    @Test
    void theTtlIsTheTimeLeftUntilTheDeadlineAtLeastTenSecondsAtMostSevenDays() {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");

        assertThat(RunPodProvider.ttlMs(now.plusSeconds(300), now)).isEqualTo(300_000);
        assertThat(RunPodProvider.ttlMs(now.plusSeconds(3), now)).isEqualTo(10_000);
        assertThat(RunPodProvider.ttlMs(now.plus(java.time.Duration.ofDays(8)), now)).isEqualTo(604_800_000L);
    }
}
