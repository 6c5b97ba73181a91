package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Reports;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.StoredJobs;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.waiting.WaiterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** {@code GET /jobs?ids=}: the seed's list screen in one read, and a wait that ends on any change. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class BatchReadTest {

    private static final String OWNER = Api.DEV_OWNER;

    @Inject
    ReadJobs reads;

    @Inject
    JobRecords jobs;

    @Inject
    WaiterRegistry registry;

    @Inject
    Reports reports;

    @Test
    void listsFoundJobsInRequestOrderAndUnknownIdsApart() {
        String a = newJob();
        String b = newJob();
        complete(b);
        String unknown = Ids.newJobId();

        JsonPath batch = given().queryParam("ids", b + "," + unknown + ",not-an-id," + a + "," + b)
                .when().get("/jobs").then().statusCode(200).extract().jsonPath();

        assertThat(batch.getList("jobs.id")).containsExactly(b, a);
        assertThat(batch.getList("jobs.status")).containsExactly("succeeded", "queued");
        assertThat(batch.getList("not_found")).containsExactly(unknown, "not-an-id");
    }

    @Test
    void aBatchWaitAnswersAtOnceWhenEveryJobIsTerminal() {
        String a = newJob();
        complete(a);

        long started = System.nanoTime();
        given().queryParam("ids", a).queryParam("wait", 20).when().get("/jobs")
                .then().statusCode(200).body("jobs[0].status", equalTo("succeeded"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(5_000);
    }

    @Test
    void aBatchWaitEndsWhenAnyListedJobChanges() throws Exception {
        String a = newJob();
        String b = newJob();
        int heldBefore = registry.size();
        CompletableFuture<Batch> answer = reads.batch(OWNER, List.of(a, b), Duration.ofSeconds(20))
                .subscribeAsCompletionStage();
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() > heldBefore);
        assertThat(answer).isNotDone();

        long changed = System.nanoTime();
        complete(b);
        Batch batch = answer.get(5, TimeUnit.SECONDS);

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - changed)).isLessThan(1_000);
        assertThat(batch.jobs()).extracting(Job::status).containsExactly(JobStatus.QUEUED, JobStatus.SUCCEEDED);
    }

    @Test
    void tooManyOrNoIdsAreRefused() {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < 51; i++) {
            ids.append(i == 0 ? "" : ",").append(Ids.newJobId());
        }
        given().queryParam("ids", ids.toString()).when().get("/jobs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("https://job-gateway.dev/problems/too-many-ids"));
        given().when().get("/jobs")
                .then().statusCode(400).body("type", equalTo("https://job-gateway.dev/problems/missing-ids"));
        given().queryParam("ids", " , ,").when().get("/jobs")
                .then().statusCode(400).body("type", equalTo("https://job-gateway.dev/problems/missing-ids"));
    }

    @Test
    void malformedWaitsAreRefusedAndLargeOnesClamped() {
        String a = newJob();
        complete(a);
        for (String wait : List.of("-1", "abc", "1.5", "10000000000", "%20")) {
            given().queryParam("wait", wait).when().get("/jobs/" + a)
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("https://job-gateway.dev/problems/invalid-wait"));
        }
        // Clamped to the 25 s maximum, and the job is terminal, so the answer is immediate.
        given().header("Prefer", "wait=3600").when().get("/jobs/" + a)
                .then().statusCode(200).header("Preference-Applied", "wait=25");
        // A preference the server cannot honour is ignored (RFC 7240), not an error.
        given().header("Prefer", "wait=soon").when().get("/jobs/" + a)
                .then().statusCode(200).header("Preference-Applied", (String) null);
    }

    private String newJob() {
        return StoredJobs.queued(jobs, OWNER);
    }

    private void complete(String id) {
        assertThat(StoredJobs.succeed(reports, id).applied()).isTrue();
    }
}
