package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.OutputStorageOn;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A read that returns presigned links is validated by the links' presigning window as well as the job's version:
 * revalidating with {@code If-None-Match} gets {@code 304} only while the links the client holds are still good, and
 * then a fresh body with fresh links. Presigned links live 4 s here, so a test sees them expire.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(PresignedLinkRevalidationTest.ShortPresignedLinks.class)
class PresignedLinkRevalidationTest {

    private static final Duration PRESIGN_TTL = Duration.ofSeconds(4);

    /** Output storage on, with presigned links valid for 4 s. */
    public static class ShortPresignedLinks extends OutputStorageOn {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> overrides = new HashMap<>(super.getConfigOverrides());
            overrides.put("gateway.outputs.presign-ttl", PRESIGN_TTL.toSeconds() + "s");
            return overrides;
        }
    }

    @Test
    void noConditionalReadIsAnswered304OnceTheHeldLinksHaveExpired() {
        String id = storedJob();
        Instant readAt = Instant.now();
        Response first = given().get("/jobs/" + id).then().statusCode(200).extract().response();
        String tag = first.header("ETag");
        String link = first.jsonPath().getString("output.images[0].url");

        List<String> answers = new ArrayList<>();
        Response[] fresh = new Response[1];
        await().atMost(PRESIGN_TTL.plusSeconds(2)).pollInterval(Duration.ofMillis(200)).until(() -> {
            Response again = given().header("If-None-Match", tag).get("/jobs/" + id);
            Duration since = Duration.between(readAt, Instant.now());
            answers.add(since.toMillis() + " ms: " + again.statusCode());
            if (again.statusCode() == 304) {
                assertThat(since).as("a 304 for the links read at %s: %s", readAt, answers).isLessThan(PRESIGN_TTL);
                return false;
            }
            fresh[0] = again;
            return true;
        });

        assertThat(fresh[0].statusCode()).as("%s", answers).isEqualTo(200);
        assertThat(fresh[0].header("ETag")).isNotEqualTo(tag);
        assertThat(fresh[0].jsonPath().getLong("version")).isEqualTo(first.jsonPath().getLong("version"));
        assertThat(fresh[0].jsonPath().getString("output.images[0].url")).isNotEqualTo(link)
                .contains("X-Amz-Signature=");
    }

    @Test
    void aConditionalReadRightAfterTheReadIsStill304() {
        String id = storedJob();
        // Two tries: a presigning window may end between the read and its revalidation.
        String tag = given().get("/jobs/" + id).header("ETag");
        Response again = given().header("If-None-Match", tag).get("/jobs/" + id);
        if (again.statusCode() != 304) {
            tag = again.header("ETag");
            again = given().header("If-None-Match", tag).get("/jobs/" + id);
        }

        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.header("ETag")).isEqualTo(tag);
    }

    @Test
    void aConditionalBatchListingAJobWithPresignedLinksIsNeverAnswered304() {
        String id = storedJob();
        long version = Jobs.get(id).getLong("version");

        Response batch = given().get("/jobs?ids=" + id + ":" + version);

        // The batch names versions only, not when the client's links were made: it always gets fresh ones.
        assertThat(batch.statusCode()).isEqualTo(200);
        assertThat(batch.jsonPath().getString("jobs[0].output.images[0].url")).contains("X-Amz-Signature=");
    }

    @Test
    void aJobWithoutStoredFilesKeepsItsVersionAsItsTag() {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(600_000).input()).getString("id");
        Response read = given().get("/jobs/" + id);

        assertThat(read.header("ETag")).isEqualTo("\"" + read.jsonPath().getLong("version") + "\"");
        given().header("If-None-Match", read.header("ETag")).get("/jobs/" + id).then().statusCode(304);
    }

    private static String storedJob() {
        String id = Jobs.submit(Jobs.simulate(Map.of("duration_ms", 50, "output_bytes", 2_000))).getString("id");
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                .until(() -> "stored".equals(Jobs.get(id).getString("output_storage")));
        JsonPath job = Jobs.get(id);
        assertThat(job.getString("output.images[0].url")).contains("X-Amz-Signature=");
        return id;
    }
}
