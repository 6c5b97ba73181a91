package dev.jobgateway.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/** API keys guard the frontend API, owners see only their jobs, and webhooks, health and OpenAPI need no key. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ApiAuthenticationTest {

    @ConfigProperty(name = "gateway.providers.generic.webhook-secrets")
    List<String> secrets;

    @Test
    void missingMalformedAndUnknownKeysAre401WithBearerChallenge() {
        for (RequestSpecification request : List.of(Api.anonymous(), Api.withAuthorization("Basic ZGV2OmtleQ=="),
                Api.withAuthorization("Bearer"), Api.withKey("not-a-key"))) {
            request.contentType("application/json").body(Map.of("input", Map.of("prompt", "x")))
                    .post("/jobs")
                    .then().statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", startsWith("Bearer"))
                    .body("type", equalTo("https://job-gateway.dev/problems/invalid-api-key"))
                    .body("title", equalTo("Invalid API key"));
        }
        Api.anonymous().get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA").then().statusCode(401);
        Api.anonymous().get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA/events").then().statusCode(401);
    }

    @Test
    void anotherOwnersJobIsNotFoundExactlyLikeAnUnknownId() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");

        String foreign = Api.withKey(Api.OTHER_KEY).get("/jobs/" + id)
                .then().statusCode(404).contentType("application/problem+json").extract().asString();
        String unknown = Api.withKey(Api.OTHER_KEY).get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA")
                .then().statusCode(404).extract().asString();
        assertThat(foreign.replace(id, "ID")).isEqualTo(unknown.replace("job_AAAAAAAAAAAAAAAAAAAAAA", "ID"));
        Api.withKey(Api.OTHER_KEY).get("/jobs/" + id + "/events").then().statusCode(404)
                .body("type", equalTo("https://job-gateway.dev/problems/job-not-found"));

        Api.withKey(Api.DEV_KEY).get("/jobs/" + id).then().statusCode(200).body("id", equalTo(id));
    }

    @Test
    void jobsOfEachOwnerAreVisibleToThatOwner() {
        String id = Api.withKey(Api.OTHER_KEY).contentType("application/json")
                .body(Map.of("input", Jobs.simulate(Map.of("duration_ms", 50))))
                .post("/jobs").then().statusCode(202).extract().path("id");

        Api.withKey(Api.OTHER_KEY).get("/jobs/" + id).then().statusCode(200);
        Api.withKey(Api.DEV_KEY).get("/jobs/" + id).then().statusCode(404);
    }

    @Test
    void webhooksHealthAndOpenApiNeedNoApiKey() {
        String id = Jobs.submit(Simulate.unfinished()).getString("id");
        String externalId = Jobs.events(id).getString("events[1].details.external_id");
        byte[] body = ("{\"job_id\":\"" + externalId + "\",\"status\":\"succeeded\",\"output\":{}}")
                .getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();

        Api.anonymous().contentType("application/json").body(body)
                .header("webhook-id", "msg_nokey").header("webhook-timestamp", now)
                .header("webhook-signature", StandardWebhook.sign(secrets.get(0), "msg_nokey", now, body))
                .post("/webhooks/generic/" + id)
                .then().statusCode(200).body("outcome", equalTo("applied"));
        Api.anonymous().get("/q/health/ready").then().statusCode(200);
        Api.anonymous().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void corsPreflightFromAnAllowedOriginNeedsNoKeyAndAllowsTheAuthorizationHeader() {
        var preflight = Api.anonymous().header("Origin", "https://app.example.test")
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
                .options("/jobs")
                .then().statusCode(200)
                .header("Access-Control-Allow-Origin", equalTo("https://app.example.test"))
                .extract().headers();
        // Each allowed header may come as its own header line; what counts is the union.
        assertThat(String.join(",", preflight.getValues("Access-Control-Allow-Headers")).toLowerCase())
                .contains("authorization", "content-type", "idempotency-key");

        var read = given().header("Origin", "https://app.example.test").get("/jobs/job_AAAAAAAAAAAAAAAAAAAAAA")
                .then().statusCode(404)
                .header("Access-Control-Allow-Origin", equalTo("https://app.example.test"))
                .extract().headers();
        assertThat(String.join(",", read.getValues("Access-Control-Expose-Headers"))).contains("ETag", "Location");
    }

    @Test
    void corsRefusesOriginsThatAreNotConfigured() {
        var headers = Api.anonymous().header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .options("/jobs")
                .then().extract().headers();
        assertThat(headers.hasHeaderWithName("Access-Control-Allow-Origin")).isFalse();
    }
}
