package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Reports;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.StoredJobs;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.waiting.WaiterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * Waiting for a change, not only for the end: a held read with {@code If-None-Match} ends at the next version of the
 * job (a progress step), a batch listed as {@code id:version} at the first job whose version moved, and either
 * answers {@code 304} when the wait ends with nothing new. The changes are made in-process while the HTTP read is
 * held (the Lambda test loop serves one request at a time).
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ConditionalWaitTest {

    @Inject
    JobRecords jobs;

    @Inject
    Reports reports;

    @Inject
    WaiterRegistry registry;

    @AfterEach
    void noWaiterLeft() {
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 0);
    }

    @Test
    void aHeldReadWithTheClientsVersionEndsAtTheNextProgressStep() throws Exception {
        String id = newJob();
        CompletableFuture<Response> held = async(() -> given().header("If-None-Match", "\"1\"")
                .get("/jobs/" + id + "?wait=20"));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);

        long changed = System.nanoTime();
        StoredJobs.progress(reports, id, 0.3);
        Response answer = held.get(10, TimeUnit.SECONDS);

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed)).isLessThan(2_000);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.header("ETag")).isEqualTo("\"2\"");
        assertThat(answer.jsonPath().getString("status")).isEqualTo("running");
        assertThat(answer.jsonPath().getDouble("progress")).isEqualTo(0.3);
    }

    @Test
    void withoutIfNoneMatchAHeldReadStillWaitsForTheEnd() throws Exception {
        String id = newJob();
        CompletableFuture<Response> held = async(() -> given().get("/jobs/" + id + "?wait=2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);

        StoredJobs.progress(reports, id, 0.3);

        await("a progress step does not end a wait for the end").during(Duration.ofMillis(500))
                .atMost(Duration.ofMillis(1_500)).until(() -> !held.isDone());
        Response answer = held.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.jsonPath().getString("status")).isEqualTo("running");
    }

    @Test
    void aWaitThatEndsWithNothingNewIs304WithTheSameETag() {
        String id = newJob();

        long started = System.nanoTime();
        Response answer = given().header("If-None-Match", "\"1\"").get("/jobs/" + id + "?wait=1");

        assertThat(answer.statusCode()).isEqualTo(304);
        assertThat(answer.header("ETag")).isEqualTo("\"1\"");
        assertThat(answer.body().asString()).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isBetween(900L, 5_000L);
    }

    @Test
    void aStaleVersionIsAnsweredAtOnceAndAnEndedJobIsNotHeld() {
        String id = newJob();
        StoredJobs.progress(reports, id, 0.5);

        long started = System.nanoTime();
        Response stale = given().header("If-None-Match", "\"1\"").get("/jobs/" + id + "?wait=20");
        StoredJobs.succeed(reports, id);
        Response ended = given().header("If-None-Match", "\"3\"").get("/jobs/" + id + "?wait=20");

        assertThat(stale.statusCode()).isEqualTo(200);
        assertThat(stale.header("ETag")).isEqualTo("\"2\"");
        assertThat(ended.statusCode()).as("terminal: nothing more can change").isEqualTo(304);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000);
    }

    @Test
    void aBatchWithVersionsIs304AtOnceWhileNothingMovedAnd200WhenOneDid() {
        String a = newJob();
        String b = newJob();

        Response unchanged = given().queryParam("ids", a + ":1," + b + ":1").get("/jobs");
        StoredJobs.progress(reports, b, 0.5);
        Response moved = given().queryParam("ids", a + ":1," + b + ":1").get("/jobs");
        Response unversioned = given().queryParam("ids", a + ":1," + b).get("/jobs");

        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(moved.statusCode()).isEqualTo(200);
        assertThat(moved.jsonPath().getList("jobs.version", Integer.class)).containsExactly(1, 2);
        assertThat(unversioned.statusCode()).as("a job listed without a version is news").isEqualTo(200);
    }

    @Test
    void aHeldBatchWithVersionsEndsAtTheFirstJobThatMoved() throws Exception {
        String a = newJob();
        String b = newJob();
        CompletableFuture<Response> held = async(() -> given().queryParam("ids", a + ":1," + b + ":1")
                .queryParam("wait", 20).get("/jobs"));
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() == 1);

        StoredJobs.progress(reports, a, 0.25);
        Response answer = held.get(10, TimeUnit.SECONDS);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.jsonPath().getList("jobs.id")).containsExactly(a, b);
        assertThat(answer.jsonPath().getList("jobs.version", Integer.class)).containsExactly(2, 1);
    }

    @Test
    void aHeldBatchWithVersionsThatRunsOutIs304AndOneOfEndedJobsIsNotHeld() {
        String a = newJob();
        String b = newJob();
        StoredJobs.succeed(reports, b);

        long started = System.nanoTime();
        Response runsOut = given().queryParam("ids", a + ":1").queryParam("wait", 1).get("/jobs");
        long heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        Response ended = given().queryParam("ids", b + ":2").queryParam("wait", 20).get("/jobs");

        assertThat(runsOut.statusCode()).isEqualTo(304);
        assertThat(heldMs).isBetween(900L, 5_000L);
        assertThat(ended.statusCode()).isEqualTo(304);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started) - heldMs).isLessThan(3_000);
    }

    @Test
    void aJobThatVanishedSinceTheClientsVersionIsNews() {
        String gone = dev.jobgateway.platform.Ids.newJobId();

        Response answer = given().queryParam("ids", gone + ":4").get("/jobs");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.jsonPath().getList("not_found")).containsExactly(gone);
    }

    private String newJob() {
        return StoredJobs.queued(jobs, Api.DEV_OWNER);
    }

    private static CompletableFuture<Response> async(java.util.function.Supplier<Response> request) {
        return CompletableFuture.supplyAsync(request);
    }
}
