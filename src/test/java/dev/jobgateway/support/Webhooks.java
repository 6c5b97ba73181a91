package dev.jobgateway.support;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.eclipse.microprofile.config.ConfigProvider;

import dev.jobgateway.providers.StandardWebhook;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Webhooks as the AI server sends them: generic-protocol bodies, signed with the test build's secret. */
public final class Webhooks {

    private Webhooks() {
    }

    public static String secret() {
        return ConfigProvider.getConfig().getValues("gateway.providers.generic.webhook-secrets", String.class).get(0);
    }

    /** {@code {"job_id": externalId, "status": status}} and any extra JSON members (e.g. {@code "progress":0.5}). */
    public static String body(String externalId, String status, String extraMembers) {
        return "{\"job_id\":\"" + externalId + "\",\"status\":\"" + status + "\""
                + (extraMembers == null || extraMembers.isEmpty() ? "" : "," + extraMembers) + "}";
    }

    /** A request carrying {@code body} signed now with the test secret under {@code webhookId}. */
    public static RequestSpecification signed(String webhookId, String body) {
        return signedAt(webhookId, body, Instant.now().getEpochSecond());
    }

    public static RequestSpecification signedAt(String webhookId, String body, long timestampSeconds) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return given().contentType("application/json").body(bytes)
                .header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, Long.toString(timestampSeconds))
                .header(StandardWebhook.SIGNATURE_HEADER,
                        StandardWebhook.sign(secret(), webhookId, timestampSeconds, bytes));
    }

    /** Posts a signed webhook for the job {@code jobId} (the per-job URL) and returns the response. */
    public static Response toJob(String jobId, String webhookId, String body) {
        return signed(webhookId, body).post("/webhooks/generic/" + jobId);
    }

    /** Posts a signed webhook to the one fixed URL, where its job is found by the AI server's id. */
    public static Response toFixedUrl(String webhookId, String body) {
        return signed(webhookId, body).post("/webhooks/generic");
    }

    /** The AI server's id for a job, from its {@code handed_to_ai_server} timeline entry. */
    public static String externalId(String jobId) {
        return Jobs.events(jobId).getString("events.find { it.type == 'handed_to_ai_server' }.details.external_id");
    }
}
