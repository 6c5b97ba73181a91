package dev.jobgateway.fallback;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.LearnedDurations;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;

/**
 * The first fallback check scheduled from how long the provider's (and model's) recent jobs took: a lost webhook is
 * made up just after the job was expected to end instead of {@code check-after} (20 s here) later, a webhook that
 * comes on time costs no check, and a job without history keeps the fixed rule. Each test uses its own Replicate
 * model, whose history nobody else writes.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(LearnedDurations.class)
class LearnedFirstChecksTest {

    private static final int JOB_MS = 800;

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    RedisDataSource redis;

    @Test
    void aLostWebhookIsMadeUpJustAfterTheJobsExpectedEndNotAfterCheckAfter() {
        String model = newModel();
        learnFrom(model, 3);

        JsonPath submitted = submit(model, "drop");
        String id = submitted.getString("id");
        Instant created = Instant.parse(submitted.getString("created_at"));
        Instant expected = Instant.parse(submitted.getString("delivery.expected_at"));
        assertThat(Duration.between(created, expected)).isBetween(Duration.ofMillis(JOB_MS), Duration.ofSeconds(5));

        JsonPath done = given().get("/jobs/" + id + "?wait=15").then().statusCode(200).extract().jsonPath();

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString("completed_via")).isEqualTo("poll");
        // The fixed rule would have answered 20 s after the submit; the learned check comes a margin after the
        // expected end (plus the waiting read's own step).
        assertThat(Duration.between(created, Instant.parse(done.getString("completed_at"))))
                .isLessThan(Duration.between(created, expected).plusSeconds(3));
        assertThat(aiServer.statusCalls(Webhooks.externalId(id))).isEqualTo(1);
    }

    @Test
    void aJobWhoseWebhookComesOnTimeIsNeverChecked() throws Exception {
        String model = newModel();
        learnFrom(model, 3);

        JsonPath submitted = submit(model, "deliver");
        assertThat(submitted.getString("delivery.expected_at")).isNotNull();
        String id = submitted.getString("id");
        JsonPath done = Jobs.awaitTerminal(id);
        // Past its expected end and the first margin: a check would have happened by then had the webhook been late.
        String externalId = Webhooks.externalId(id);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3))
                .until(() -> aiServer.statusCalls(externalId) == 0);

        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        assertThat(aiServer.statusCalls(externalId)).isZero();
    }

    @Test
    void aJobWithoutHistoryKeepsTheFixedRuleAndHistoryIsKeptPerModel() {
        String learnedModel = newModel();
        learnFrom(learnedModel, 3);
        String newModel = newModel();

        JsonPath submitted = submit(newModel, "drop");

        assertThat(submitted.getString("delivery.expected_at")).isNull();
        double dueAt = redis.sortedSet(String.class).zscore("jobgw:pending", submitted.getString("id")).orElseThrow();
        Instant created = Instant.parse(submitted.getString("created_at"));
        assertThat(Instant.ofEpochMilli((long) dueAt)).isAfterOrEqualTo(created.plusSeconds(19));
    }

    @Test
    void oneOwnersHistoryDoesNotMoveAnotherOwnersFirstCheck() {
        String model = newModel();
        learnFrom(model, 3);

        JsonPath theirs = Api.withKey(Api.OTHER_KEY).contentType("application/json").body(body(model, "drop"))
                .post("/jobs").then().statusCode(202).extract().jsonPath();
        JsonPath mine = submit(model, "drop");

        assertThat(mine.getString("delivery.expected_at")).as("the owner whose jobs taught it").isNotNull();
        assertThat(theirs.getString("delivery.expected_at")).as("another owner of the same model").isNull();
        double dueAt = redis.sortedSet(String.class).zscore("jobgw:pending", theirs.getString("id")).orElseThrow();
        Instant created = Instant.parse(theirs.getString("created_at"));
        assertThat(Instant.ofEpochMilli((long) dueAt)).isAfterOrEqualTo(created.plusSeconds(19));
    }

    @Test
    void onlyWebhookCompletionsAreLearnedNotOnesACheckFound() {
        String model = newModel();
        learnFrom(model, 3);
        String id = submit(model, "drop").getString("id");

        given().get("/jobs/" + id + "?wait=15").then().statusCode(200);

        // A completion seen by a check is seen late: learning it would push the next jobs' checks later each time.
        assertThat(samples(model)).hasSize(3);
    }

    @Test
    void tooFewDurationsExpectNothing() {
        String model = newModel();
        learnFrom(model, 2);

        assertThat(submit(model, "deliver").getString("delivery.expected_at")).isNull();
    }

    /** Jobs of {@code model} that finish by webhook, one after another, so that each adds one duration. */
    private void learnFrom(String model, int jobs) {
        for (int i = 0; i < jobs; i++) {
            JsonPath done = Jobs.awaitTerminal(submit(model, "deliver").getString("id"));
            assertThat(done.getString("completed_via")).isEqualTo("webhook");
        }
        assertThat(samples(model)).hasSize(jobs);
    }

    private String[] samples(String model) {
        String stored = redis.hash(String.class).hget("jobgw:durations:{replicate:" + Api.DEV_OWNER + "}", model);
        return stored == null ? new String[0] : stored.split(" ");
    }

    private static JsonPath submit(String model, String webhook) {
        return Jobs.submitBody(body(model, webhook));
    }

    private static Map<String, Object> body(String model, String webhook) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("provider", "replicate");
        body.put("model", model);
        body.put("input", Jobs.simulate(Map.of("duration_ms", JOB_MS, "progress_steps", 0, "webhook", webhook)));
        return body;
    }

    private static String newModel() {
        return "learned/m-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
