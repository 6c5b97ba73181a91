package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The whole flow through the Lambda handler: submit → simulated AI server → signed webhook → status. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class JobFlowTest {

    @Test
    void submittedJobSucceedsThroughSignedWebhookWithOutput() {
        JsonPath submitted = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 200, "progress_steps", 2)));
        String id = submitted.getString("id");
        assertThat(id).matches("job_[A-Za-z0-9_-]{22}");
        assertThat(submitted.getString("status")).isIn("queued", "running");
        assertThat(submitted.getMap("input")).containsEntry("prompt", "a lighthouse at dusk");

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("succeeded");
        assertThat(done.getString("output.images[0].url")).endsWith(".png");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        assertThat(done.getString("delivery.state")).isEqualTo("webhook_received");
        assertThat(done.getInt("delivery.webhooks_received")).isEqualTo(3);
        assertThat(done.getString("error_message")).isNull();
        assertThat(done.getString("completed_at")).isNotNull();
        assertThat((Object) done.get("poll_after_ms")).isNull();
        assertThat(done.getLong("version")).isEqualTo(4);
    }

    @Test
    void failedGenerationCarriesTheAiServersErrorMessage() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 50, "outcome", "failed",
                "error_message", "NSFW content detected"))).getString("id");

        JsonPath done = Jobs.awaitTerminal(id);

        assertThat(done.getString("status")).isEqualTo("failed");
        assertThat(done.getString("error_message")).isEqualTo("NSFW content detected");
        assertThat(done.getString("error.source")).isEqualTo("ai_server");
        assertThat(done.getString("error.message")).isEqualTo("NSFW content detected");
        assertThat(done.getString("completed_via")).isEqualTo("webhook");
        assertThat((Object) done.get("output")).isNull();
    }

    @Test
    void submitAnswers202WithLocationAndEtag() {
        given().contentType("application/json").body(Map.of("input", Jobs.simulate(Map.of("duration_ms", 50))))
                .when().post("/jobs")
                .then().statusCode(202)
                .header("Location", startsWith("/jobs/job_"))
                .header("ETag", equalTo("\"1\""))
                .body("delivery.state", equalTo("awaiting_webhook"))
                .body("poll_after_ms", equalTo(1500));
    }

    @Test
    void timelineRecordsSubmitHandoffAndEachWebhook() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "progress_steps", 1))).getString("id");
        Jobs.awaitTerminal(id);

        JsonPath events = Jobs.events(id);
        List<String> types = events.getList("events.type");
        assertThat(types).startsWith("submitted", "handed_to_ai_server");
        assertThat(types).filteredOn("webhook_received"::equals).hasSize(2);
        assertThat(events.getString("events[1].details.external_id")).startsWith("sim_");
        assertThat(events.getInt("events[1].details.attempts")).isEqualTo(1);
        assertThat(events.getList("events.findAll { it.type == 'webhook_received' }.details.authenticated_by"))
                .containsOnly("signature");
        assertThat(events.getList("events.findAll { it.type == 'webhook_received' }.details.webhook_id"))
                .allSatisfy(webhookId -> assertThat((String) webhookId).startsWith("msg_"));
        assertThat(events.getList("events.findAll { it.type == 'webhook_received' }.outcome"))
                .containsOnly("applied");
    }

    @Test
    void unchangedJobAnswers304ToItsEtag() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 50))).getString("id");
        Jobs.awaitTerminal(id);
        String etag = given().get("/jobs/" + id).then().statusCode(200).extract().header("ETag");

        given().header("If-None-Match", etag).get("/jobs/" + id).then().statusCode(304);
        given().header("If-None-Match", "\"0\"").get("/jobs/" + id).then().statusCode(200);
    }

    @Test
    void unknownAndMalformedJobIdsAre404ProblemJson() {
        given().get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404)
                .contentType("application/problem+json")
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"))
                .body("status", equalTo(404));
        given().get("/jobs/not-a-job-id").then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"));
        given().get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA/events").then().statusCode(404);
    }
}
