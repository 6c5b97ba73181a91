package dev.jobgateway.providers.fal;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.devservices.simulator.FalSigning;
import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * fal's bad inputs: model ids that would leave the queue path, and webhooks with other schemes' or broken Ed25519
 * signatures, other requests, unknown statuses, an unreachable or broken JWKS.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class FalBadInputTest extends BadInputCases {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        add(cases, "fal model id climbing out of the queue path", f -> json(
                "{\"provider\":\"fal\",\"model\":\"fal-ai/../../admin\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "fal model id with a query", f -> json(
                "{\"provider\":\"fal\",\"model\":\"fal-ai/flux?x=1\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "model of 201 characters", f -> json("{\"provider\":\"fal\",\"model\":\"fal-ai/"
                + "x".repeat(194) + "\",\"input\":{}}").post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "empty model", f -> json("{\"provider\":\"fal\",\"model\":\"\",\"input\":{}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");

        // fal webhooks
        Function<Fixture, byte[]> ok = f -> ("{\"request_id\":\"" + f.falRequestId() + "\",\"gateway_request_id\":"
                + "\"gw-1\",\"status\":\"OK\",\"payload\":{\"images\":[]}}").getBytes(StandardCharsets.UTF_8);
        add(cases, "fal route with Standard Webhooks headers", f -> signedWith(Webhooks.secret(), "msg_f1",
                new String(ok.apply(f), StandardCharsets.UTF_8), now()).post("/webhooks/fal/" + f.falJobId()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook without its signature header", f -> {
            Map<String, String> headers = new java.util.HashMap<>(f.ai().falSigning().headers(f.falRequestId(), now(),
                    ok.apply(f)));
            headers.remove("X-Fal-Webhook-Signature");
            return fal(f, headers, ok.apply(f));
        }, 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook with a tampered body", f -> fal(f, f.ai().falSigning().headers(f.falRequestId(), now(),
                ok.apply(f)),
                new String(ok.apply(f), StandardCharsets.UTF_8).replace("OK", "ERROR")
                        .getBytes(StandardCharsets.UTF_8)),
                401, "invalid-webhook-signature",
                "Webhook not authenticated");
        add(cases, "fal webhook signed 301 s ago", f -> fal(f, f.ai().falSigning().headers(f.falRequestId(),
                now() - 301, ok.apply(f)), ok.apply(f)), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook signed 301 s in the future", f -> fal(f, f.ai().falSigning().headers(f.falRequestId(),
                now() + 301, ok.apply(f)), ok.apply(f)), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook signed by fal for another user", f -> fal(f, FalSigning.headers(FalSigning.generate()
                .getPrivate(), f.falRequestId(), "someone-else", now(), ok.apply(f)), ok.apply(f)), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook signed with a key not in fal's JWKS", f -> fal(f, FalSigning.headers(
                FalSigning.generate().getPrivate(), f.falRequestId(), f.ai().falSigning().userId(), now(),
                ok.apply(f)), ok.apply(f)), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook with a signature that is not hex", f -> {
            Map<String, String> headers = new java.util.HashMap<>(f.ai().falSigning().headers(f.falRequestId(), now(),
                    ok.apply(f)));
            headers.put("X-Fal-Webhook-Signature", "zz" + headers.get("X-Fal-Webhook-Signature").substring(2));
            return fal(f, headers, ok.apply(f));
        }, 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "fal webhook with a signed request id that is not the body's", f -> fal(f, f.ai().falSigning()
                .headers("another-request", now(), ok.apply(f)), ok.apply(f)), 422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "fal webhook whose request_id names another job", f -> {
            byte[] other = ("{\"request_id\":\"" + f.predictionId() + "\",\"status\":\"OK\",\"payload\":{}}")
                    .getBytes(StandardCharsets.UTF_8);
            return fal(f, f.ai().falSigning().headers(f.predictionId(), now(), other), other);
        }, 422, "external-id-mismatch", "Webhook names another job");
        add(cases, "fal webhook with a status fal does not send", f -> {
            byte[] body = ("{\"request_id\":\"" + f.falRequestId() + "\",\"status\":\"COMPLETED\"}")
                    .getBytes(StandardCharsets.UTF_8);
            return fal(f, f.ai().falSigning().headers(f.falRequestId(), now(), body), body);
        }, 422, "unknown-status", "Unknown status");
        add(cases, "fal webhook that is not JSON", f -> {
            byte[] body = "OK".getBytes(StandardCharsets.UTF_8);
            return fal(f, f.ai().falSigning().headers(f.falRequestId(), now(), body), body);
        }, 400, "invalid-json", "Malformed JSON");
        add(cases, "fal webhook while fal's JWKS cannot be reached", f -> withJwks(f, FalSigning.JwksMode.DOWN,
                () -> fal(f, f.ai().falSigning().headers(f.falRequestId(), now(), ok.apply(f)), ok.apply(f))), 503,
                "webhook-keys-unavailable", "Webhook keys unavailable");
        add(cases, "fal webhook while fal's JWKS is malformed", f -> withJwks(f, FalSigning.JwksMode.MALFORMED,
                () -> fal(f, f.ai().falSigning().headers(f.falRequestId(), now(), ok.apply(f)), ok.apply(f))), 503,
                "webhook-keys-unavailable", "Webhook keys unavailable");
        add(cases, "fal webhook while fal's JWKS has no Ed25519 key", f -> withJwks(f, FalSigning.JwksMode.NO_ED25519,
                () -> fal(f, f.ai().falSigning().headers(f.falRequestId(), now(), ok.apply(f)), ok.apply(f))), 503,
                "webhook-keys-unavailable", "Webhook keys unavailable");
        return cases.stream();
    }

    private static Response fal(Fixture f, Map<String, String> headers, byte[] body) {
        return given().contentType("application/json").headers(headers).body(body)
                .post("/webhooks/fal/" + f.falJobId());
    }

    /** Sends with fal's JWKS in {@code mode} and no keys fetched yet, then restores both. */
    private static Response withJwks(Fixture f, FalSigning.JwksMode mode, java.util.function.Supplier<Response> send) {
        f.ai().falSigning().jwksMode(mode);
        f.fal().forgetWebhookKeys();
        try {
            return send.get();
        } finally {
            f.ai().falSigning().jwksMode(FalSigning.JwksMode.KEYS);
            f.fal().forgetWebhookKeys();
        }
    }

}
