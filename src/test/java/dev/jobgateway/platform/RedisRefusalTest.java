package dev.jobgateway.platform;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.jobgateway.devservices.LocalRedisProvider;
import dev.jobgateway.devservices.Resp;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.StoredJobs;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.common.annotation.Identifier;

/**
 * A Redis that is up but refuses the gateway's new connections (it asks for a password the gateway does not send,
 * or it is at its client limit) is a 503 with {@code Retry-After} for reads and scripts alike, never a 500; and once
 * it accepts connections again, the same instance serves again, without a restart: a failed connect is never kept.
 * Redis is driven from a connection of the test's own, opened before the refusal.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class RedisRefusalTest {

    @Inject
    @Identifier("local-redis")
    LocalRedisProvider localRedis;

    @Inject
    JobRecords jobs;

    @Test
    void aRedisThatAsksForAPasswordIsA503AndTheInstanceServesAgainOnceItAcceptsTheGateway() {
        String id = StoredJobs.queued(jobs, Api.DEV_OWNER);
        try (Resp control = Resp.connect(localRedis.server().port(), 5_000)) {
            try {
                control.call("CONFIG", "SET", "requirepass", "not-the-gateways");
                // Every connection the gateway holds goes, as after a Redis restart with the new setting.
                control.call("CLIENT", "KILL", "TYPE", "normal");
                assertUnavailable(given().get("/jobs/" + id));
                assertUnavailable(given().post("/jobs/" + id + "/cancel"));
            } finally {
                control.call("CONFIG", "SET", "requirepass", "");
            }
        }
        servesAgain(id);
    }

    @Test
    void aRedisAtItsClientLimitIsA503AndTheInstanceServesAgainOnceThereIsRoom() {
        String id = StoredJobs.queued(jobs, Api.DEV_OWNER);
        try (Resp control = Resp.connect(localRedis.server().port(), 5_000)) {
            String limit = ((java.util.List<?>) control.call("CONFIG", "GET", "maxclients")).get(1).toString();
            try {
                control.call("CONFIG", "SET", "maxclients", "1");
                control.call("CLIENT", "KILL", "TYPE", "normal");
                assertUnavailable(given().get("/jobs/" + id));
                assertUnavailable(given().post("/jobs/" + id + "/cancel"));
            } finally {
                control.call("CONFIG", "SET", "maxclients", limit);
            }
        }
        servesAgain(id);
    }

    private static void servesAgain(String id) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().get("/jobs/" + id).statusCode() == 200);
        given().post("/jobs/" + id + "/cancel").then().statusCode(200).body("status", equalTo("cancelled"));
    }

    private static void assertUnavailable(Response response) {
        response.then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", "2")
                .body("type", equalTo("https://job-gateway.dev/problems/store-unavailable"));
    }
}
