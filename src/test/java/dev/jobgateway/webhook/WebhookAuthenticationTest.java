package dev.jobgateway.webhook;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.Simulate;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.WebhookSecrets;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/** A webhook that cannot prove its origin gets 401 and changes nothing; a signed one is applied. */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class WebhookAuthenticationTest {

    @ConfigProperty(name = "gateway.providers.generic.webhook-secrets")
    List<String> secrets;

    private String jobId;
    private String externalId;
    private final byte[] body = "{\"job_id\":\"%s\",\"status\":\"succeeded\",\"output\":{\"images\":[]}}"
            .getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void jobAwaitingItsWebhook() {
        jobId = Jobs.submit(Simulate.unfinished()).getString("id");
        externalId = Jobs.events(jobId).getString("events[1].details.external_id");
    }

    @Test
    void signedWebhookIsApplied() {
        long now = Instant.now().getEpochSecond();
        byte[] payload = payload();
        webhook(payload).header("webhook-id", "msg_ok").header("webhook-timestamp", now)
                .header("webhook-signature", StandardWebhook.sign(secrets.get(0), "msg_ok", now, payload))
                .post("/webhooks/generic/" + jobId)
                .then().statusCode(200).body("outcome", equalTo("applied")).body("status", equalTo("succeeded"));
        assertThat(Jobs.get(jobId).getString("status")).isEqualTo("succeeded");
    }

    @Test
    void wrongSignatureIsRejectedAndChangesNothing() {
        long now = Instant.now().getEpochSecond();
        byte[] payload = payload();
        String otherSecret = WebhookSecrets.of("another-secret");
        assertRejectedWithoutChange(webhook(payload).header("webhook-id", "msg_1").header("webhook-timestamp", now)
                .header("webhook-signature", StandardWebhook.sign(otherSecret, "msg_1", now, payload)));
    }

    @Test
    void tamperedBodyIsRejectedAndChangesNothing() {
        long now = Instant.now().getEpochSecond();
        byte[] signed = payload();
        byte[] tampered = new String(signed, StandardCharsets.UTF_8).replace("succeeded", "failed")
                .getBytes(StandardCharsets.UTF_8);
        assertRejectedWithoutChange(webhook(tampered).header("webhook-id", "msg_2").header("webhook-timestamp", now)
                .header("webhook-signature", StandardWebhook.sign(secrets.get(0), "msg_2", now, signed)));
    }

    @Test
    void missingHeadersAreRejectedAndChangeNothing() {
        assertRejectedWithoutChange(webhook(payload()));
        long now = Instant.now().getEpochSecond();
        assertRejectedWithoutChange(webhook(payload()).header("webhook-id", "msg_3").header("webhook-timestamp", now));
    }

    @Test
    void staleTimestampIsRejectedAndChangesNothing() {
        long staleSeconds = Instant.now().minusSeconds(6 * 60).getEpochSecond();
        byte[] payload = payload();
        assertRejectedWithoutChange(webhook(payload).header("webhook-id", "msg_4")
                .header("webhook-timestamp", staleSeconds)
                .header("webhook-signature", StandardWebhook.sign(secrets.get(0), "msg_4", staleSeconds, payload)));
    }

    @Test
    void tokenAloneIsNotEnoughWhenSignaturesAreRequired() {
        assertRejectedWithoutChange(webhook(payload()).queryParam("token", "whatever"));
    }

    private byte[] payload() {
        return String.format(new String(body, StandardCharsets.UTF_8), externalId).getBytes(StandardCharsets.UTF_8);
    }

    private static RequestSpecification webhook(byte[] payload) {
        return given().contentType("application/json").body(payload);
    }

    private void assertRejectedWithoutChange(RequestSpecification request) {
        JsonPath before = Jobs.get(jobId);
        int timelineBefore = Jobs.events(jobId).getList("events").size();

        request.post("/webhooks/generic/" + jobId)
                .then().statusCode(401)
                .contentType("application/problem+json")
                .body("type", equalTo("https://job-gateway.dev/problems/invalid-webhook-signature"));

        JsonPath after = Jobs.get(jobId);
        assertThat(after.getLong("version")).isEqualTo(before.getLong("version"));
        assertThat(after.getString("status")).isEqualTo(before.getString("status"));
        assertThat(Jobs.events(jobId).getList("events")).hasSize(timelineBefore);
    }
}
