package dev.jobgateway.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.DueChecks;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.ShortFallbackIntervals;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The fallback for every provider, each against its dialect: a webhook that never comes is made up for by asking the
 * provider's own status API (fal: the status, then the result), and what the answer carries (Replicate's progress in
 * its logs, fal's queue position) reaches the job. Same short intervals as the generic fallback tests. Not ComfyUI:
 * it sends no webhooks, so there is none to drop; polling is its normal path (ComfyUiProviderTest). Not Cog: it
 * cannot be asked about a prediction, whose lost result ends the job as a lost delivery (cog.CogLostWebhookTest).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(ShortFallbackIntervals.class)
class ProviderFallbackTest {

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    RedisDataSource redis;

    @ParameterizedTest
    @EnumSource(value = ProviderCase.class, names = { "COMFYUI", "COG" }, mode = EnumSource.Mode.EXCLUDE)
    void aDroppedWebhookIsRecoveredByAskingTheProvider(ProviderCase provider) throws Exception {
        String id = provider.submit(Simulate.webhookDropped().durationMs(100).knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getString("delivery.state")).isEqualTo("polled");
        assertThat(job.getInt("delivery.webhooks_received")).isZero();
        assertThat(job.getString(provider.firstImageUrl())).endsWith(".png");
        assertThat(Jobs.events(id).getList("events.type")).containsExactly("submitted", "handed_to_ai_server",
                "upstream_checked");
        System.out.printf("[measure] %s dropped webhook: upstream calls per job: %d submit, %d status%n", provider,
                Jobs.events(id).getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts"),
                aiServer.statusCalls(Webhooks.externalId(id)));
    }

    @ParameterizedTest
    @EnumSource(value = ProviderCase.class, names = { "COMFYUI", "COG" }, mode = EnumSource.Mode.EXCLUDE)
    void aFailureWhoseWebhookWasDroppedIsRecoveredWithTheProvidersError(ProviderCase provider) throws Exception {
        String id = provider.submit(Simulate.webhookDropped().durationMs(100).outcome("failed")
                .knob("error_message", "out of memory").knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getString("error.source")).isEqualTo("ai_server");
        assertThat(job.getString("error_message")).contains("out of memory");
    }

    @ParameterizedTest
    @EnumSource(value = ProviderCase.class, names = { "COMFYUI", "COG" }, mode = EnumSource.Mode.EXCLUDE)
    void aProviderThatCannotAnswerIsAskedAgainLaterNeverTakenForAFailedJob(ProviderCase provider) throws Exception {
        String id = provider.submit(Simulate.webhookDropped().durationMs(200).statusErrors(1).knobs());
        String externalId = Webhooks.externalId(id);
        DueChecks.awaitDue(id);

        JsonPath unreachable = Jobs.get(id);
        assertThat(unreachable.getString("status")).isNotIn("failed", "succeeded");
        assertThat(unreachable.getString("delivery.state")).isEqualTo("upstream_unreachable");

        await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(200))
                .until(() -> Jobs.get(id).getString("status").equals("succeeded"));
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(2);
        assertThat(Jobs.events(id).getList("events.type")).containsSubsequence("upstream_check_failed",
                "upstream_checked");
    }

    @Test
    void aRunPodJobCheckedOnlyAfterItsResultExpiredFailsAsLostNotStuck() throws Exception {
        aiServer.runpod().retention(Duration.ZERO);
        try {
            String id = ProviderCase.RUNPOD.submit(Simulate.webhookDropped().durationMs(100).knobs());
            DueChecks.awaitDue(id);

            JsonPath job = Jobs.get(id);

            assertThat(job.getString("status")).isEqualTo("failed");
            assertThat(job.getString("error.source")).isEqualTo("upstream_lost");
            assertThat(job.getString("error.code")).isEqualTo("result_expired");
            assertThat(job.getString("error.message")).contains("HTTP 404");
            assertThat(job.getString("completed_via")).isEqualTo("poll");
        } finally {
            aiServer.runpod().retention(Duration.ofMinutes(30));
        }
    }

    @Test
    void replicatesProgressIsReadFromTheTqdmLinesOfItsLogs() throws Exception {
        // Starts at 1/2 of 4 s with one tqdm line at 50 %; checked after it started.
        String id = ProviderCase.REPLICATE.submit(Simulate.webhookDropped().durationMs(4_000).progressSteps(1).knobs());
        String externalId = Webhooks.externalId(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> "running".equals(aiServer.jobStatus(externalId)));
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("running");
        assertThat(job.getDouble("progress")).isEqualTo(0.5);
        assertThat(Jobs.events(id).getString("events.find { it.type == 'upstream_checked' }.details.upstream_status"))
                .isEqualTo("processing");
    }

    @Test
    void runpodsProgressIsReadFromTheOutputOfItsInProgressStatus() throws Exception {
        // Queued until 3 s of 6, when its worker takes it and reports "50%" (rp_progress.py: the status's output).
        // Reads of the job drive the checks.
        String id = ProviderCase.RUNPOD.submit(Simulate.webhookDropped().durationMs(6_000).progressSteps(1).knobs());

        await().atMost(Duration.ofMillis(5_500)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonPath read = Jobs.get(id);
                    return read.getString("status").equals("running") && read.get("progress") != null;
                });
        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("running");
        assertThat(job.getDouble("progress")).isEqualTo(0.5);
        assertThat(Jobs.events(id).getList("events.findAll { it.type == 'upstream_checked' }.details.upstream_status"))
                .contains("IN_PROGRESS");
    }

    @Test
    void falsQueuePositionIsKeptOnTheJobWhileItWaitsInTheQueue() throws Exception {
        // Queued for the first half of a minute, third in line.
        String id = ProviderCase.FAL.submit(
                Simulate.webhookDropped().durationMs(60_000).progressSteps(1).knob("queue_position", 3).knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("queued");
        assertThat(job.getInt("queue_position")).isEqualTo(3);
        assertThat(job.getLong("version")).isEqualTo(1);
        assertThat(Jobs.events(id).getString("events.find { it.type == 'upstream_checked' }.details.upstream_status"))
                .isEqualTo("IN_QUEUE");
    }

    @Test
    void aFalResultThatIsNotJsonFailsTheJobWithPayloadError() throws Exception {
        String id = ProviderCase.FAL
                .submit(Simulate.webhookDropped().durationMs(100).knob("payload_error", "not_json").knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error.code")).isEqualTo("payload_error");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
    }

    @ParameterizedTest
    @ValueSource(strings = { "workflows/acme/my-flow", "comfy/acme/upscale/v2" })
    void aNamespacedFalModelIsCheckedAndFetchedAtTheUrlsItsSubmitAnswered(String model) throws Exception {
        String id = submitFal(model, Simulate.webhookDropped().durationMs(100).knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getInt("output.seed")).isEqualTo(42);
        assertThat(aiServer.statusCalls(Webhooks.externalId(id))).isEqualTo(1);
    }

    @Test
    void aFalJobStoredWithoutItsUrlsIsCheckedAtUrlsBuiltWithTheNamespaceRule() throws Exception {
        String id = submitFal("workflows/acme/my-flow", Simulate.webhookDropped().durationMs(300).knobs());
        String key = "jobgw:job:{" + id + "}";
        assertThat(redis.hash(String.class).hget(key, "provider_handle")).contains("/requests/");

        // As a job handed off before the gateway kept fal's URLs.
        redis.hash(String.class).hdel(key, "provider_handle");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> Jobs.get(id).getString("status").equals("succeeded"));

        assertThat(Jobs.get(id).getString("completed_via")).isEqualTo("poll");
        assertThat(Jobs.get(id).getInt("output.seed")).isEqualTo(42);
    }

    @ParameterizedTest
    @CsvSource({ "runner_disconnected, Runner disconnected", "request_timeout, Request timed out" })
    void aFalRequestThatCompletedWithAnInfrastructureErrorFailsWithFalsErrorType(String errorType, String error)
            throws Exception {
        String id = ProviderCase.FAL.submit(
                Simulate.webhookDropped().durationMs(100).outcome("failed").knob("fal_failure", errorType).knobs());
        String externalId = Webhooks.externalId(id);
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getString("error.source")).isEqualTo("ai_server");
        assertThat(job.getString("error.code")).isEqualTo(errorType);
        assertThat(job.getString("error.message")).contains(error);
        // The COMPLETED status said how it failed: no result to fetch.
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
    }

    @Test
    void aFalModelErrorFailsTheJobWithFalsDetailInsteadOfWaitingForItsDeadline() throws Exception {
        String id = ProviderCase.FAL.submit(Simulate.webhookDropped().durationMs(100).outcome("failed")
                .knob("error_message", "prompt must not be empty").knobs());
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getString("error.code")).isEqualTo("generation_failed");
        assertThat(job.getString("error.message")).contains("HTTP 422").contains("prompt must not be empty");
        assertThat(Jobs.events(id).getList("events.type")).doesNotContain("upstream_check_failed");
    }

    private static String submitFal(String model, Map<String, Object> knobs) {
        return Jobs.submitBody(Map.of("provider", "fal", "model", model, "input", Jobs.simulate(knobs)))
                .getString("id");
    }
}
