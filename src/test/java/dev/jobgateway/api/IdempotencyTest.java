package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.RedisKeys;
import dev.jobgateway.support.TestPorts;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * {@code Idempotency-Key} on submit (IETF draft): same key and body → the same job and no second AI-server call;
 * another body → 422; while the first is in flight → 409; exactly one job however many race for one key.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@org.junit.jupiter.api.Tag("cluster")
class IdempotencyTest {

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    SubmitJobs submits;

    @Inject
    ObjectMapper mapper;

    @Inject
    RedisDataSource redis;

    @Test
    void sameKeyAndBodyAnswerTheSameJobWithoutASecondAiServerCall() {
        String key = newKey();
        Map<String, Object> body = Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)));
        int before = aiServer.submitAttempts();

        Response first = submit(key, body);
        first.then().statusCode(202);
        String id = first.jsonPath().getString("id");
        Jobs.awaitTerminal(id);
        Response replay = submit(key, body);

        replay.then().statusCode(202)
                .header("Idempotent-Replayed", "true")
                .header("Location", "/jobs/" + id)
                .body("id", equalTo(id))
                .body("status", equalTo("succeeded"));
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(aiServer.submitAttempts() - before).isEqualTo(1);
    }

    @Test
    void keyAsStructuredFieldStringAndAsBareTokenIsTheSameKey() {
        String key = newKey();
        Map<String, Object> body = Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)));

        String id = submit("\"" + key + "\"", body).then().statusCode(202).extract().path("id");

        submit(key, body).then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(id));
    }

    @Test
    void sameKeyWithAnotherBodyIs422AndCreatesNothing() {
        String key = newKey();
        submit(key, Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)))).then().statusCode(202);
        int jobsBefore = RedisKeys.jobs(redis).size();
        int attemptsBefore = aiServer.submitAttempts();

        submit(key, Map.of("input", Jobs.simulate(Map.of("duration_ms", 51))))
                .then().statusCode(422)
                .contentType("application/problem+json")
                .body("type", equalTo("https://job-gateway.dev/problems/idempotency-key-reused"))
                .body("title", equalTo("Idempotency-Key reused"));

        assertThat(RedisKeys.jobs(redis)).hasSize(jobsBefore);
        assertThat(aiServer.submitAttempts()).isEqualTo(attemptsBefore);
    }

    @Test
    void keysBelongToTheirOwnerSoTwoOwnersWithOneKeyGetTwoJobs() {
        String key = newKey();
        Map<String, Object> body = Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)));

        String mine = submit(key, body).then().statusCode(202).extract().path("id");
        String theirs = Api.withKey(Api.OTHER_KEY).header("Idempotency-Key", key).contentType("application/json")
                .body(body).post("/jobs").then().statusCode(202).extract().path("id");

        assertThat(theirs).isNotEqualTo(mine);
    }

    @Test
    void sameKeyWhileTheFirstSubmitIsInFlightIs409() throws Exception {
        // The first submit runs in-process (the Lambda test loop handles one event at a time) and waits on a slow
        // AI server; the second comes through the API meanwhile.
        String key = newKey();
        JsonNode input = slowInput(1500);
        int urlsBefore = aiServer.submittedWebhookUrls().size();
        CompletableFuture<Submission> first = submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, key)
                .subscribeAsCompletionStage();
        await().atMost(Duration.ofSeconds(5)).until(() -> aiServer.submittedWebhookUrls().size() > urlsBefore);

        submit(key, Map.of("input", mapper.convertValue(input, Map.class)))
                .then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("https://job-gateway.dev/problems/idempotency-key-in-flight"))
                .body("title", equalTo("Request in progress"));

        String id = first.get(10, TimeUnit.SECONDS).job().id();
        submit(key, Map.of("input", mapper.convertValue(input, Map.class)))
                .then().statusCode(202).header("Idempotent-Replayed", "true").body("id", equalTo(id));
    }

    @Test
    void fiftyConcurrentSubmitsWithOneKeyMakeExactlyOneJobAndOneAiServerCall() throws Exception {
        String key = newKey();
        JsonNode input = slowInput(300);
        int attemptsBefore = aiServer.submitAttempts();
        int jobsBefore = RedisKeys.jobs(redis).size();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Submission>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return submits.submit(Api.DEV_OWNER, input, Jobs.MAX_DURATION, key).await()
                            .atMost(Duration.ofSeconds(20));
                }));
            }
            start.countDown();
            List<String> ids = new ArrayList<>();
            int created = 0;
            int inFlight = 0;
            for (Future<Submission> result : results) {
                try {
                    Submission submission = result.get(30, TimeUnit.SECONDS);
                    ids.add(submission.job().id());
                    created += submission.replayed() ? 0 : 1;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOfSatisfying(ApiException.class,
                            problem -> assertThat(problem.status()).isEqualTo(409));
                    inFlight++;
                }
            }
            assertThat(created).isEqualTo(1);
            assertThat(ids).hasSize(50 - inFlight).containsOnly(ids.get(0));
            assertThat(inFlight).isPositive();
            assertThat(aiServer.submitAttempts() - attemptsBefore).isEqualTo(1);
            assertThat(RedisKeys.jobs(redis)).hasSize(jobsBefore + 1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withoutAKeyEverySubmitIsANewJob() {
        Map<String, Object> body = Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)));
        String first = given().contentType("application/json").body(body).post("/jobs").then().statusCode(202)
                .extract().path("id");
        String second = given().contentType("application/json").body(body).post("/jobs").then().statusCode(202)
                .extract().path("id");
        assertThat(second).isNotEqualTo(first);
    }

    private JsonNode slowInput(int submitDelayMs) throws Exception {
        return mapper.readTree("{\"prompt\":\"once\",\"simulate\":{\"submit_delay_ms\":" + submitDelayMs
                + ",\"duration_ms\":50}}");
    }

    private static Response submit(String key, Map<String, Object> body) {
        return given().header("Idempotency-Key", key).contentType("application/json").body(body).post("/jobs");
    }

    private static String newKey() {
        return "key-" + Ids.newWebhookToken();
    }
}
