package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** {@code POST /jobs/{id}/cancel}: cancelled at once, the AI server told best effort, later webhooks ignored. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class CancelTest {

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    SubmitJobs submits;

    @Inject
    CancelJobs cancels;

    @Inject
    JobRecords records;

    @Inject
    ObjectMapper mapper;

    @Test
    void cancellingARunningJobCancelsItAndTellsTheAiServer() {
        String id = longRunningJob("deliver");
        int cancelsBefore = aiServer.cancelCalls();

        JsonPath job = cancel(id).then().statusCode(200)
                .header("Cancel-Outcome", "cancelled")
                .header("ETag", equalTo("\"2\""))
                .extract().jsonPath();

        assertThat(job.getString("status")).isEqualTo("cancelled");
        assertThat(job.getString("completed_via")).isEqualTo("cancel");
        assertThat(job.getString("completed_at")).isNotNull();
        assertThat((Object) job.get("poll_after_ms")).isNull();
        assertThat(job.getString("error")).isNull();
        assertThat(aiServer.cancelCalls() - cancelsBefore).isEqualTo(1);
        JsonPath events = Jobs.events(id);
        assertThat(events.getList("events.type")).containsSubsequence("cancel_requested", "ai_server_cancel");
        assertThat(events.getString("events.find { it.type == 'cancel_requested' }.outcome")).isEqualTo("applied");
        assertThat(events.getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("accepted");
        assertThat(events.getInt("events.find { it.type == 'ai_server_cancel' }.details.http_status")).isEqualTo(200);
    }

    @Test
    void theAiServersOwnCancelledWebhookAfterACancelIsIgnored() {
        String id = longRunningJob("deliver");
        cancel(id).then().statusCode(200);

        // The simulator reports its side of the cancel with a signed webhook, as a real AI server would.
        await().atMost(Duration.ofSeconds(10)).until(() -> Jobs.events(id)
                .getList("events.findAll { it.type == 'webhook_received' }").size() == 1);
        JsonPath events = Jobs.events(id);
        assertThat(events.getString("events.find { it.type == 'webhook_received' }.outcome")).isEqualTo("ignored");
        assertThat(events.getString("events.find { it.type == 'webhook_received' }.reason"))
                .isEqualTo("job already cancelled");
        assertThat(Jobs.get(id).getLong("version")).isEqualTo(2);
    }

    @Test
    void aLateSucceededWebhookAfterCancelIsIgnoredAndChangesNothing() {
        String id = longRunningJob("drop");
        String externalId = Webhooks.externalId(id);
        cancel(id).then().statusCode(200);
        JsonPath before = Jobs.get(id);

        Webhooks.toJob(id, "msg_late_success",
                Webhooks.body(externalId, "succeeded", "\"output\":{\"images\":[{\"url\":\"x\"}]}"))
                .then().statusCode(200)
                .body("outcome", equalTo("ignored"))
                .body("reason", equalTo("job already cancelled"));

        JsonPath after = Jobs.get(id);
        assertThat(after.getString("status")).isEqualTo("cancelled");
        assertThat(after.getLong("version")).isEqualTo(before.getLong("version"));
        assertThat((Object) after.get("output")).isNull();
        assertThat(after.getInt("delivery.webhooks_received")).isZero();
    }

    @Test
    void cancellingAnEndedJobAnswers200WithTheJobUnchangedAndSaysSo() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 50))).getString("id");
        JsonPath done = Jobs.awaitTerminal(id);
        int cancelsBefore = aiServer.cancelCalls();
        int timelineBefore = Jobs.events(id).getList("events").size();

        for (int i = 0; i < 3; i++) {
            cancel(id).then().statusCode(200)
                    .header("Cancel-Outcome", "already-ended")
                    .body("status", equalTo("succeeded"))
                    .body("version", equalTo(done.getInt("version")));
        }

        assertThat(aiServer.cancelCalls()).isEqualTo(cancelsBefore);
        assertThat(Jobs.events(id).getList("events")).hasSize(timelineBefore);
        assertThat(cancel(id).then().extract().header("ETag")).isEqualTo("\"" + done.getInt("version") + "\"");
    }

    @Test
    void cancellingAJobTwiceCancelsOnceAndTheSecondSaysItHadEnded() {
        String id = longRunningJob("drop");
        int cancelsBefore = aiServer.cancelCalls();

        cancel(id).then().statusCode(200).header("Cancel-Outcome", "cancelled");
        cancel(id).then().statusCode(200).header("Cancel-Outcome", "already-ended")
                .body("status", equalTo("cancelled"));

        assertThat(aiServer.cancelCalls() - cancelsBefore).isEqualTo(1);
    }

    @Test
    void anotherOwnersOrAnUnknownJobCannotBeCancelled() {
        String id = longRunningJob("drop");

        Api.withKey(Api.OTHER_KEY).post("/jobs/" + id + "/cancel").then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"));
        given().post("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA/cancel").then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"));
        Api.anonymous().post("/jobs/" + id + "/cancel").then().statusCode(401);

        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");
    }

    @Test
    void anUnreachableAiServerDoesNotStopTheCancelAndTheTimelineSaysSo() {
        String id = longRunningJob("drop");
        aiServer.stop();
        try {
            cancel(id).then().statusCode(200).header("Cancel-Outcome", "cancelled")
                    .body("status", equalTo("cancelled"));
        } finally {
            aiServer.start();
        }
        JsonPath events = Jobs.events(id);
        assertThat(events.getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("failed");
        assertThat(events.getString("events.find { it.type == 'ai_server_cancel' }.details.message"))
                .contains("could not be reached");
    }

    @Test
    void aCancelDuringTheHandOffReachesTheAiServerOnceItKnowsTheJob() throws Exception {
        // In-process: the Lambda test loop runs one event at a time, so a cancel could not run while the submit
        // event waits for the (deliberately slow) AI server.
        int urlsBefore = aiServer.submittedWebhookUrls().size();
        int cancelsBefore = aiServer.cancelCalls();
        var input = mapper.readTree("{\"prompt\":\"slow\",\"simulate\":{\"submit_delay_ms\":1500,"
                + "\"webhook\":\"drop\",\"duration_ms\":60000}}");
        CompletableFuture<Job> submit = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, null)
                .map(Submission::job).subscribeAsCompletionStage();
        await().atMost(Duration.ofSeconds(5)).until(() -> aiServer.submittedWebhookUrls().size() > urlsBefore);
        String url = aiServer.submittedWebhookUrls().get(urlsBefore);
        String id = url.substring(url.lastIndexOf('/') + 1, url.indexOf('?'));

        Cancellation cancellation = cancels.cancel(Api.DEV_OWNER, id).await().atMost(Duration.ofSeconds(5));
        assertThat(cancellation.cancelled()).isTrue();
        assertThat(aiServer.cancelCalls()).isEqualTo(cancelsBefore);

        Job afterSubmit = submit.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(afterSubmit.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(aiServer.cancelCalls() - cancelsBefore).isEqualTo(1);
        List<String> types = Jobs.events(id).getList("events.type");
        assertThat(types).containsExactly("submitted", "cancel_requested", "ai_server_cancel", "handed_to_ai_server",
                "ai_server_cancel");
        assertThat(Jobs.events(id).getList("events.findAll { it.type == 'ai_server_cancel' }.details.outcome"))
                .containsExactly("deferred", "accepted");
    }

    private static io.restassured.response.Response cancel(String id) {
        return given().post("/jobs/" + id + "/cancel");
    }

    /** A job the simulator holds for a minute; {@code webhook} is its delivery mode. */
    private static String longRunningJob(String webhook) {
        String id = Jobs.submit(Simulate.webhook(webhook).durationMs(60_000).progressSteps(0).input())
                .getString("id");
        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");
        return id;
    }

    @Test
    void aCancelThatReadTheJobBeforeItsHandOffWasRecordedStillTellsTheAiServer() {
        // The race: the cancel read the job before the submit recorded the AI server's id, and the submit looked for a
        // cancel before the cancel's transition. The cancel must take the id from a read after its transition.
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        StoredJob handedOff = records.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        Map<String, String> before = new HashMap<>(handedOff.fields());
        before.remove("external_id");
        int cancelCalls = aiServer.cancelCalls();

        Cancellation cancellation = cancels.cancelSeen(Api.DEV_OWNER, new StoredJob(before))
                .await().atMost(Duration.ofSeconds(5));

        assertThat(cancellation.cancelled()).isTrue();
        assertThat(aiServer.cancelCalls()).isEqualTo(cancelCalls + 1);
        assertThat(Jobs.events(id).getString("events.find { it.type == 'ai_server_cancel' }.details.outcome"))
                .isEqualTo("accepted");
    }
}
