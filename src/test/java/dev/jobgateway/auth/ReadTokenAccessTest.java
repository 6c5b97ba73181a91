package dev.jobgateway.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/**
 * A read token is what a browser holds: it reads, waits on, lists and follows the timeline of exactly its jobs, and
 * is refused like an unknown key on submit, cancel and minting, and when it has expired or was forged.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ReadTokenAccessTest {

    private static final Map<String, Object> SLOW = Simulate.webhookDropped().durationMs(600_000).input();

    @Inject
    ReadTokens tokens;

    @Test
    void theSubmitAnswerCarriesAReadTokenForThatJobOnly() {
        JsonPath submitted = Jobs.submit(SLOW);
        String id = submitted.getString("id");
        String token = submitted.getString("read_token");

        ReadTokens.Grant grant = tokens.verify(token).orElseThrow();
        assertThat(grant.owner()).isEqualTo(Api.DEV_OWNER);
        assertThat(grant.jobs()).containsExactly(id);
        Instant expires = Instant.parse(submitted.getString("read_token_expires_at"));
        assertThat(Duration.between(Instant.now(), expires)).isBetween(Duration.ofMinutes(14), Duration.ofMinutes(15));
        assertThat(submitted.getString("status")).as("the job's own fields are still there").isEqualTo("queued");
    }

    @Test
    void readsWaitsBatchesAndTimelinesOfItsJobAreAllowed() {
        JsonPath submitted = Jobs.submit(SLOW);
        String id = submitted.getString("id");
        String other = Jobs.submit(SLOW).getString("id");
        String token = submitted.getString("read_token");

        Api.withKey(token).get("/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
        Api.withKey(token).header("If-None-Match", "\"1\"").get("/jobs/" + id + "?wait=1").then().statusCode(304);
        Api.withKey(token).get("/jobs/" + id + "/events").then().statusCode(200).body("job_id", equalTo(id));
        JsonPath batch = Api.withKey(token).queryParam("ids", id + "," + other).get("/jobs")
                .then().statusCode(200).extract().jsonPath();
        assertThat(batch.getList("jobs.id")).containsExactly(id);
        assertThat(batch.getList("not_found")).containsExactly(other);
    }

    /**
     * The held read's later reads run in callbacks after a change wakes it, where the request's scope is not
     * propagated: what the token may read must go along with them, not be looked up there.
     */
    @Test
    void aHeldBatchWokenByAChangeStillListsOnlyTheTokensJobs() {
        JsonPath submitted = Jobs.submit(Simulate.defaults().durationMs(1_500).input());
        String id = submitted.getString("id");
        String other = Jobs.submit(SLOW).getString("id");
        String token = submitted.getString("read_token");

        JsonPath batch = Api.withKey(token).queryParam("ids", id + "," + other).queryParam("wait", 20).get("/jobs")
                .then().statusCode(200).extract().jsonPath();

        assertThat(batch.getList("jobs.id")).containsExactly(id);
        assertThat(batch.getLong("jobs[0].version")).as("answered after the change, by a later read").isGreaterThan(1);
        assertThat(batch.getList("not_found")).containsExactly(other);
    }

    @Test
    void anotherJobOfTheSameOwnerIsNotFoundExactlyLikeAnUnknownOne() {
        String token = Jobs.submit(SLOW).getString("read_token");
        String other = Jobs.submit(SLOW).getString("id");

        String viaToken = Api.withKey(token).get("/jobs/" + other).then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found")).extract().asString();
        String unknown = Api.withKey(Api.DEV_KEY).get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(404)
                .extract().asString();
        assertThat(viaToken.replace(other, "ID")).isEqualTo(unknown.replace("job_AAAAAAAAAAAAAAAAAAAAAA", "ID"));
        Api.withKey(token).get("/jobs/" + other + "/events").then().statusCode(404);
        Api.withKey(token).get("/jobs/" + other + "?wait=5").then().statusCode(404);
    }

    @Test
    void theTimelineReadWithAReadTokenDoesNotNameTheOperatorWhoActed() {
        JsonPath submitted = Jobs.submit(SLOW);
        String id = submitted.getString("id");
        String token = submitted.getString("read_token");
        given().header("Authorization", "Bearer dev-operator-key").header("X-Operator", "alice.oncall")
                .post("/internal/ops/jobs/" + id + "/reconcile").then().statusCode(200);

        Response viaToken = Api.withKey(token).get("/jobs/" + id + "/events");
        Response viaKey = Api.withKey(Api.DEV_KEY).get("/jobs/" + id + "/events");

        viaToken.then().statusCode(200);
        assertThat(viaToken.jsonPath().getList("events.findAll { it.type == 'operator_action' }.details.by"))
                .containsExactly("operator");
        assertThat(viaToken.asString()).doesNotContain("alice.oncall");
        assertThat(viaKey.jsonPath().getList("events.findAll { it.type == 'operator_action' }.details.by"))
                .as("the API key's owner sees who acted").containsExactly("alice.oncall");
    }

    @Test
    void submitCancelAndMintNeedTheApiKey() {
        JsonPath submitted = Jobs.submit(SLOW);
        String token = submitted.getString("read_token");
        String id = submitted.getString("id");

        for (Response refused : List.of(
                Api.withKey(token).contentType("application/json").body(Map.of("input", Map.of())).post("/jobs"),
                Api.withKey(token).post("/jobs/" + id + "/cancel"),
                Api.withKey(token).contentType("application/json").body(Map.of("job_ids", List.of(id)))
                        .post("/read-tokens"))) {
            refused.then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"))
                    .body("type", equalTo("https://job-gateway.dev/problems/invalid-api-key"));
        }
        Jobs.get(id);
        assertThat(Jobs.get(id).getString("status")).as("the cancel changed nothing").isEqualTo("queued");
    }

    @Test
    void expiredAndForgedTokensGetTheAnswerOfAnUnknownKey() {
        String id = Jobs.submit(SLOW).getString("id");
        String expired = tokens.mint(Api.DEV_OWNER, dev.jobgateway.platform.Ids.sha256(Api.DEV_KEY), List.of(id),
                Duration.ofSeconds(60),
                Instant.now().minusSeconds(120)).token();
        String[] parts = tokens.mint(Api.DEV_OWNER, dev.jobgateway.platform.Ids.sha256(Api.DEV_KEY), List.of(id))
                .token().split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String otherClaims = claims.replace("\"sub\":\"dev\"", "\"sub\":\"other\"");
        String otherOwner = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(otherClaims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];

        String unknownKey = Api.withKey("guessed-key").get("/jobs/" + id).then().statusCode(401).extract().asString();
        for (String bad : List.of(expired, otherOwner)) {
            Api.withKey(bad).get("/jobs/" + id).then().statusCode(401)
                    .header("WWW-Authenticate", startsWith("Bearer")).body(equalTo(unknownKey));
        }
    }

    @Test
    void theBackendMintsOneTokenForAListOfJobs() {
        String a = Jobs.submit(SLOW).getString("id");
        String b = Jobs.submit(SLOW).getString("id");

        JsonPath minted = given().contentType("application/json")
                .body(Map.of("job_ids", List.of(a, b), "ttl_seconds", 60)).post("/read-tokens")
                .then().statusCode(200).extract().jsonPath();
        String token = minted.getString("read_token");

        assertThat(minted.getList("job_ids")).containsExactly(a, b);
        assertThat(Duration.between(Instant.now(), Instant.parse(minted.getString("expires_at"))).toSeconds())
                .isBetween(55L, 60L);
        assertThat(Api.withKey(token).queryParam("ids", a + "," + b).get("/jobs").jsonPath().getList("jobs.id"))
                .containsExactly(a, b);
    }

    @Test
    void aTokenMintedForAnotherOwnersJobReadsNothing() {
        String theirs = Api.withKey(Api.OTHER_KEY).contentType("application/json")
                .body(Map.of("input",
                        Map.of("prompt", "x", "simulate", Simulate.webhookDropped().durationMs(600_000).knobs())))
                .post("/jobs").then().statusCode(202).extract().jsonPath().getString("id");
        String mine = given().contentType("application/json").body(Map.of("job_ids", List.of(theirs)))
                .post("/read-tokens").then().statusCode(200).extract().jsonPath().getString("read_token");

        Api.withKey(mine).get("/jobs/" + theirs).then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"));
    }
}
