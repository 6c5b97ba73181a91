package dev.jobgateway.platform;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * A Redis that accepts connections but does not answer (here: {@code CLIENT PAUSE}) is an outage too: calls answer
 * 503 with {@code Retry-After} once the command timeout is over, instead of hanging until the function's own
 * timeout, and the AI server's retry of a webhook applies it once Redis answers again.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(UnresponsiveRedisTest.ShortCommandTimeout.class)
class UnresponsiveRedisTest {

    private static final long PAUSE_MS = 2_500;

    public static class ShortCommandTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.store.command-timeout", "300ms");
        }
    }

    @Inject
    RedisDataSource redis;

    @Test
    void aRedisThatDoesNotAnswerIsA503BeforeItAnswersAndARetriedWebhookAppliesAfterwards() {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(600_000).input()).getString("id");
        String webhook = Webhooks.body(Webhooks.externalId(id), "succeeded",
                "\"output\":{\"images\":[{\"url\":\"x.png\"}]}");

        long pausedAt = System.nanoTime();
        redis.execute("CLIENT", "PAUSE", Long.toString(PAUSE_MS), "ALL");
        assertUnavailable(given().get("/jobs/" + id));
        assertUnavailable(Webhooks.toJob(id, "msg_while_paused", webhook));
        assertUnavailable(given().contentType("application/json")
                .body(Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)))).post("/jobs"));
        long answeredWithinMs = Duration.ofNanos(System.nanoTime() - pausedAt).toMillis();
        assertThat(answeredWithinMs).as("all three answered while Redis was still paused").isLessThan(PAUSE_MS);

        // The sender retries the same webhook (same webhook-id) once Redis answers again.
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> Webhooks.toJob(id, "msg_while_paused", webhook).statusCode() == 200);
        var job = Jobs.get(id);
        assertThat(job.getString("status")).isEqualTo("succeeded");
        assertThat(job.getInt("delivery.webhooks_received")).isEqualTo(1);
    }

    private static void assertUnavailable(Response response) {
        response.then().statusCode(503).header("Retry-After", "2")
                .body("type", equalTo("https://job-gateway.dev/problems/store-unavailable"));
    }
}
