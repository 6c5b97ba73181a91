package dev.jobgateway.providers.cog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ShortFallbackIntervals;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * A Cog prediction is forgotten once it has ended, and a PUT of its id then runs the model again (coglet
 * {@code routes.rs}): so a Cog job whose terminal webhook is lost is never "recovered" by asking Cog, the terminal
 * webhook's own retries (12, from 100 ms, on 429/5xx and lost connections) are what deliver it, and a job whose
 * result never came ends as a lost delivery by its deadline. With the fallback's short test intervals, under which a
 * check would long have been due; jobs are read every 100 ms, as a waiting client would.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(ShortFallbackIntervals.class)
class CogLostWebhookTest {

    @Inject
    SimulatedAiServer aiServer;

    @Test
    void aLostTerminalWebhookNeverRunsThePredictionAgainAndTheJobEndsAsLostByItsDeadline() {
        String id = submit(3, Simulate.webhookDropped().durationMs(100).knobs());

        JsonPath job = Jobs.awaitTerminal(id, Duration.ofSeconds(8), Duration.ofMillis(100));

        assertThat(aiServer.cog().runs(id)).as("predictions run under the job's id").isEqualTo(1);
        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error.source")).isEqualTo("upstream_lost");
        assertThat(job.getString("error.code")).isEqualTo("result_not_delivered");
        assertThat(job.getString("error.message")).contains("Cog").contains("not run again")
                .contains("health check: READY, setup started");
        Instant deadline = Instant.parse(job.getString("created_at")).plusSeconds(3);
        assertThat(Instant.parse(job.getString("completed_at"))).isBefore(deadline.plusMillis(500));
    }

    @Test
    void aPredictionStillRunningAtTheDeadlineIsCancelledThereAndTheJobTimesOut() {
        String id = submit(2, Map.of("duration_ms", 60_000));

        JsonPath job = Jobs.awaitTerminal(id, Duration.ofSeconds(6), Duration.ofMillis(100));

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("error.source")).isEqualTo("timeout");
        assertThat(Jobs.events(id).getString("events.find { it.type == 'upstream_checked' }.details.upstream_status"))
                .isEqualTo("cancel: 200");
        assertThat(aiServer.cog().inFlight(id)).as("stopped at Cog").isFalse();
        assertThat(aiServer.cog().runs(id)).isEqualTo(1);
    }

    @Test
    void aTerminalWebhookThatGetsThroughOnlyOnCogsFifthAttemptCompletesTheJob() {
        // The first four attempts are lost on the way; Cog's pauses before retries 1-4: 0.2, 0.4, 0.8, 1.6 s.
        String id = submit(60, Map.of("duration_ms", 100, "cog_lost_webhook_attempts", 4));

        JsonPath job = Jobs.awaitTerminal(id, Duration.ofSeconds(10), Duration.ofMillis(100));

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("webhook");
        assertThat(job.getString("output[0]")).endsWith(".png");
        assertThat(aiServer.cog().runs(id)).isEqualTo(1);
        assertThat(aiServer.cog().puts(id)).as("PUTs: the hand-off only").isEqualTo(1);
        assertThat(aiServer.deliveryAttemptsTo(id)).isGreaterThanOrEqualTo(5);
    }

    @Test
    void aSubmitWhileCogsSetupRunsIsRetriedUntilSetupHasFinished() {
        aiServer.cog().restart(Duration.ofMillis(1_500));

        String id = submit(60, Map.of("duration_ms", 50));

        JsonPath events = Jobs.events(id);
        assertThat(events.getList("events.type")).contains("handed_to_ai_server");
        assertThat(events.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts"))
                .isGreaterThan(1);
        assertThat(Jobs.awaitTerminal(id, Duration.ofSeconds(5), Duration.ofMillis(100)).getString("status"))
                .isEqualTo("succeeded");
        assertThat(aiServer.cog().runs(id)).isEqualTo(1);
    }

    @Test
    void cancellingAJobWhosePredictionHasEndedIsAnsweredAndCogs404IsNoFailure() {
        // Ended at Cog (forgotten), its terminal webhook still on its way: the user cancels meanwhile.
        String id = submit(60, Map.of("duration_ms", 100, "cog_lost_webhook_attempts", 4));
        await().atMost(Duration.ofSeconds(5)).until(() -> !aiServer.cog().inFlight(id));

        given().post("/jobs/" + id + "/cancel").then().statusCode(200);

        JsonPath cancel = Jobs.events(id);
        assertThat(cancel.getInt("events.find { it.type == 'ai_server_cancel' }.details.http_status"))
                .isEqualTo(404);
        assertThat(cancel.getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("accepted");
        assertThat(cancel.getString("events.find { it.type == 'ai_server_cancel' }.details.message"))
                .contains("already ended");
        // The terminal webhook's later retry is answered (200, ignored): Cog stops retrying, the job stays cancelled.
        await().atMost(Duration.ofSeconds(6)).until(() -> Jobs.events(id)
                .getList("events.findAll { it.type == 'webhook_received' }.details.status").contains("succeeded"));
        assertThat(Jobs.get(id).getString("status")).isEqualTo("cancelled");
        assertThat(aiServer.cog().runs(id)).isEqualTo(1);
    }

    private static String submit(int maxDurationSeconds, Map<String, Object> knobs) {
        return Jobs.submitBody(Map.of("provider", "cog", "max_duration_seconds", maxDurationSeconds, "input",
                Jobs.simulate(knobs))).getString("id");
    }

}
