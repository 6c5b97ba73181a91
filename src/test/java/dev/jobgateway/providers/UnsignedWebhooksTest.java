package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * What is particular to the unsigned providers, RunPod and Cog: the per-job URL token, RunPod's confirmation of a
 * terminal webhook by one status call (a forged "completed" with a leaked URL changes nothing; an unconfirmable one
 * is refused with 503 and RunPod's retry lands), RunPod's execution timeout from the job's deadline, and Cog's
 * idempotent {@code PUT} under the gateway's own job id.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class UnsignedWebhooksTest {

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void aForgedRunPodCompletionWithAValidUrlIsCheckedAndItsOutputNeverTaken() {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String externalId = Webhooks.externalId(id);
        int statusCallsBefore = aiServer.statusCalls(externalId);

        Response answer = given().contentType("application/json")
                .body("{\"id\":\"" + externalId + "\",\"status\":\"COMPLETED\",\"output\":{\"images\":[{\"url\":"
                        + "\"https://attacker.example/x.png\"}]}}")
                .post(webhookUrl(id));

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(aiServer.statusCalls(externalId) - statusCallsBefore).isEqualTo(1);
        JsonPath job = Jobs.get(id);
        assertThat(job.getString("status")).isEqualTo("running");
        assertThat((Object) job.get("output")).isNull();
        assertThat(Jobs.events(id).getString("events.find { it.type == 'webhook_received' }.details.status"))
                .isEqualTo("IN_PROGRESS");
        given().post("/jobs/" + id + "/cancel").then().statusCode(200);
    }

    @Test
    void aRunPodWebhookThatCannotBeConfirmedIs503AndRunPodsRetryCompletesTheJob() {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 100, "status_errors", 1));
        String externalId = Webhooks.externalId(id);

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        // First attempt: the confirming call met an outage, the webhook got 503; the retry (10 s later at RunPod,
        // 200 ms in tests) was confirmed.
        assertThat(aiServer.deliveryAttemptsTo(id)).isEqualTo(2);
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(2);
    }

    @Test
    void aRunPodJobRunsUnderAnExecutionTimeoutOfItsDeadlineAndReportsToATokenUrl() {
        String id = Jobs.submitBody(Map.of("provider", "runpod", "max_duration_seconds", 120,
                "input", Jobs.simulate(Map.of("duration_ms", 50)))).getString("id");
        String externalId = Webhooks.externalId(id);

        long timeout = Long.parseLong(aiServer.jobFact(externalId, "execution_timeout_ms"));

        assertThat(timeout).isBetween(110_000L, 120_000L);
        assertThat(externalId).endsWith("-u1");
        assertThat(webhookUrl(id)).matches(".*/webhooks/runpod/" + id + "\\?token=[A-Za-z0-9_-]{20,}");
        assertThat(Jobs.awaitTerminal(id).getString("model")).isEqualTo("dev-endpoint");
    }

    @Test
    void aCogPredictionIsPutUnderTheGatewaysJobIdAsync() {
        String id = ProviderCase.COG.submit(Map.of("duration_ms", 50));

        assertThat(Webhooks.externalId(id)).isEqualTo(id);
        assertThat(aiServer.submitHeader(id, "Prefer")).isEqualTo("respond-async");
        assertThat(Jobs.awaitTerminal(id).getString("status")).isEqualTo("succeeded");
    }

    @Test
    void aCogServerWithAllSlotsBusyIsAskedAgainWithBackoff() {
        String id = ProviderCase.COG.submit(Map.of("reject_submits", 3, "duration_ms", 50));

        assertThat(Jobs.events(id).getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts"))
                .isEqualTo(4);
        await().atMost(Duration.ofSeconds(5)).until(() -> Jobs.get(id).getString("status").equals("succeeded"));
    }

    /** The webhook URL the gateway gave the AI server for this job (with its token), as a path and query. */
    private String webhookUrl(String jobId) {
        String url = aiServer.submittedWebhookUrls().stream().filter(u -> u.contains("/" + jobId + "?"))
                .findFirst().orElseThrow();
        return url.substring(url.indexOf("/webhooks/"));
    }
}
