package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/**
 * What is Replicate's own: the job's deadline as {@code Cancel-After}, official models and versions on their own
 * endpoints, {@code aborted}, a throttled create waited out for its {@code Retry-After} (seconds or an HTTP-date), and
 * no second create after
 * an answer that never came (Replicate has no idempotency key).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ReplicateProviderTest {

    @Inject
    SimulatedAiServer aiServer;

    @ConfigProperty(name = "gateway.providers.replicate.api-token")
    String token;

    @Test
    void theCreateCarriesTheJobsDeadlineAsCancelAfter() {
        String id = Jobs.submitBody(Map.of("provider", "replicate", "max_duration_seconds", 120,
                "input", Simulate.unfinished())).getString("id");

        String cancelAfter = aiServer.submitHeader(Webhooks.externalId(id), "Cancel-After");

        assertThat(cancelAfter).matches("1(19|20)s");
    }

    @Test
    void anOfficialModelIsCreatedByNameAndAVersionByItsId() {
        String version = "5599ed30703defd1d160a25a63321b4dec97101d98b4674bcc56e41f62f35637";
        String byModel = Jobs.submitBody(Map.of("provider", "replicate", "model", "black-forest-labs/flux-schnell",
                "input", Simulate.unfinished())).getString("id");
        String byVersion = Jobs.submitBody(Map.of("provider", "replicate", "model", "stability-ai/sdxl:" + version,
                "input", Simulate.unfinished())).getString("id");

        JsonPath official = prediction(Webhooks.externalId(byModel));
        JsonPath versioned = prediction(Webhooks.externalId(byVersion));

        assertThat(official.getString("model")).isEqualTo("black-forest-labs/flux-schnell");
        assertThat(official.getString("version")).isNull();
        assertThat(versioned.getString("model")).isEqualTo("stability-ai/sdxl");
        assertThat(versioned.getString("version")).isEqualTo(version);
        assertThat(Jobs.get(byVersion).getString("model")).isEqualTo("stability-ai/sdxl:" + version);
    }

    @Test
    void aPredictionAbortedBeforeItStartedFailsWithItsOwnErrorCode() {
        String id = ProviderCase.REPLICATE.submit(Map.of("outcome", "aborted", "duration_ms", 100));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error.source")).isEqualTo("ai_server");
        assertThat(done.getString("error.code")).isEqualTo("aborted");
        assertThat(done.getString("error_message")).contains("before it started");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
    }

    @Test
    void aThrottledCreateIsRetriedAfterItsRetryAfter() {
        String id = ProviderCase.REPLICATE.submit(Map.of("reject_submits", 1, "duration_ms", 50));

        JsonPath handedOff = Jobs.events(id);

        assertThat(handedOff.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts")).isEqualTo(2);
        assertThat(handedOff.getLong("events.find { it.type == 'handed_to_ai_server' }.details.latency_ms"))
                .isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void aThrottledCreateWaitsForARetryAfterGivenAsAnHttpDate() {
        // The date is two seconds ahead in whole seconds: more than one second to wait, far more than the backoff.
        String id = ProviderCase.REPLICATE.submit(Map.of("reject_submits", 1, "retry_after", "http_date",
                "duration_ms", 50));

        JsonPath handedOff = Jobs.events(id);

        assertThat(handedOff.getInt("events.find { it.type == 'handed_to_ai_server' }.details.attempts")).isEqualTo(2);
        assertThat(handedOff.getLong("events.find { it.type == 'handed_to_ai_server' }.details.latency_ms"))
                .isGreaterThanOrEqualTo(1_000);
    }

    @Test
    void aCreateWhoseAnswerNeverCameIsNotRepeatedAndTheJobSaysWhy() {
        int generationsBefore = aiServer.generations();

        // Replicate takes the prediction, then answers after the gateway's 2 s request timeout.
        JsonPath submitted = Jobs.submitBody(ProviderCase.REPLICATE.body(Jobs.simulate(Map.of("submit_delay_ms",
                3_000, "webhook", "drop", "duration_ms", 60_000))));

        assertThat(submitted.getString("status")).isEqualTo("failed");
        assertThat(submitted.getString("error.source")).isEqualTo("submit");
        assertThat(submitted.getString("error.code")).isEqualTo("ai_server_outcome_unknown");
        assertThat(submitted.getString("error_message")).contains("second generation");
        assertThat(aiServer.generations() - generationsBefore).isEqualTo(1);
        assertThat(Jobs.events(submitted.getString("id")).getInt(
                "events.find { it.type == 'handoff_failed' }.details.attempts")).isEqualTo(1);
    }

    private JsonPath prediction(String predictionId) {
        return given().baseUri(aiServer.replicateUri().toString()).header("Authorization", "Bearer " + token)
                .get("/v1/predictions/" + predictionId).then().statusCode(200).extract().jsonPath();
    }
}
