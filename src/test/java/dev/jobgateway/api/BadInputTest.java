package dev.jobgateway.api;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.params.provider.Arguments;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.BadInputCases;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.WebhookSecrets;
import dev.jobgateway.support.Webhooks;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/**
 * Every client or sender mistake is a clear 4xx problem+json, never a 500, and changes nothing in Redis
 * ({@link BadInputCases}): the provider-neutral mistakes here, each provider's own in the {@code *BadInputTest} beside
 * its tests.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class BadInputTest extends BadInputCases {

    private static final String WRONG_SECRET = WebhookSecrets.of("not the gateway's secret");

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Function<String, RequestSpecification> json = body -> given().contentType("application/json").body(body);
        String validInput = "{\"input\":{\"prompt\":\"a lighthouse\"}}";

        // Submit: body
        add(cases, "malformed JSON", f -> json.apply("{\"input\": {").post("/jobs"), 400, "invalid-json",
                "Malformed JSON");
        add(cases, "empty body", f -> given().contentType("application/json").post("/jobs"), 400, "invalid-json",
                "Malformed JSON");
        add(cases, "JSON followed by garbage", f -> json.apply(validInput + " trailing").post("/jobs"), 400,
                "invalid-json", "Malformed JSON");
        add(cases, "duplicate field", f -> json.apply("{\"input\":{},\"input\":{}}").post("/jobs"), 400,
                "invalid-json", "Malformed JSON");
        add(cases, "JSON nested 2,000 deep", f -> json.apply("{\"input\":{\"a\":" + "[".repeat(2000)
                + "]".repeat(2000) + "}}").post("/jobs"), 400, "invalid-json", "Malformed JSON");
        add(cases, "text/plain content type", f -> given().contentType("text/plain").body(validInput).post("/jobs"),
                415, "unsupported-media-type", "Unsupported media type");
        add(cases, "form content type", f -> given().contentType("application/x-www-form-urlencoded")
                .body("input=x").post("/jobs"), 415, "unsupported-media-type", "Unsupported media type");
        add(cases, "body is an array", f -> json.apply("[]").post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "body is a string", f -> json.apply("\"input\"").post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "missing input", f -> json.apply("{}").post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "extra field", f -> json.apply("{\"input\":{},\"priority\":1}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "input is a string", f -> json.apply("{\"input\":\"a lighthouse\"}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "input is an array", f -> json.apply("{\"input\":[1,2]}").post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "input is null", f -> json.apply("{\"input\":null}").post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "body over 256 KiB", f -> json.apply("{\"input\":{\"p\":\"" + "x".repeat(300_000) + "\"}}")
                .post("/jobs"), 413, "body-too-large", "Request body too large");
        add(cases, "input over 64 KiB", f -> json.apply("{\"input\":{\"p\":\"" + "x".repeat(70_000) + "\"}}")
                .post("/jobs"), 413, "input-too-large", "Job input too large");
        add(cases, "input over 64 KiB in multi-byte characters", f -> json.apply("{\"input\":{\"p\":\""
                + "画".repeat(25_000) + "\"}}").post("/jobs"), 413, "input-too-large", "Job input too large");

        add(cases, "max_duration_seconds of 0", f -> json.apply("{\"input\":{},\"max_duration_seconds\":0}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "max_duration_seconds over the cap", f -> json.apply(
                "{\"input\":{},\"max_duration_seconds\":86401}").post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "max_duration_seconds as a string", f -> json.apply(
                "{\"input\":{},\"max_duration_seconds\":\"60\"}").post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "max_duration_seconds with a fraction", f -> json.apply(
                "{\"input\":{},\"max_duration_seconds\":1.5}").post("/jobs"), 422, "invalid-request",
                "Invalid request");

        // Submit: headers
        add(cases, "empty Idempotency-Key", f -> json.apply(validInput).header("Idempotency-Key", "\"\"")
                .post("/jobs"), 400, "invalid-idempotency-key", "Invalid Idempotency-Key");
        add(cases, "Idempotency-Key over 255 characters", f -> json.apply(validInput)
                .header("Idempotency-Key", "k".repeat(256)).post("/jobs"), 400, "invalid-idempotency-key",
                "Invalid Idempotency-Key");
        add(cases, "Idempotency-Key with control characters", f -> json.apply(validInput)
                .header("Idempotency-Key", "a\tb").post("/jobs"), 400, "invalid-idempotency-key",
                "Invalid Idempotency-Key");
        add(cases, "missing API key", f -> Api.anonymous().contentType("application/json").body(validInput)
                .post("/jobs"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "unknown API key", f -> Api.withKey("guessed-key").contentType("application/json").body(validInput)
                .post("/jobs"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "API key in Basic scheme", f -> Api.withAuthorization("Basic ZGV2LWtleTo=")
                .get("/jobs/" + f.jobId()), 401, "invalid-api-key", "Invalid API key");
        add(cases, "empty bearer key", f -> Api.withAuthorization("Bearer ").get("/jobs/" + f.jobId()), 401,
                "invalid-api-key", "Invalid API key");

        // Job ids: all refused before any Redis key is built from them
        add(cases, "unknown job id", f -> given().get("/jobs/" + UNKNOWN_JOB), 404, "job-not-found", "Job not found");
        add(cases, "another owner's job", f -> Api.withKey(Api.OTHER_KEY).get("/jobs/" + f.jobId()), 404,
                "job-not-found", "Job not found");
        add(cases, "id with hash-tag braces", f -> given().urlEncodingEnabled(false)
                .get("/jobs/job_%7BAAAAAAAAAAAAAAAAAAAA%7D"), 404, "job-not-found", "Job not found");
        add(cases, "id with a glob star", f -> given().urlEncodingEnabled(false).get("/jobs/job_*"), 404,
                "job-not-found", "Job not found");
        add(cases, "id with encoded dot-dot-slash", f -> given().urlEncodingEnabled(false)
                .get("/jobs/..%2F..%2Fjobgw:changes"), 404, "job-not-found", "Job not found");
        add(cases, "id with CR LF", f -> given().urlEncodingEnabled(false).get("/jobs/job_A%0D%0AFLUSHALL"), 404,
                "job-not-found", "Job not found");
        add(cases, "id of 2000 characters", f -> given().get("/jobs/job_" + "A".repeat(1996)), 404, "job-not-found",
                "Job not found");
        add(cases, "id in unicode", f -> given().get("/jobs/job_ÄÖÜäöü画像画像画像画像画像画像画像"),
                404, "job-not-found", "Job not found");
        add(cases, "id one character short", f -> given().get("/jobs/" + f.jobId().substring(0, 25)), 404,
                "job-not-found", "Job not found");
        add(cases, "events of an unknown job", f -> given().get("/jobs/" + UNKNOWN_JOB + "/events"), 404,
                "job-not-found", "Job not found");
        add(cases, "cancel of an unknown job", f -> given().post("/jobs/" + UNKNOWN_JOB + "/cancel"), 404,
                "job-not-found", "Job not found");
        add(cases, "cancel of another owner's job", f -> Api.withKey(Api.OTHER_KEY)
                .post("/jobs/" + f.jobId() + "/cancel"), 404, "job-not-found", "Job not found");
        add(cases, "cancel of an ill-formed id", f -> given().urlEncodingEnabled(false)
                .post("/jobs/job_%7Bx%7D/cancel"), 404, "job-not-found", "Job not found");
        add(cases, "unknown path under a job", f -> given().get("/jobs/" + f.jobId() + "/secrets"), 404, "not-found",
                "Not found");
        add(cases, "DELETE on a job", f -> given().delete("/jobs/" + f.jobId()), 405, "method-not-allowed",
                "Method not allowed");

        // Timeline pages
        add(cases, "events with a limit of 0", f -> given().get("/jobs/" + f.jobId() + "/events?limit=0"), 400,
                "invalid-page", "Invalid page");
        add(cases, "events with a limit over 500", f -> given().get("/jobs/" + f.jobId() + "/events?limit=501"),
                400, "invalid-page", "Invalid page");
        add(cases, "events after a cursor that is no entry id", f -> given().get("/jobs/" + f.jobId()
                + "/events?after=%2B"), 400, "invalid-page", "Invalid page");

        // The sweeper's route on a plain-HTTP instance (tests are not on Lambda)
        add(cases, "sweep without a key", f -> given().post("/internal/sweep"), 401, "invalid-api-key",
                "Invalid API key");
        add(cases, "sweep with an API key instead of the sweeper key", f -> given()
                .header("Authorization", "Bearer dev-key").post("/internal/sweep"), 401, "invalid-api-key",
                "Invalid API key");

        // Operator actions (/internal/ops): the operator key only, on every runtime
        Function<String, RequestSpecification> operator = key -> given().header("Authorization", "Bearer " + key);
        add(cases, "reconcile without a key", f -> given().post("/internal/ops/jobs/" + f.jobId() + "/reconcile"),
                401, "invalid-api-key", "Invalid API key");
        add(cases, "reconcile with an API key instead of the operator key", f -> operator.apply("dev-key")
                .post("/internal/ops/jobs/" + f.jobId() + "/reconcile"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "replay with the sweeper key instead of the operator key", f -> operator.apply("dev-sweep-key")
                .post("/internal/ops/jobs/" + f.jobId() + "/replay/1-0"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "overdue list without a key", f -> given().get("/internal/ops/overdue"), 401, "invalid-api-key",
                "Invalid API key");
        add(cases, "delivery report with a wrong key", f -> operator.apply("not-the-operator-key")
                .get("/internal/ops/delivery"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "reconcile of an unknown job", f -> operator.apply("dev-operator-key")
                .post("/internal/ops/jobs/" + UNKNOWN_JOB + "/reconcile"), 404, "job-not-found", "Job not found");
        add(cases, "replay of an entry id that is no entry id", f -> operator.apply("dev-operator-key")
                .post("/internal/ops/jobs/" + f.jobId() + "/replay/latest"), 422, "invalid-request",
                "Invalid request");
        add(cases, "replay of an entry the timeline does not have", f -> operator.apply("dev-operator-key")
                .post("/internal/ops/jobs/" + f.jobId() + "/replay/1-0"), 404, "not-found", "Not found");
        add(cases, "operator name with spaces", f -> operator.apply("dev-operator-key").header("X-Operator", "a b")
                .post("/internal/ops/jobs/" + f.jobId() + "/reconcile"), 422, "invalid-request", "Invalid request");
        add(cases, "overdue list with a limit of 0", f -> operator.apply("dev-operator-key")
                .get("/internal/ops/overdue?limit=0"), 400, "invalid-page", "Invalid page");
        add(cases, "delivery report over more than a day", f -> operator.apply("dev-operator-key")
                .get("/internal/ops/delivery?window=48h"), 422, "invalid-request", "Invalid request");

        // Reads: waits and batches
        add(cases, "negative wait", f -> given().get("/jobs/" + f.jobId() + "?wait=-1"), 400, "invalid-wait",
                "Invalid wait");
        add(cases, "wait that is not a number", f -> given().get("/jobs/" + f.jobId() + "?wait=soon"), 400,
                "invalid-wait", "Invalid wait");
        add(cases, "wait with a fraction", f -> given().get("/jobs/" + f.jobId() + "?wait=2.5"), 400,
                "invalid-wait", "Invalid wait");
        add(cases, "wait of twenty digits", f -> given().get("/jobs/" + f.jobId() + "?wait=99999999999999999999"),
                400, "invalid-wait", "Invalid wait");
        add(cases, "invalid wait on a batch", f -> given().get("/jobs?ids=" + f.jobId() + "&wait=x"), 400,
                "invalid-wait", "Invalid wait");
        add(cases, "batch without ids", f -> given().get("/jobs"), 400, "missing-ids", "Missing ids");
        add(cases, "batch of commas only", f -> given().get("/jobs?ids=,,,"), 400, "missing-ids", "Missing ids");
        add(cases, "batch of 51 ids", f -> given().get("/jobs?ids=" + String.join(",",
                java.util.stream.IntStream.range(0, 51).mapToObj(i -> String.format("job_%022d", i)).toList())),
                400, "too-many-ids", "Too many ids");
        add(cases, "batch without an API key", f -> Api.anonymous().get("/jobs?ids=" + f.jobId()), 401,
                "invalid-api-key", "Invalid API key");
        add(cases, "wait on an unknown job", f -> given().get("/jobs/" + UNKNOWN_JOB + "?wait=5"), 404,
                "job-not-found", "Job not found");

        // Webhooks
        add(cases, "unknown webhook provider", f -> Webhooks.signed("msg_bad_1", Webhooks.body(f.externalId(),
                "succeeded", null)).post("/webhooks/acme/" + f.jobId()), 404, "unknown-provider",
                "Unknown provider");
        add(cases, "webhook to the fixed URL of an unknown provider", f -> Webhooks.signed("msg_bad_1b",
                Webhooks.body(f.externalId(), "succeeded", null)).post("/webhooks/midjourney"), 404, "unknown-provider",
                "Unknown provider");
        add(cases, "webhook for an unknown job", f -> Webhooks.toJob(UNKNOWN_JOB, "msg_bad_2",
                Webhooks.body("sim_x", "succeeded", null)), 404, "job-not-found", "Job not found");
        add(cases, "webhook for an ill-formed job id", f -> Webhooks.signed("msg_bad_3",
                Webhooks.body("sim_x", "succeeded", null)).urlEncodingEnabled(false)
                .post("/webhooks/generic/job_%7Bx%7D"), 404, "job-not-found", "Job not found");
        add(cases, "webhook with a status the machine does not know", f -> Webhooks.toJob(f.jobId(), "msg_bad_4",
                Webhooks.body(f.externalId(), "exploded", null)), 422, "unknown-status", "Unknown status");
        add(cases, "webhook with progress above 1", f -> Webhooks.toJob(f.jobId(), "msg_bad_5",
                Webhooks.body(f.externalId(), "running", "\"progress\":1.5")), 422, "invalid-progress",
                "Invalid progress");
        add(cases, "webhook with malformed JSON", f -> Webhooks.toJob(f.jobId(), "msg_bad_6", "{\"job_id\":"), 400,
                "invalid-json", "Malformed JSON");
        add(cases, "webhook naming another AI-server job", f -> Webhooks.toJob(f.jobId(), "msg_bad_7",
                Webhooks.body("sim_someone_else", "succeeded", null)), 422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "webhook to the fixed URL without job_id", f -> Webhooks.toFixedUrl("msg_bad_8",
                "{\"status\":\"succeeded\"}"), 422, "invalid-request", "Invalid request");
        add(cases, "webhook body over 256 KiB", f -> Webhooks.toJob(f.jobId(), "msg_bad_9",
                Webhooks.body(f.externalId(), "succeeded", "\"output\":\"" + "x".repeat(300_000) + "\"")), 413,
                "body-too-large", "Request body too large");
        add(cases, "webhook signed with another secret", f -> signedWith(WRONG_SECRET, "msg_bad_10",
                Webhooks.body(f.externalId(), "succeeded", null), Instant.now().getEpochSecond())
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook with a tampered body", f -> {
            String signed = Webhooks.body(f.externalId(), "failed", null);
            long now = Instant.now().getEpochSecond();
            return given().contentType("application/json").body(signed.replace("failed", "succeeded"))
                    .header(StandardWebhook.ID_HEADER, "msg_bad_11")
                    .header(StandardWebhook.TIMESTAMP_HEADER, now)
                    .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(Webhooks.secret(), "msg_bad_11", now,
                            signed.getBytes(StandardCharsets.UTF_8)))
                    .post("/webhooks/generic/" + f.jobId());
        }, 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook without signature headers", f -> given().contentType("application/json")
                .body(Webhooks.body(f.externalId(), "succeeded", null)).post("/webhooks/generic/" + f.jobId()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook with a stale timestamp", f -> Webhooks.signedAt("msg_bad_12",
                Webhooks.body(f.externalId(), "succeeded", null), Instant.now().minusSeconds(600).getEpochSecond())
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook with a future timestamp", f -> Webhooks.signedAt("msg_bad_13",
                Webhooks.body(f.externalId(), "succeeded", null), Instant.now().plusSeconds(600).getEpochSecond())
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "replay of a captured webhook a day later", f -> Webhooks.signedAt("msg_captured",
                Webhooks.body(f.externalId(), "succeeded", null), Instant.now().minusSeconds(86_400).getEpochSecond())
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook with a token where a signature is required", f -> given().contentType("application/json")
                .body(Webhooks.body(f.externalId(), "succeeded", null)).queryParam("token", "guessed")
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook to the fixed URL with a wrong signature", f -> signedWith(WRONG_SECRET, "msg_bad_14",
                Webhooks.body(f.externalId(), "succeeded", null), Instant.now().getEpochSecond())
                .post("/webhooks/generic"), 401, "invalid-webhook-signature", "Webhook not authenticated");

        // Batches with the versions the client has (id:version)
        add(cases, "batch version that is not a number", f -> given().get("/jobs?ids=" + f.jobId() + ":one"), 400,
                "invalid-version", "Invalid version");
        add(cases, "batch version of 0", f -> given().get("/jobs?ids=" + f.jobId() + ":0"), 400, "invalid-version",
                "Invalid version");
        add(cases, "negative batch version", f -> given().get("/jobs?ids=" + f.jobId() + ":-1"), 400,
                "invalid-version", "Invalid version");
        add(cases, "batch version of 19 digits", f -> given().get("/jobs?ids=" + f.jobId() + ":" + "9".repeat(19)),
                400, "invalid-version", "Invalid version");
        add(cases, "empty batch version", f -> given().get("/jobs?ids=" + f.jobId() + ":&wait=5"), 400,
                "invalid-version", "Invalid version");
        add(cases, "batch job listed with two versions", f -> given().get("/jobs?ids=" + f.jobId() + ":1,"
                + f.jobId() + ":2"), 400, "invalid-version", "Invalid version");
        add(cases, "conditional wait on an unknown job", f -> given().header("If-None-Match", "\"1\"")
                .get("/jobs/" + UNKNOWN_JOB + "?wait=5"), 404, "job-not-found", "Job not found");

        // Read tokens: only reads of their own jobs, and only while valid
        add(cases, "read token on submit", f -> Api.withKey(f.readToken()).contentType("application/json")
                .body(validInput).post("/jobs"), 401, "invalid-api-key", "Invalid API key");
        add(cases, "read token on cancel", f -> Api.withKey(f.readToken()).post("/jobs/" + f.jobId() + "/cancel"),
                401, "invalid-api-key", "Invalid API key");
        add(cases, "read token minting read tokens", f -> Api.withKey(f.readToken()).contentType("application/json")
                .body("{\"job_ids\":[\"" + f.jobId() + "\"]}").post("/read-tokens"), 401, "invalid-api-key",
                "Invalid API key");
        add(cases, "read token of another job", f -> Api.withKey(f.otherJobToken()).get("/jobs/" + f.jobId()), 404,
                "job-not-found", "Job not found");
        add(cases, "read token of another job, waiting", f -> Api.withKey(f.otherJobToken())
                .header("If-None-Match", "\"1\"").get("/jobs/" + f.jobId() + "?wait=5"), 404, "job-not-found",
                "Job not found");
        add(cases, "read token of another job, timeline", f -> Api.withKey(f.otherJobToken())
                .get("/jobs/" + f.jobId() + "/events"), 404, "job-not-found", "Job not found");
        add(cases, "expired read token", f -> Api.withKey(f.expiredToken()).get("/jobs/" + f.jobId()), 401,
                "invalid-api-key", "Invalid API key");
        add(cases, "read token with a forged signature", f -> Api.withKey(f.forgedToken()).get("/jobs/" + f.jobId()),
                401, "invalid-api-key", "Invalid API key");
        add(cases, "expired read token on a batch", f -> Api.withKey(f.expiredToken()).get("/jobs?ids=" + f.jobId()),
                401, "invalid-api-key", "Invalid API key");

        // Minting read tokens (the backend's call)
        Function<String, RequestSpecification> mint = body -> given().contentType("application/json").body(body);
        add(cases, "mint without job_ids", f -> mint.apply("{}").post("/read-tokens"), 422, "invalid-request",
                "Invalid request");
        add(cases, "mint of no job", f -> mint.apply("{\"job_ids\":[]}").post("/read-tokens"), 400, "missing-ids",
                "Missing ids");
        add(cases, "mint of 51 jobs", f -> mint.apply("{\"job_ids\":[" + String.join(",",
                java.util.stream.IntStream.range(0, 51).mapToObj(i -> String.format("\"job_%022d\"", i)).toList())
                + "]}").post("/read-tokens"), 400, "too-many-ids", "Too many ids");
        add(cases, "mint of an ill-formed job id", f -> mint.apply("{\"job_ids\":[\"job_{x}\"]}")
                .post("/read-tokens"), 422, "invalid-request", "Invalid request");
        add(cases, "mint with job_ids as a string", f -> mint.apply("{\"job_ids\":\"" + f.jobId() + "\"}")
                .post("/read-tokens"), 422, "invalid-request", "Invalid request");
        add(cases, "mint longer than the token lifetime", f -> mint.apply("{\"job_ids\":[\"" + f.jobId()
                + "\"],\"ttl_seconds\":901}").post("/read-tokens"), 422, "invalid-request", "Invalid request");
        add(cases, "mint of 0 seconds", f -> mint.apply("{\"job_ids\":[\"" + f.jobId()
                + "\"],\"ttl_seconds\":0}").post("/read-tokens"), 422, "invalid-request", "Invalid request");
        add(cases, "mint with an unknown field", f -> mint.apply("{\"job_ids\":[\"" + f.jobId()
                + "\"],\"scope\":\"write\"}").post("/read-tokens"), 422, "invalid-request", "Invalid request");
        add(cases, "mint with malformed JSON", f -> mint.apply("{\"job_ids\":[").post("/read-tokens"), 400,
                "invalid-json", "Malformed JSON");
        add(cases, "mint as text/plain", f -> given().contentType("text/plain").body("{}").post("/read-tokens"), 415,
                "unsupported-media-type", "Unsupported media type");
        add(cases, "mint without an API key", f -> Api.anonymous().contentType("application/json")
                .body("{\"job_ids\":[\"" + f.jobId() + "\"]}").post("/read-tokens"), 401, "invalid-api-key",
                "Invalid API key");

        // Webhooks and tokens (issue 24)
        byte[] nineMegabytes = new byte[9_000_000];
        java.util.Arrays.fill(nineMegabytes, (byte) ' ');
        add(cases, "9 MB unauthenticated webhook", f -> given().contentType("application/json").body(nineMegabytes)
                .post("/webhooks/generic/" + f.jobId()), 413, "body-too-large", "Request body too large");
        add(cases, "9 MB unauthenticated webhook, chunked", f -> given().contentType("application/json")
                .body(new java.io.ByteArrayInputStream(nineMegabytes)).post("/webhooks/runpod/" + f.runpodJobId()
                        + "?token=guessed"),
                413, "body-too-large", "Request body too large");
        add(cases, "9 MB unauthenticated webhook to Cog's 5 MiB route", f -> given().contentType("application/json")
                .body(nineMegabytes).post(withoutToken(f.cogUrl())), 413, "body-too-large",
                "Request body too large");
        add(cases, "forged token webhook for a real job", f -> given().contentType("application/json")
                .body("{\"id\":\"" + f.runpodExternalId() + "\",\"status\":\"IN_PROGRESS\"}")
                .post(withoutToken(f.runpodUrl()) + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "forged token webhook for an unknown job (the same answer)", f -> given()
                .contentType("application/json").body("{\"id\":\"x\",\"status\":\"IN_PROGRESS\"}")
                .post("/webhooks/runpod/" + UNKNOWN_JOB + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "forged token completion for an unknown job", f -> given().contentType("application/json")
                .body("{\"id\":\"x\",\"status\":\"COMPLETED\",\"output\":{}}")
                .post("/webhooks/runpod/" + UNKNOWN_JOB + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "token of one job on another", f -> given().contentType("application/json")
                .body("{\"id\":\"" + f.runpodExternalId() + "\",\"status\":\"IN_PROGRESS\"}")
                .post("/webhooks/runpod/" + f.runpodJobId() + f.cogUrl().substring(f.cogUrl().indexOf('?'))), 401,
                "invalid-webhook-signature", "Webhook not authenticated");

        // Submit: the provider (more in providerCases)
        add(cases, "submit naming the provider as a number", f -> json.apply("{\"input\":{},\"provider\":1}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        providerCases(cases);
        return cases.stream();
    }

    /** Submits naming providers, and each provider's webhooks with the other schemes' and broken signatures. */
    /** Submits naming providers, and webhooks whose outputs are refused; each provider's own are beside its tests. */
    private static void providerCases(List<Arguments> cases) {
        Function<String, RequestSpecification> json = body -> given().contentType("application/json").body(body);

        // Submit: provider and model
        add(cases, "unknown provider", f -> json.apply("{\"provider\":\"acme\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "provider that is not a string", f -> json.apply("{\"provider\":[\"fal\"],\"input\":{}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "provider name in another case", f -> json.apply("{\"provider\":\"Replicate\",\"input\":{}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "model for the generic provider", f -> json.apply(
                "{\"provider\":\"generic\",\"model\":\"a/b\",\"input\":{}}").post("/jobs"), 422, "invalid-request",
                "Invalid request");

        String replicateSecret = ConfigProvider.getConfig()
                .getValues("gateway.providers.replicate.webhook-secrets", String.class).get(0);
        // Outputs (issue 24). Hostile outputs in a webhook that is itself valid are not the sender's mistake: the job
        // succeeds and the file ends failed, or stored for download only (outputs/HostileOutputsTest, with storage
        // on). Here, the ones refused before anything is read of them: too large for the route, or not authenticated.
        add(cases, "webhook whose data-URL output is over 256 KiB", f -> Webhooks.toJob(f.jobId(), "msg_out_1",
                Webhooks.body(f.externalId(), "succeeded", "\"output\":{\"images\":[{\"url\":\"data:image/png;base64,"
                        + "A".repeat(300_000) + "\"}]}")),
                413, "body-too-large", "Request body too large");
        add(cases, "Replicate webhook whose data-URL output is over 256 KiB", f -> signedWith(replicateSecret,
                "msg_out_2", prediction(f.predictionId(), "succeeded", "\"output\":[\"data:image/png;base64,"
                        + "A".repeat(300_000) + "\"]"),
                now()).post("/webhooks/replicate/" + f.replicateJobId()), 413,
                "body-too-large", "Request body too large");
        add(cases, "webhook with an HTML data URL signed with another secret", f -> signedWith(WRONG_SECRET,
                "msg_out_3", Webhooks.body(f.externalId(), "succeeded",
                        "\"output\":\"data:text/html,<script>alert(1)</script>\""),
                now())
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "webhook with a malformed data URL naming another AI-server job", f -> Webhooks.toJob(f.jobId(),
                "msg_out_4", Webhooks.body("sim_someone_else", "succeeded",
                        "\"output\":\"data:image/svg+xml;utf8,<svg width='100%'>\"")),
                422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "unsigned webhook pointing the copy at cloud metadata", f -> given().contentType("application/json")
                .body(Webhooks.body(f.externalId(), "succeeded",
                        "\"output\":\"http://169.254.169.254/latest/meta-data/iam/security-credentials/\""))
                .post("/webhooks/generic/" + f.jobId()), 401, "invalid-webhook-signature", "Webhook not authenticated");
    }
}
