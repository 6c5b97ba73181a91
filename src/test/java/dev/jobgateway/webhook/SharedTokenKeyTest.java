package dev.jobgateway.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.job.SharedTokenKeyStore;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.RedisMonitor;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;

/**
 * A gateway without configured token keys (production's default) still signs its per-job webhook tokens, with a key
 * its instances share through Redis: a forged token costs no Redis command about the job, a real one is accepted,
 * and instances racing to make the key all end up with the one stored.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
@TestProfile(SharedTokenKeyTest.WithoutTokenKeys.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SharedTokenKeyTest {

    private static final String KEY = "jobgw:webhook-token-key";
    private static final String UNKNOWN_JOB = "job_ZZZZZZZZZZZZZZZZZZZZZZ";

    /** The test build's fixed key removed, as production runs without GATEWAY_WEBHOOKS_TOKEN_KEYS. */
    public static class WithoutTokenKeys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.webhooks.token-keys", "");
        }
    }

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider redisServers;

    @Inject
    RedisDataSource redis;

    @Inject
    SharedTokenKeyStore store;

    /** First: the instance has not read the key yet, so this webhook is the one that needs it. */
    @Test
    @Order(1)
    void aRedisOutageWhileTheKeyIsFirstReadIsA503WithRetryAfter() {
        Assumptions.assumeFalse(LocalRedisProvider.clusterMode(), "stops the standalone server");
        LocalRedisServer server = redisServers.server();
        server.stop();
        try {
            Response answer = runpod(UNKNOWN_JOB, "shared_" + "A".repeat(43),
                    "{\"id\":\"x\",\"status\":\"IN_PROGRESS\"}");

            assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(503);
            assertThat(answer.header("Retry-After")).isNotBlank();
            assertThat(answer.contentType()).startsWith("application/problem+json");
        } finally {
            server.start();
        }
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> given().get("/q/health/ready").statusCode() == 200);
    }

    @Test
    @Order(2)
    void aJobsTokenIsSignedWithTheSharedKeyAndMovesTheJob() {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String token = token(webhookUrl(id));

        Response answer = runpod(id, token, "{\"id\":\"" + Webhooks.externalId(id) + "\",\"status\":\"IN_PROGRESS\"}");

        assertThat(token).matches("shared_[A-Za-z0-9_-]{43}");
        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
        assertThat(redis.value(String.class).get(KEY)).as("the shared key is stored").isNotBlank();
    }

    @Test
    @Order(3)
    void aForgedTokenCostsNoRedisCommandAboutTheJob() throws Exception {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String cogId = ProviderCase.COG.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String externalId = Webhooks.externalId(id);
        long version = Jobs.get(id).getLong("version");

        List<String> seen = RedisMonitor.commandsWhile(redisServers, () -> {
            for (String forged : List.of("guessed", "shared_" + "A".repeat(43), token(webhookUrl(cogId)))) {
                Response answer = runpod(id, forged, "{\"id\":\"" + externalId + "\",\"status\":\"IN_PROGRESS\"}");
                assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(401);
                assertThat(runpod(id, forged, "{\"id\":\"" + externalId + "\",\"status\":\"COMPLETED\",\"output\":{}}")
                        .statusCode()).isEqualTo(401);
            }
            assertThat(cog(cogId, "guessed", "{\"id\":\"" + cogId + "\",\"status\":\"succeeded\"}").statusCode())
                    .isEqualTo(401);
        });

        assertThat(seen).as("Redis commands naming the jobs").noneMatch(line -> line.contains(id)
                || line.contains(cogId));
        assertThat(Jobs.get(id).getLong("version")).as("the forged webhooks changed nothing").isEqualTo(version);
    }

    @Test
    @Order(4)
    void instancesRacingToMakeTheKeyAllUseTheOneStored() {
        String before = redis.value(String.class).get(KEY);
        try {
            for (int round = 0; round < 20; round++) {
                redis.key().del(KEY);
                // Two instances, neither with the key yet, both making one at once.
                WebhookTokens first = new WebhookTokens(Map.of(), store);
                WebhookTokens second = new WebhookTokens(Map.of(), store);

                List<String> tokens = Uni.join().all(first.forJob(UNKNOWN_JOB), second.forJob(UNKNOWN_JOB))
                        .andFailFast().await().atMost(Duration.ofSeconds(10));

                assertThat(tokens.get(0)).as("round " + round).isEqualTo(tokens.get(1));
                assertThat(new WebhookTokens(Map.of(), store).forJob(UNKNOWN_JOB).await()
                        .atMost(Duration.ofSeconds(10))).as("a third instance, reading the stored key")
                        .isEqualTo(tokens.get(0));
            }
        } finally {
            // The running gateway keeps the key it read: put it back for whatever runs after.
            if (before != null) {
                redis.value(String.class).set(KEY, before);
            }
        }
    }

    private static Response runpod(String jobId, String token, String body) {
        return given().contentType("application/json").queryParam("token", token).body(body)
                .post("/webhooks/runpod/" + jobId);
    }

    private static Response cog(String jobId, String token, String body) {
        return given().contentType("application/json").header("Authorization", "Bearer dev-cog-webhook-token")
                .queryParam("token", token).body(body).post("/webhooks/cog/" + jobId);
    }

    private String webhookUrl(String jobId) {
        return aiServer.submittedWebhookUrls().stream().filter(u -> u.contains("/" + jobId + "?")).findFirst()
                .orElseThrow();
    }

    private static String token(String url) {
        return url.substring(url.indexOf("token=") + "token=".length());
    }
}
