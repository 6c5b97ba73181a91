package dev.jobgateway.outputs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.fallback.Sweeper;
import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.OutputStorageOn;
import dev.jobgateway.support.S3TestServer;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import dev.jobgateway.waiting.WaiterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * Output storage against a real S3-API server (S3Proxy): a success is shown at once with {@code output_storage:
 * pending}, then gets a new version with the stored copies; sources that are gone, files too large, data URLs, an
 * instance that died holding the copy, and an S3 outage each end the way docs/architecture.md says, and the job stays
 * {@code succeeded} in every case.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(OutputStorageOn.class)
class OutputStorageTest {

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    Sweeper sweeper;

    @Inject
    RedisDataSource redis;

    @Inject
    JobRecords jobs;

    @Inject
    WaiterRegistry registry;

    private static S3TestServer s3() {
        return OutputStorageOn.Resource.server();
    }

    @Test
    void aSucceededJobsImageIsCopiedAndReadsReturnAPresignedUrlThatServesTheSameBytes() throws Exception {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "output_bytes", 20_000))).getString("id");

        JsonPath job = awaitStorage(id, "stored");

        assertThat(job.getString("status")).isEqualTo("succeeded");
        String url = job.getString("output.images[0].url");
        String source = job.getString("output_files[0].source_url");
        assertThat(source).startsWith(aiServer.baseUri() + "/images/");
        assertThat(url).startsWith(s3().uri().toString()).contains("X-Amz-Signature=").contains(id + "/0.png");
        assertThat(job.getString("output_files[0].url")).isEqualTo(url);
        assertThat(job.getString("output_files[0].content_type")).isEqualTo("image/png");
        assertThat(job.getLong("output_files[0].size_bytes")).isEqualTo(20_000L);
        byte[] copy = fetch(url);
        assertThat(copy).isEqualTo(fetch(source));
        assertThat(copy).startsWith((byte) 0x89, (byte) 'P', (byte) 'N', (byte) 'G');
        assertThat(s3().keys("outputs/" + id + "/")).containsExactly("outputs/" + id + "/0.png");
        assertThat(types(id)).contains("outputs_stored");
    }

    @Test
    void aJobReadAfterItsProviderDeletedTheOutputStillHasAWorkingImageUrl() throws Exception {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "output_bytes", 5_000))).getString("id");
        JsonPath stored = awaitStorage(id, "stored");
        String source = stored.getString("output_files[0].source_url");
        byte[] original = fetch(source);

        aiServer.expireOutputs();
        try {
            HttpURLConnection gone = (HttpURLConnection) URI.create(source).toURL().openConnection();
            assertThat(gone.getResponseCode()).as("the provider's link is dead").isEqualTo(404);

            JsonPath later = Jobs.get(id);

            assertThat(later.getString("output_files[0].source_url")).isEqualTo(source);
            assertThat(fetch(later.getString("output.images[0].url"))).isEqualTo(original);
        } finally {
            aiServer.restoreOutputs();
        }
    }

    @Test
    void theSuccessIsShownBeforeTheCopyAndAHeldReadWakesWhenTheCopyIsStored() throws Exception {
        // Another instance holds the job's lease (as if copying), so the copy here has to wait for it.
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 300))).getString("id");
        holdLease(id, 30_000);

        JsonPath pending = awaitStorage(id, "pending");
        assertThat(pending.getString("status")).isEqualTo("succeeded");
        assertThat(pending.getString("output.images[0].url")).startsWith(aiServer.baseUri().toString());
        String version = Long.toString(pending.getLong("version"));
        int heldBefore = registry.size();
        CompletableFuture<Response> held = CompletableFuture.supplyAsync(() -> given()
                .header("If-None-Match", "\"" + version + "\"").get("/jobs/" + id + "?wait=20"));

        await().atMost(Duration.ofSeconds(5)).until(() -> registry.size() > heldBefore);
        assertThat(held).isNotDone();
        leaseRunsOutIn(id, 100);
        // Requests in tests go one at a time through the Lambda handler: the sweep and the reads here bypass HTTP
        // while the held read is in.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            sweeper.sweep().await().atMost(Duration.ofSeconds(10));
            return jobs.find(id).await().atMost(Duration.ofSeconds(5)).orElseThrow()
                    .outputStorage() == Job.OutputState.STORED;
        });

        Response answer = held.get(20, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.jsonPath().getString("output_storage")).isEqualTo("stored");
        assertThat(answer.jsonPath().getLong("version")).isEqualTo(Long.parseLong(version) + 1);
    }

    @Test
    void aCopyWhoseInstanceDiedIsFinishedByASweepOnceItsLeaseRunsOut() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100))).getString("id");
        holdLease(id, 30_000);
        awaitStorage(id, "pending");

        // While the dead instance's lease lasts, nobody else copies.
        sweeper.sweep().await().atMost(Duration.ofSeconds(10));
        assertThat(Jobs.get(id).getString("output_storage")).isEqualTo("pending");
        leaseRunsOutIn(id, 500);

        JsonPath job = sweepUntil(id, "stored");
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(s3().keys("outputs/" + id + "/")).hasSize(1);
    }

    @Test
    void aSourceThatIsGoneEndsAsSourceExpiredAndTheJobStaysSucceeded() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "output_ttl_ms", 0))).getString("id");

        JsonPath job = awaitStorage(id, "source_expired");

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("output_files[0].state")).isEqualTo("source_expired");
        assertThat(job.getString("output_files[0].reason")).contains("404");
        assertThat(job.getString("output_files[0].url")).isNull();
        assertThat(job.getString("output.images[0].url")).startsWith(aiServer.baseUri().toString());
        assertThat(types(id)).contains("output_source_expired");
        assertThat(s3().keys("outputs/" + id + "/")).isEmpty();
    }

    @Test
    void aFileOverTheLimitFailsTheCopyWithItsReasonAndLeavesNoPartialObject() {
        // Over the multipart threshold: the first part is uploaded before the limit is reached, then aborted.
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100,
                "output_bytes", OutputStorageOn.MAX_FILE_BYTES + 1_000_000))).getString("id");

        JsonPath job = awaitStorage(id, "failed");

        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getString("output_files[0].reason")).contains("larger than " + OutputStorageOn.MAX_FILE_BYTES);
        assertThat(s3().keys("outputs/" + id + "/")).isEmpty();
        assertThat(s3().unfinishedUploads("outputs/" + id + "/")).isZero();
        assertThat(types(id)).contains("output_storage_failed");
    }

    @Test
    void aFileAboveTheMultipartThresholdIsStoredInParts() throws Exception {
        int size = 5 * 1024 * 1024 + 300_000;
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "output_bytes", size))).getString("id");

        JsonPath job = awaitStorage(id, "stored");

        assertThat(job.getLong("output_files[0].size_bytes")).isEqualTo(size);
        assertThat(fetch(job.getString("output_files[0].url"))).hasSize(size);
    }

    @Test
    void aLargeFileIsUploadedPartByPartWhileItsSourceIsStillSending() throws Exception {
        // More than one part: the first part must be in the bucket while the source still holds back the rest, so
        // what a copy holds in memory is a part, never the whole file.
        int part = 5 * 1024 * 1024;
        int size = part + 500_000;
        try (SourceServer source = SourceServer.start(Duration.ofMillis(1))) {
            String id = HostileOutputsTest.heldJob();
            String output = "{\"images\":[{\"url\":\"" + source.url("/pause/" + (part + 1_000) + "/" + size)
                    + "\"}]}";
            assertThat(Webhooks.toJob(id, "wh-" + id, Webhooks.body(
                    Webhooks.externalId(id), "succeeded", "\"output\":" + output))
                    .statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(5)).until(() -> s3().uploadedParts("outputs/" + id + "/") == 1);
            assertThat(Jobs.get(id).getString("output_storage")).isEqualTo("pending");
            source.release();

            JsonPath job = awaitStorage(id, "stored");
            assertThat(job.getLong("output_files[0].size_bytes")).isEqualTo(size);
            assertThat(fetch(job.getString("output_files[0].url"))).isEqualTo(SourceServer.png(size));
        }
    }

    @Test
    void aDataUrlIsStoredWithTheSuccessAndNeverKeptInRedis() throws Exception {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100, "output", "data_url", "output_bytes",
                3_000))).getString("id");

        JsonPath job = awaitStorage(id, "stored");

        // Stored with the success itself: no pending version in between.
        assertThat(types(id)).doesNotContain("outputs_stored");
        assertThat(job.getString("output_files[0].source_url")).isNull();
        assertThat(fetch(job.getString("output.images[0].url"))).hasSize(3_000);
        String stored = redis.hash(String.class).hget("jobgw:job:{" + id + "}", "output");
        assertThat(stored).doesNotContain("data:").contains("s3://" + S3TestServer.BUCKET + "/outputs/" + id);
    }

    @Test
    void anS3OutageIsRetriedUntilTheBucketIsBackAndNeverFailsTheJob() throws Exception {
        s3().stop();
        String id;
        try {
            id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 100))).getString("id");
            await().atMost(Duration.ofSeconds(20)).until(() -> types(id).contains("output_copy_failed"));
            sweeper.sweep().await().atMost(Duration.ofSeconds(30));
            JsonPath during = Jobs.get(id);
            assertThat(during.getString("status")).isEqualTo("succeeded");
            assertThat(during.getString("output_storage")).isEqualTo("pending");
        } finally {
            s3().startAgain();
        }
        JsonPath job = sweepUntil(id, "stored");
        assertThat(fetch(job.getString("output.images[0].url"))).isNotEmpty();
    }

    private JsonPath awaitStorage(String id, String state) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                .until(() -> state.equals(Jobs.get(id).getString("output_storage")));
        return Jobs.get(id);
    }

    private JsonPath sweepUntil(String id, String state) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            sweeper.sweep().await().atMost(Duration.ofSeconds(30));
            return state.equals(Jobs.get(id).getString("output_storage"));
        });
        return Jobs.get(id);
    }

    private void holdLease(String id, long ms) {
        redis.execute("SET", "jobgw:job:{" + id + "}:check", "1", "PX", Long.toString(ms));
    }

    private void leaseRunsOutIn(String id, long ms) {
        redis.execute("PEXPIRE", "jobgw:job:{" + id + "}:check", Long.toString(ms));
    }

    private static List<String> types(String id) {
        return Jobs.events(id).getList("events.type");
    }

    private static byte[] fetch(String url) throws Exception {
        HttpURLConnection connection = (HttpURLConnection) URI.create(url).toURL().openConnection();
        assertThat(connection.getResponseCode()).as("GET " + url).isEqualTo(200);
        try (InputStream in = connection.getInputStream()) {
            return in.readAllBytes();
        }
    }
}
