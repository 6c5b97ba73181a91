package dev.jobgateway.platform;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.RedisKeys;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;

/**
 * Redis down: reads, webhooks, submits and cancels answer 503 problem+json with {@code Retry-After} (so AI servers
 * retry their webhooks), a submit never reaches the AI server for a job it could not store, readiness says DOWN;
 * once Redis is back, the AI server's redelivery of the webhook completes the job.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class RedisOutageTest {

    private static LocalRedisServer stopped;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @Inject
    RedisDataSource redis;

    @Inject
    SimulatedAiServer aiServer;

    /** The low-level client: RESTORE takes DUMP's binary value, which the typed data source cannot pass. */
    @Inject
    Redis client;

    /** A key as DUMP serialized it, with its remaining time to live. */
    record SavedKey(String key, byte[] value, long ttlMs) {
    }

    /** Other test classes share this Redis: it runs again whatever happened here. */
    @AfterAll
    static void redisRunsAgain() {
        if (stopped != null && !stopped.isRunning()) {
            stopped.start();
        }
    }

    @Test
    void outageAnswers503WithRetryAfterAndARedeliveredWebhookCompletesTheJobAfterwards() {
        String id = Jobs.submit(Simulate.webhookDropped().durationMs(600_000).input()).getString("id");
        String externalId = Webhooks.externalId(id);
        String webhook = Webhooks.body(externalId, "succeeded", "\"output\":{\"images\":[{\"url\":\"x.png\"}]}");
        // The test Redis keeps nothing across a restart (no RDB, no AOF); a production Redis does (persistence, a
        // replica taking over). To model that, this job's keys are copied out (DUMP) before the outage and put back
        // (RESTORE) after it exactly as they were; nothing else of the gateway's state survives the restart.
        List<SavedKey> saved = save(RedisKeys.matching(redis, "jobgw:job:{" + id + "}*"));
        saved.addAll(save(RedisKeys.matching(redis, "jobgw:ext:*")));
        int submitsBefore = aiServer.submitAttempts();
        stopped = localRedis.server();

        stopped.stop();
        try {
            assertUnavailable(given().get("/jobs/" + id));
            assertUnavailable(given().get("/jobs/" + id + "/events"));
            assertUnavailable(given().post("/jobs/" + id + "/cancel"));
            assertUnavailable(Webhooks.toJob(id, "msg_during_outage", webhook));
            assertUnavailable(Webhooks.toFixedUrl("msg_during_outage_2", webhook));
            assertUnavailable(given().contentType("application/json")
                    .body(Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)))).post("/jobs"));
            assertUnavailable(given().contentType("application/json").header("Idempotency-Key", "outage-1")
                    .body(Map.of("input", Jobs.simulate(Map.of("duration_ms", 50)))).post("/jobs"));
            given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));

            assertThat(aiServer.submitAttempts()).as("no hand-off for a job that was never stored")
                    .isEqualTo(submitsBefore);
        } finally {
            stopped.start();
        }
        restore(saved);

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/jobs/" + id).statusCode() == 200);
        assertThat(Jobs.get(id).getString("status")).isEqualTo("queued");
        assertThat(RedisKeys.jobs(redis)).as("the refused submits left no job behind")
                .containsExactly("jobgw:job:{" + id + "}");

        // The AI server retries the webhook it got a 503 for: same webhook-id, new timestamp and signature.
        Webhooks.toJob(id, "msg_during_outage", webhook).then().statusCode(200).body("outcome", equalTo("applied"));

        assertThat(Jobs.get(id).getString("status")).isEqualTo("succeeded");
        assertThat(Jobs.get(id).getString("output.images[0].url")).isEqualTo("x.png");
    }

    private static void assertUnavailable(Response response) {
        response.then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "2")
                .body("type", equalTo("https://job-gateway.dev/problems/store-unavailable"))
                .body("title", equalTo("Service temporarily unavailable"));
        assertThat(response.asString()).doesNotContain("Exception").doesNotContain("redis://");
    }

    private List<SavedKey> save(List<String> keys) {
        List<SavedKey> saved = new ArrayList<>();
        for (String key : keys) {
            var dump = redis.execute("DUMP", key);
            if (dump != null) {
                saved.add(new SavedKey(key, dump.toBytes(), Math.max(1, redis.key().pttl(key))));
            }
        }
        return saved;
    }

    private void restore(List<SavedKey> saved) {
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> redis.execute("PING") != null);
        for (SavedKey key : saved) {
            client.send(Request.cmd(Command.RESTORE).arg(key.key()).arg(key.ttlMs())
                    .arg(Buffer.buffer(key.value())).arg("REPLACE")).await().atMost(Duration.ofSeconds(5));
        }
    }
}
