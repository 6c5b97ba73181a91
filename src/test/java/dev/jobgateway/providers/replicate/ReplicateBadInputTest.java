package dev.jobgateway.providers.replicate;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Replicate's bad inputs: models that are no Replicate model or version, and webhooks with the other schemes' or broken
 * signatures, unknown statuses, other predictions.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class ReplicateBadInputTest extends BadInputCases {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "Replicate model that is no owner/name or version", f -> json(
                "{\"provider\":\"replicate\",\"model\":\"flux schnell\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "Replicate version id that is not 64 hex", f -> json(
                "{\"provider\":\"replicate\",\"model\":\"owner/name:abc123\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        // Replicate webhooks
        String replicateSecret = ConfigProvider.getConfig()
                .getValues("gateway.providers.replicate.webhook-secrets", String.class).get(0);
        Function<Fixture, String> succeeded = f -> prediction(f.predictionId(), "succeeded", "\"output\":[\"x.png\"]");
        add(cases, "Replicate route with a webhook signed with the generic secret", f -> signedWith(Webhooks.secret(),
                "msg_r1", succeeded.apply(f), now()).post("/webhooks/replicate/" + f.replicateJobId()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Replicate route with fal's signature headers", f -> {
            byte[] body = succeeded.apply(f).getBytes(StandardCharsets.UTF_8);
            return given().contentType("application/json").headers(f.ai().falSigning().headers(f.predictionId(),
                    now(), body)).body(body).post("/webhooks/replicate/" + f.replicateJobId());
        }, 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Replicate webhook with a tampered body", f -> {
            String signed = prediction(f.predictionId(), "failed", null);
            long at = now();
            return given().contentType("application/json").body(signed.replace("failed", "succeeded"))
                    .header(StandardWebhook.ID_HEADER, "msg_r2").header(StandardWebhook.TIMESTAMP_HEADER, at)
                    .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(replicateSecret, "msg_r2", at,
                            signed.getBytes(StandardCharsets.UTF_8)))
                    .post("/webhooks/replicate/" + f.replicateJobId());
        }, 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Replicate webhook with a stale timestamp", f -> signedWith(replicateSecret, "msg_r3",
                succeeded.apply(f), now() - 600).post("/webhooks/replicate/" + f.replicateJobId()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Replicate webhook with a status Replicate does not have", f -> signedWith(replicateSecret,
                "msg_r4", prediction(f.predictionId(), "exploded", null), now())
                .post("/webhooks/replicate/" + f.replicateJobId()), 422, "unknown-status", "Unknown status");
        add(cases, "Replicate webhook with the generic protocol's status words", f -> signedWith(replicateSecret,
                "msg_r5", prediction(f.predictionId(), "cancelled", null), now())
                .post("/webhooks/replicate/" + f.replicateJobId()), 422, "unknown-status", "Unknown status");
        add(cases, "Replicate webhook naming another prediction", f -> signedWith(replicateSecret, "msg_r6",
                prediction("someoneelsesprediction0001", "succeeded", null), now())
                .post("/webhooks/replicate/" + f.replicateJobId()), 422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "Replicate webhook for a job handed to another provider", f -> signedWith(replicateSecret,
                "msg_r7", prediction(f.externalId(), "succeeded", null), now())
                .post("/webhooks/replicate/" + f.jobId()),
                422, "external-id-mismatch", "Webhook names another job");
        add(cases, "Replicate webhook that is not a prediction object", f -> signedWith(replicateSecret, "msg_r8",
                "[\"succeeded\"]", now()).post("/webhooks/replicate/" + f.replicateJobId()), 400, "invalid-json",
                "Malformed JSON");
        add(cases, "Replicate webhook with 300 KB of logs", f -> signedWith(replicateSecret, "msg_r9",
                prediction(f.predictionId(), "processing", "\"logs\":\"" + " 10%|█ | 1/10\\n".repeat(20_000) + "\""),
                now()).post("/webhooks/replicate/" + f.replicateJobId()), 413, "body-too-large",
                "Request body too large");
        add(cases, "Replicate webhook to the fixed URL without an id", f -> signedWith(replicateSecret, "msg_r10",
                "{\"status\":\"succeeded\"}", now()).post("/webhooks/replicate"), 422, "invalid-request",
                "Invalid request");
        add(cases, "Replicate webhook with a token instead of a signature", f -> given().contentType("application/json")
                .body(succeeded.apply(f)).queryParam("token", "guessed")
                .post("/webhooks/replicate/" + f.replicateJobId()),
                401, "invalid-webhook-signature", "Webhook not authenticated");
        return cases.stream();
    }
}
