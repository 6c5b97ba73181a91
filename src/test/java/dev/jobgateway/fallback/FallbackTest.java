package dev.jobgateway.fallback;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.api.ReadJobs;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.job.CheckSchedule;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.DueChecks;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.MovableClock;
import dev.jobgateway.support.RealTime;
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
 * The fallback when webhooks do not come, with short intervals: reads and the sweeper check overdue jobs with
 * the AI server (once per interval across callers), an unreachable AI server is never a failed job, and the
 * deadline fails a job after one last check.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(ShortFallbackIntervals.class)
@org.junit.jupiter.api.Tag("cluster")
class FallbackTest {

    @Inject
    ReadJobs reads;

    @Inject
    dev.jobgateway.job.JobRecords jobs;

    @Inject
    CheckSchedule schedule;

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    Sweeper sweeper;

    @Inject
    RedisDataSource redis;

    @Inject
    MovableClock clock;

    @AfterEach
    void backToNow() {
        clock.reset();
    }

    @ConfigProperty(name = "gateway.providers.generic.webhook-secrets")
    List<String> secrets;

    @Test
    void aDroppedWebhookIsMadeUpForByCheckingOnRead() throws Exception {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(100).input()).getString("id");
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        assertThat(job.getString("delivery.state")).isEqualTo("polled");
        assertThat(job.getInt("delivery.webhooks_received")).isZero();
        assertThat(job.getString("delivery.last_upstream_check_at")).isNotNull();
        assertThat(Jobs.events(id).getList("events.type")).containsExactly("submitted", "handed_to_ai_server",
                "upstream_checked");
    }

    @Test
    void aConditionalReadOfAnOverdueJobChecksTooRatherThanAnswering304() throws Exception {
        // The submit's answer carries the version the client holds; the job ends meanwhile, unannounced.
        var submitted = given().contentType("application/json")
                .body(Map.of("input", Simulate.webhookDropped().durationMs(100).input())).post("/jobs")
                .then().statusCode(202).extract();
        String id = submitted.jsonPath().getString("id");
        String etag = submitted.header("ETag");
        DueChecks.awaitDue(id);

        JsonPath job = given().header("If-None-Match", etag).get("/jobs/" + id).then().statusCode(200)
                .extract().jsonPath();

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("poll");
        given().header("If-None-Match", "\"" + job.getLong("version") + "\"").get("/jobs/" + id).then()
                .statusCode(304);
    }

    @Test
    void manyConcurrentReadersMakeOneUpstreamCheckPerInterval() throws Exception {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = externalId(id);
        DueChecks.awaitDue(id);

        List<CompletableFuture<Job>> reads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            reads.add(this.reads.get(Api.DEV_OWNER, id).subscribeAsCompletionStage());
        }
        for (CompletableFuture<Job> read : reads) {
            // The simulated job reports "running" only half-way through its 60 s.
            assertThat(read.get(10, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.QUEUED);
        }

        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
        JsonPath job = Jobs.get(id);
        assertThat(job.getString("delivery.state")).isEqualTo("webhook_overdue");
        assertThat(job.getString("delivery.last_upstream_check_at")).isNotNull();
        assertThat(job.getString("completed_via")).isNull();
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
    }

    @Test
    void anUnreachableAiServerIsRecordedAndRetriedNeverTakenForAFailedJob() throws Exception {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(200).statusErrors(1).input())
                .getString("id");
        String externalId = externalId(id);
        DueChecks.awaitDue(id);

        JsonPath unreachable = Jobs.get(id);
        assertThat(unreachable.getString("status")).isNotIn("failed", "succeeded");
        assertThat(unreachable.getString("delivery.state")).isEqualTo("upstream_unreachable");
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);

        // Within the doubled interval (2 s) reads do not call again; after it, the next check finds the result.
        assertThat(Jobs.get(id).getString("status")).isNotEqualTo("succeeded");
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> Jobs.get(id).getString("status").equals("succeeded"));
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(2);
        List<String> types = Jobs.events(id).getList("events.type");
        assertThat(types).containsSubsequence("upstream_check_failed", "upstream_checked");
    }

    @Test
    void aJobPastItsDeadlineFailsAsTimedOutAfterALastCheckAndIgnoresLateWebhooks() throws Exception {
        String id = Jobs.submitBody(Map.of("input", Simulate.unfinished(),
                "max_duration_seconds", 1)).getString("id");
        String externalId = externalId(id);
        clock.advance(Duration.ofSeconds(1)); // the job's whole life
        DueChecks.awaitPastDeadline(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("failed");
        assertThat(job.getString("completed_via")).isEqualTo("timeout");
        assertThat(job.getString("error.source")).isEqualTo("timeout");
        assertThat(job.getString("error.code")).isEqualTo("deadline_exceeded");
        assertThat(job.getString("error_message")).contains("1 s");
        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
        assertThat(Jobs.events(id).getList("events.type")).endsWith("upstream_checked", "timed_out");

        long now = Instant.now().getEpochSecond();
        byte[] late = ("{\"job_id\":\"" + externalId + "\",\"status\":\"succeeded\",\"output\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        given().contentType("application/json").body(late)
                .header("webhook-id", "msg_late").header("webhook-timestamp", now)
                .header("webhook-signature", StandardWebhook.sign(secrets.get(0), "msg_late", now, late))
                .post("/webhooks/generic/" + id)
                .then().statusCode(200).body("outcome", equalTo("ignored"));
        assertThat(Jobs.get(id).getString("status")).isEqualTo("failed");
    }

    @Test
    void theSweeperCompletesOverdueJobsThatNobodyReads() throws Exception {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(100).input()).getString("id");
        String unfinished = Jobs.submit(Simulate.unfinished())
                .getString("id");
        DueChecks.awaitDue(id, unfinished);

        JsonPath report = given().header("Authorization", "Bearer dev-sweep-key").post("/internal/sweep").then()
                .statusCode(200).extract().jsonPath();

        assertThat(report.getInt("due")).isGreaterThanOrEqualTo(2);
        assertThat(report.getInt("updated")).isGreaterThanOrEqualTo(1);
        assertThat(report.getInt("checked")).isGreaterThanOrEqualTo(1);
        // Read the store, not the API: an API read would check by itself.
        StoredJob done = jobs.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.completedVia()).isEqualTo("poll");
        StoredJob stillQueued = jobs.find(unfinished).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        assertThat(stillQueued.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(stillQueued.fields().get("delivery_state")).isEqualTo("webhook_overdue");

        // The finished job left the sweeper's list; the unfinished one is back on it for later.
        List<String> due = schedule.due(Instant.now().plusSeconds(60), 10_000).await().atMost(Duration.ofSeconds(5));
        assertThat(due).doesNotContain(id).contains(unfinished);
    }

    @Test
    void aSweepOutOfTimeLeavesTheRestDueAndUntouched() throws Exception {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(100).input()).getString("id");
        DueChecks.awaitDue(id);
        int statusCallsBefore = aiServer.statusCalls();

        Sweeper.SweepReport report = sweeper.sweep(Duration.ZERO).await().atMost(Duration.ofSeconds(5));

        assertThat(report.due()).isGreaterThanOrEqualTo(1);
        assertThat(report.deferred()).isEqualTo(report.due());
        assertThat(report.checked() + report.updated() + report.timedOut() + report.unreachable()).isZero();
        assertThat(aiServer.statusCalls()).isEqualTo(statusCallsBefore);
        StoredJob job = jobs.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.QUEUED);
        assertThat(schedule.due(Instant.now(), 10_000).await().atMost(Duration.ofSeconds(5))).contains(id);

        // The next sweep with time to spare picks it up.
        Sweeper.SweepReport next = sweeper.sweep().await().atMost(Duration.ofSeconds(10));
        assertThat(next.deferred()).isZero();
        assertThat(jobs.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow().status())
                .isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void webhooksLeftParkedByAnInstanceThatDiedMidHandOffAreAppliedByTheNextCheck() throws Exception {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = externalId(id);
        String mapping = "jobgw:ext:{generic:" + Ids.sha256(externalId) + "}";
        // The webhook came while the id was not mapped yet: it is parked.
        redis.key().del(mapping);
        Webhooks.toFixedUrl("msg_parked", Webhooks.body(externalId, "succeeded", "\"output\":{\"images\":[]}"))
                .then().statusCode(202);
        // Then the instance mapped the id and died before applying what was parked.
        redis.value(String.class).set(mapping, id);
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("completed_via")).isEqualTo("webhook");
        assertThat(redis.key().exists(mapping + ":parked")).isFalse();
    }

    @Test
    void progressOutOfRangeFromACheckIsNotStored() throws Exception {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(60_000).knob("status_progress", 1.5).input())
                .getString("id");
        DueChecks.awaitDue(id);

        JsonPath job = Jobs.get(id);

        assertThat(job.getString("status")).isEqualTo("queued");
        assertThat(job.getString("progress")).isNull();
        assertThat(Jobs.events(id).getDouble("events.find { it.type == 'upstream_checked' }.details.invalid_progress"))
                .isEqualTo(1.5);
    }

    @Test
    void aCheckSlowerThanTheIntervalKeepsItsLeaseUntilTheAiServerAnswers() throws Exception {
        // Interval 1 s here, AI server answers after 1.5 s: a lease of one interval would let a second reader check.
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(60_000).knob("status_delay_ms", 1_500).input())
                .getString("id");
        String externalId = externalId(id);
        DueChecks.awaitDue(id);

        CompletableFuture<Job> first = reads.get(Api.DEV_OWNER, id).subscribeAsCompletionStage();
        // Real time is the point: the lease is a PX expiry kept by Redis, which no clock of the gateway moves; 1.2 s
        // is past one check interval (1 s) and short of the AI server's answer (1.5 s).
        RealTime.passMillis(1_200);
        CompletableFuture<Job> second = reads.get(Api.DEV_OWNER, id).subscribeAsCompletionStage();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);

        assertThat(aiServer.statusCalls(externalId)).isEqualTo(1);
    }

    private static String externalId(String id) {
        return Jobs.events(id).getString("events.find { it.type == 'handed_to_ai_server' }.details.external_id");
    }
}
