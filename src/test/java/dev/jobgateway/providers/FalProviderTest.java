package dev.jobgateway.providers;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.FalSigning;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.providers.fal.FalProvider;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.MovableClock;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * What is fal's own: its {@code request_id} as the job's id (not {@code gateway_request_id}), webhooks signed with
 * Ed25519 keys from a JWKS that is fetched, cached and fetched again when fal rotates, a bounded number of fetches
 * however many forged webhooks come, and an unreachable JWKS as the gateway's outage (503, fal retries), never a 401.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class FalProviderTest {

    /** Forged webhooks sent at once, far more than the key fetches the refetch interval allows meanwhile. */
    private static final int FORGED = 20;

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    FalProvider fal;

    @Inject
    MovableClock clock;

    @BeforeEach
    @AfterEach
    void freshKeys() {
        aiServer.falSigning().jwksMode(FalSigning.JwksMode.KEYS);
        fal.forgetWebhookKeys();
        clock.reset();
    }

    @Test
    void theJobIsKnownByFalsRequestIdAndItsWebhookIsAppliedThoughItsGatewayRequestIdChanged() {
        String id = ProviderCase.FAL.submit(Map.of("duration_ms", 200, "progress_steps", 1));

        JsonPath done = Jobs.awaitTerminal(id);

        String externalId = Webhooks.externalId(id);
        assertThat(externalId).matches("[0-9a-f-]{36}");
        assertThat(aiServer.jobStatus(externalId)).isEqualTo("succeeded");
        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        assertThat(done.getInt("output.seed")).isEqualTo(42);
        assertThat(Jobs.events(id).getString("events.find { it.type == 'webhook_received' }.details.webhook_id"))
                .startsWith(externalId + ":");
    }

    @Test
    void aKeyFalAddedIsFetchedWhenASignatureNeedsItAndAcceptedFromThen() throws Exception {
        String before = ProviderCase.FAL.submit(Map.of("duration_ms", 50));
        assertThat(Jobs.awaitTerminal(before).getString("status")).isEqualTo("succeeded");
        int fetches = aiServer.falSigning().jwksFetches();
        clock.advance(Duration.ofMillis(1_100)); // past the test build's minimum time between fetches

        aiServer.falSigning().rotate();
        String after = ProviderCase.FAL.submit(Map.of("duration_ms", 50));

        assertThat(Jobs.awaitTerminal(after).getString("status")).isEqualTo("succeeded");
        assertThat(Jobs.get(after).getString("completed_via")).isEqualTo("webhook");
        assertThat(aiServer.falSigning().jwksFetches() - fetches).isEqualTo(1);
    }

    @Test
    void forgedWebhooksAreRejectedWithoutMakingTheGatewayFetchKeysInALoop() {
        String id = ProviderCase.FAL.submit(Simulate.webhookDropped().durationMs(60_000).knobs());
        String externalId = Webhooks.externalId(id);
        int fetches = aiServer.falSigning().jwksFetches();
        var forger = FalSigning.generate();
        long started = System.nanoTime();

        for (int i = 0; i < FORGED; i++) {
            byte[] body = ("{\"request_id\":\"" + externalId + "\",\"status\":\"OK\",\"payload\":{\"images\":[]}}")
                    .getBytes(StandardCharsets.UTF_8);
            post(id, FalSigning.headers(forger.getPrivate(), externalId, aiServer.falSigning().userId(),
                    Instant.now().getEpochSecond(), body), body).then().statusCode(401)
                    .body("type", org.hamcrest.Matchers
                            .equalTo("https://job-gateway.dev/problems/invalid-webhook-signature"));
        }

        // At most one fetch per refetch interval (1 s in the test build), whatever the number of forged webhooks: on a
        // busy machine the loop may outlast the interval, so the bound is taken from its own duration.
        long intervals = 1 + Duration.ofNanos(System.nanoTime() - started).toSeconds();
        assertThat(intervals).as("the loop was too slow to tell a bound from a loop").isLessThan(FORGED);
        assertThat(aiServer.falSigning().jwksFetches() - fetches).isBetween(1, (int) intervals);
        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");
    }

    @Test
    void anUnreachableJwksAnswers503SoFalRetriesAndTheRetryCompletesTheJob() throws Exception {
        aiServer.falSigning().jwksMode(FalSigning.JwksMode.DOWN);
        String id = ProviderCase.FAL.submit(Map.of("duration_ms", 100));
        await().atMost(Duration.ofSeconds(5)).until(() -> aiServer.falSigning().jwksFetches() > 0);
        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");

        aiServer.falSigning().jwksMode(FalSigning.JwksMode.KEYS);

        // The simulator redelivers after 0.25, 0.5, 1 and 2 s; the gateway may fetch again 1 s after its last try.
        await().atMost(Duration.ofSeconds(8)).until(() -> Jobs.get(id).getString("status").equals("succeeded"));
        assertThat(Jobs.get(id).getString("completed_via")).isEqualTo("webhook");
        assertThat(Jobs.get(id).getInt("delivery.webhooks_received")).isEqualTo(1);
    }

    @Test
    void aPayloadErrorWebhookIsAJobFalFinishedAndEndsSucceededWithTheResultFetchedFromFal() {
        String id = ProviderCase.FAL.submit(Map.of("duration_ms", 100, "payload_error", true));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        assertThat(done.getInt("output.seed")).isEqualTo(42);
        assertThat(Jobs.events(id).getString(
                "events.find { it.type == 'webhook_received' }.details.authenticated_by"))
                .isEqualTo("signature+status");
    }

    @Test
    void aNamespacedModelCompletesByItsWebhookAndIsCancelledAtTheCancelUrlItsSubmitAnswered() {
        String done = submit("workflows/acme/my-flow", Map.of("duration_ms", 100), Map.of());
        assertThat(Jobs.awaitTerminal(done).getString("status")).isEqualTo("succeeded");

        String running = submit("comfy/acme/upscale", Simulate.webhookDropped().durationMs(60_000).knobs(), Map.of());
        given().post("/jobs/" + running + "/cancel").then().statusCode(200);

        String externalId = Webhooks.externalId(running);
        await().atMost(Duration.ofSeconds(5)).until(() -> "cancelled".equals(aiServer.jobStatus(externalId)));
        assertThat(Jobs.events(running).getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("accepted");
    }

    @Test
    void noSubmitCarriesARequestTimeoutFalsClientsRefuseEvenOneSecondBeforeTheDeadline() {
        // One second to the deadline: the seconds left round to 1, which fal's clients refuse to send.
        String id = submit("fal-ai/flux/dev", Map.of("duration_ms", 100), Map.of("max_duration_seconds", 1));

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).as(done.prettify()).isEqualTo("succeeded");
        String timeout = aiServer.submitHeader(Webhooks.externalId(id), "X-Fal-Request-Timeout");
        assertThat(Double.parseDouble(timeout)).isGreaterThan(1);
    }

    @Test
    void theUrlsFalAnsweredAreKeptWithTheJobButNeverShownInItsReads() {
        String id = ProviderCase.FAL.submit(Simulate.webhookDropped().durationMs(60_000).knobs());

        String read = given().get("/jobs/" + id).then().statusCode(200).extract().asString();
        String events = given().get("/jobs/" + id + "/events").then().statusCode(200).extract().asString();

        assertThat(read + events).doesNotContain("provider_handle").doesNotContain("/requests/");
    }

    private static String submit(String model, Map<String, Object> knobs, Map<String, Object> extra) {
        Map<String, Object> body = new java.util.HashMap<>(extra);
        body.put("provider", "fal");
        body.put("model", model);
        body.put("input", Jobs.simulate(knobs));
        return Jobs.submitBody(body).getString("id");
    }

    private static Response post(String jobId, Map<String, String> headers, byte[] body) {
        return given().contentType("application/json").headers(headers).body(body).post("/webhooks/fal/" + jobId);
    }
}
