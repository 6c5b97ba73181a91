package dev.jobgateway.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.RedisMonitor;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;

/**
 * A token webhook (RunPod, Cog) whose token is not the job's: the same answer whether the job exists or not, so the
 * webhook URL is no oracle for job ids, and not one Redis command about the job, since the token is checked against
 * the job id before Redis is asked.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ForgedTokenWebhooksTest {

    private static final String UNKNOWN_JOB = "job_ZZZZZZZZZZZZZZZZZZZZZZ";
    /** The Cog server's own bearer token of the test build: a forger who has it still lacks the per-job token. */
    private static final String COG_BEARER = "dev-cog-webhook-token";

    @Inject
    SimulatedAiServer aiServer;

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider redisServers;

    @Test
    void aForgedRunPodTokenGetsTheSameAnswerForARealJobAndAnUnknownOne() {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String body = "{\"id\":\"" + Webhooks.externalId(id) + "\",\"status\":\"IN_PROGRESS\"}";
        long version = Jobs.get(id).getLong("version");

        Response real = runpod(id, "guessed-token-000000000000000000000000000", body);
        Response unknown = runpod(UNKNOWN_JOB, "guessed-token-000000000000000000000000000", body);

        assertThat(real.statusCode()).as(real.asString()).isEqualTo(401);
        assertThat(unknown.statusCode()).as(unknown.asString()).isEqualTo(real.statusCode());
        assertThat(unknown.contentType()).isEqualTo(real.contentType()).startsWith("application/problem+json");
        assertThat(unknown.asString()).isEqualTo(real.asString());
        assertThat(Jobs.get(id).getLong("version")).as("the forged webhook changed nothing").isEqualTo(version);
    }

    @Test
    void aForgedRunPodCompletionGetsTheSameAnswerForARealJobAndAnUnknownOne() {
        // A terminal report takes another path (it is confirmed with RunPod first): the same answer there too.
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String body = "{\"id\":\"" + Webhooks.externalId(id) + "\",\"status\":\"COMPLETED\",\"output\":{}}";

        Response real = runpod(id, "guessed", body);
        Response unknown = runpod(UNKNOWN_JOB, "guessed", body);

        assertThat(real.statusCode()).as(real.asString()).isEqualTo(401);
        assertThat(unknown.statusCode()).as(unknown.asString()).isEqualTo(401);
        assertThat(unknown.asString()).isEqualTo(real.asString());
    }

    @Test
    void aForgedCogTokenGetsTheSameAnswerForARealJobAndAnUnknownOne() {
        String id = ProviderCase.COG.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String body = "{\"id\":\"" + id + "\",\"status\":\"processing\"}";

        Response real = cog(id, "guessed", body);
        Response unknown = cog(UNKNOWN_JOB, "guessed", body);

        assertThat(real.statusCode()).as(real.asString()).isEqualTo(401);
        assertThat(unknown.statusCode()).as(unknown.asString()).isEqualTo(401);
        assertThat(unknown.asString()).isEqualTo(real.asString());
    }

    @Test
    void aForgedTokenCostsNoRedisCommandAboutTheJob() throws Exception {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String cogId = ProviderCase.COG.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String externalId = Webhooks.externalId(id);

        List<String> seen = RedisMonitor.commandsWhile(redisServers, () -> {
            runpod(id, "guessed", "{\"id\":\"" + externalId + "\",\"status\":\"IN_PROGRESS\"}");
            runpod(id, "guessed", "{\"id\":\"" + externalId + "\",\"status\":\"COMPLETED\",\"output\":{}}");
            runpod(UNKNOWN_JOB, "guessed", "{\"id\":\"x\",\"status\":\"IN_PROGRESS\"}");
            cog(cogId, "guessed", "{\"id\":\"" + cogId + "\",\"status\":\"succeeded\"}");
        });

        assertThat(seen).as("Redis commands naming the jobs").noneMatch(line -> line.contains(id)
                || line.contains(UNKNOWN_JOB) || line.contains(cogId));
    }

    @Test
    void theTokenOfOneJobOpensNoOtherJob() {
        String mine = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String other = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));
        String myToken = token(webhookUrl(mine));
        long version = Jobs.get(other).getLong("version");

        Response answer = runpod(other, myToken, "{\"id\":\"" + Webhooks.externalId(other)
                + "\",\"status\":\"IN_PROGRESS\"}");

        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(401);
        assertThat(Jobs.get(other).getLong("version")).isEqualTo(version);
    }

    @Test
    void theRealTokenStillMovesTheJob() {
        String id = ProviderCase.RUNPOD.submit(Map.of("duration_ms", 60_000, "progress_steps", 0));

        Response answer = runpod(id, token(webhookUrl(id)), "{\"id\":\"" + Webhooks.externalId(id)
                + "\",\"status\":\"IN_PROGRESS\"}");

        assertThat(answer.statusCode()).as(answer.asString()).isEqualTo(200);
    }

    private static Response runpod(String jobId, String token, String body) {
        return given().contentType("application/json").queryParam("token", token).body(body)
                .post("/webhooks/runpod/" + jobId);
    }

    private static Response cog(String jobId, String token, String body) {
        return given().contentType("application/json").header("Authorization", "Bearer " + COG_BEARER)
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
