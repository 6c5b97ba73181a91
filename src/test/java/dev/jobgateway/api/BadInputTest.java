package dev.jobgateway.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.jobgateway.auth.ReadTokens;
import dev.jobgateway.devservices.simulator.FalSigning;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.providers.fal.FalProvider;
import dev.jobgateway.support.Api;
import dev.jobgateway.support.Jobs;
import dev.jobgateway.support.ProviderCase;
import dev.jobgateway.support.RedisKeys;
import dev.jobgateway.support.TestPorts;
import dev.jobgateway.support.Webhooks;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Every client or sender mistake is a clear 4xx problem+json, never a 500, and changes nothing in Redis: each case
 * compares every key's serialized value (DUMP) before and after. The keys of jobs other tests left behind are left
 * out, since their simulated AI server may still report on them; this class's own job is in.
 */
@QuarkusTest
@QuarkusTestResource(TestPorts.class)
class BadInputTest {

    private static final String UNKNOWN_JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";
    private static final String WRONG_SECRET = "whsec_" + java.util.Base64.getEncoder()
            .encodeToString("not the gateway's secret".getBytes(StandardCharsets.UTF_8));

    /**
     * Queued jobs of owner {@code dev} that their AI servers hold (webhooks dropped), one per provider, with their
     * AI-server ids; the generic job's read token, and read tokens that must not work on it: one for another job,
     * one expired, one forged; and the simulated AI server and fal adapter (whose keys some cases break and restore).
     */
    record Fixture(String jobId, String externalId, String readToken, String otherJobToken, String expiredToken,
            String forgedToken, String replicateJobId, String predictionId, String falJobId, String falRequestId,
            SimulatedAiServer ai, FalProvider fal, String runpodJobId, String runpodExternalId, String runpodUrl,
            String cogJobId, String cogUrl) {

        List<String> jobIds() {
            return List.of(jobId, replicateJobId, falJobId, runpodJobId, cogJobId);
        }
    }

    /** One bad request and the problem it must get. */
    record Case(Function<Fixture, Response> request, int status, String type, String title) {
    }

    private static Fixture fixture;

    @Inject
    RedisDataSource redis;

    @Inject
    SimulatedAiServer ai;

    @Inject
    FalProvider fal;

    @Inject
    ReadTokens tokens;

    @BeforeEach
    void oneJobPerProviderToAimAt() {
        if (fixture == null) {
            Map<String, Object> held = Map.of("webhook", "drop", "duration_ms", 600_000, "progress_steps", 0);
            var submitted = Jobs.submit(Jobs.simulate(held));
            String id = submitted.getString("id");
            String token = submitted.getString("read_token");
            String expired = tokens.mint(Api.DEV_OWNER, dev.jobgateway.platform.Ids.sha256(Api.DEV_KEY), List.of(id),
                    Duration.ofSeconds(60),
                    Instant.now().minusSeconds(120)).token();
            String forged = token.substring(0, token.length() - 2) + (token.endsWith("AA") ? "BB" : "AA");
            String replicate = ProviderCase.REPLICATE.submit(held);
            String falJob = ProviderCase.FAL.submit(held);
            String runpodJob = ProviderCase.RUNPOD.submit(held);
            String cogJob = ProviderCase.COG.submit(held);
            fixture = new Fixture(id, Webhooks.externalId(id), token, tokens.mint(Api.DEV_OWNER,
                    dev.jobgateway.platform.Ids.sha256(Api.DEV_KEY), List.of(UNKNOWN_JOB)).token(), expired, forged,
                    replicate, Webhooks.externalId(replicate), falJob,
                    Webhooks.externalId(falJob), ai, fal, runpodJob, Webhooks.externalId(runpodJob),
                    webhookPath(ai, runpodJob), cogJob, webhookPath(ai, cogJob));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRejectedWithItsProblemAndChangesNothing(String name, Case bad) {
        Map<String, String> before = relevantState();

        Response response = bad.request().apply(fixture);

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(bad.status());
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.jsonPath().getString("type")).isEqualTo("https://job-gateway.dev/problems/" + bad.type());
        assertThat(response.jsonPath().getString("title")).isEqualTo(bad.title());
        assertThat(response.jsonPath().getInt("status")).isEqualTo(bad.status());
        assertThat(response.jsonPath().getString("detail")).isNotBlank().doesNotContain("Exception");
        assertThat(relevantState()).isEqualTo(before);
    }

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
        add(cases, "Replicate model that is no owner/name or version", f -> json.apply(
                "{\"provider\":\"replicate\",\"model\":\"flux schnell\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "Replicate version id that is not 64 hex", f -> json.apply(
                "{\"provider\":\"replicate\",\"model\":\"owner/name:abc123\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "fal model id climbing out of the queue path", f -> json.apply(
                "{\"provider\":\"fal\",\"model\":\"fal-ai/../../admin\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "fal model id with a query", f -> json.apply(
                "{\"provider\":\"fal\",\"model\":\"fal-ai/flux?x=1\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "model of 201 characters", f -> json.apply("{\"provider\":\"fal\",\"model\":\"fal-ai/"
                + "x".repeat(194) + "\",\"input\":{}}").post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "empty model", f -> json.apply("{\"provider\":\"fal\",\"model\":\"\",\"input\":{}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");

        // ComfyUI workflows: a malformed graph is the client's 422, before anything is stored or sent.
        add(cases, "ComfyUI job without a workflow", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"prompt\":\"a cat\"}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "ComfyUI workflow that is not an object", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":[1,2]}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "empty ComfyUI workflow", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{}}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "ComfyUI node without class_type (a UI-format export)", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"inputs\":{}}}}}").post("/jobs"),
                422, "invalid-request", "Invalid request");
        add(cases, "ComfyUI node whose inputs are not an object", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\","
                        + "\"inputs\":\"x\"}}}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "ComfyUI extra_data that is not an object", f -> json.apply(
                "{\"provider\":\"comfyui\",\"input\":{\"workflow\":{\"3\":{\"class_type\":\"KSampler\"}},"
                        + "\"extra_data\":7}}")
                .post("/jobs"), 422, "invalid-request", "Invalid request");
        add(cases, "model for ComfyUI", f -> json.apply(
                "{\"provider\":\"comfyui\",\"model\":\"sdxl\",\"input\":{\"workflow\":{\"3\":{"
                        + "\"class_type\":\"KSampler\"}}}}")
                .post("/jobs"), 422, "invalid-request",
                "Invalid request");
        add(cases, "webhook posted to ComfyUI's route (it sends none, so it has none)", f -> json.apply(
                "{\"prompt_id\":\"" + f.jobId() + "\",\"status\":{\"status_str\":\"success\"}}")
                .post("/webhooks/comfyui/" + f.jobId()), 404, "unknown-provider", "Unknown provider");

        add(cases, "RunPod endpoint id climbing out of the path", f -> json.apply(
                "{\"provider\":\"runpod\",\"model\":\"../v1/admin\",\"input\":{}}").post("/jobs"), 422,
                "invalid-request", "Invalid request");
        add(cases, "model for the Cog provider", f -> json.apply(
                "{\"provider\":\"cog\",\"model\":\"a/b\",\"input\":{}}").post("/jobs"), 422, "invalid-request",
                "Invalid request");

        // RunPod webhooks: unsigned, the per-job URL token is all
        Function<Fixture, String> completed = f -> "{\"id\":\"" + f.runpodExternalId()
                + "\",\"status\":\"COMPLETED\",\"output\":{\"images\":[]}}";
        add(cases, "RunPod webhook without the URL's token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl())), 401, "invalid-webhook-signature",
                "Webhook not authenticated");
        add(cases, "RunPod webhook with a wrong token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl()) + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with an empty token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post(withoutToken(f.runpodUrl()) + "?token="), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with another job's token", f -> given().contentType("application/json")
                .body(completed.apply(f)).post("/webhooks/runpod/" + f.runpodJobId()
                        + f.cogUrl().substring(f.cogUrl().indexOf('?'))),
                401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook to the fixed URL", f -> given().contentType("application/json")
                .body(completed.apply(f)).queryParam("token", "anything").post("/webhooks/runpod"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with Standard Webhooks headers but no token", f -> signedWith(Webhooks.secret(),
                "msg_rp1", completed.apply(f), now()).post(withoutToken(f.runpodUrl())), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "RunPod webhook with a status RunPod does not have", f -> given().contentType("application/json")
                .body("{\"id\":\"" + f.runpodExternalId() + "\",\"status\":\"succeeded\"}").post(f.runpodUrl()),
                422, "unknown-status", "Unknown status");
        add(cases, "RunPod webhook that is not JSON", f -> given().contentType("application/json").body("COMPLETED")
                .post(f.runpodUrl()), 400, "invalid-json", "Malformed JSON");
        add(cases, "RunPod webhook naming another RunPod job", f -> given().contentType("application/json")
                .body("{\"id\":\"someone-elses-job-u1\",\"status\":\"COMPLETED\"}").post(f.runpodUrl()), 422,
                "external-id-mismatch", "Webhook names another job");

        // Cog webhooks: the per-job URL token and, this server having WEBHOOK_AUTH_TOKEN, its bearer token
        String cogToken = ConfigProvider.getConfig().getValue("gateway.providers.cog.webhook-auth-token",
                String.class);
        Function<Fixture, String> cogDone = f -> "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"succeeded\",\"output\":[\"x.png\"]}";
        add(cases, "Cog webhook without the bearer token", f -> cog(null, cogDone.apply(f)).post(f.cogUrl()), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with a wrong bearer token", f -> cog("not-the-token", cogDone.apply(f))
                .post(f.cogUrl()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token one character short", f -> cog(cogToken.substring(1),
                cogDone.apply(f)).post(f.cogUrl()), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token but no URL token", f -> cog(cogToken, cogDone.apply(f))
                .post(withoutToken(f.cogUrl())), 401, "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with the bearer token and a wrong URL token", f -> cog(cogToken, cogDone.apply(f))
                .post(withoutToken(f.cogUrl()) + "?token=guessed-token-0000000000"), 401,
                "invalid-webhook-signature", "Webhook not authenticated");
        add(cases, "Cog webhook with a status Cog does not have", f -> cog(cogToken, "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"COMPLETED\"}").post(f.cogUrl()), 422, "unknown-status", "Unknown status");
        add(cases, "Cog webhook naming another prediction", f -> cog(cogToken, "{\"id\":\"" + f.jobId()
                + "\",\"status\":\"succeeded\"}").post(f.cogUrl()), 422, "external-id-mismatch",
                "Webhook names another job");
        add(cases, "Cog webhook over its 5 MiB limit", f -> cog(cogToken, "{\"id\":\"" + f.cogJobId()
                + "\",\"status\":\"succeeded\",\"output\":\"data:image/png;base64," + "A".repeat(5 * 1024 * 1024)
                + "\"}").post(f.cogUrl()), 413, "body-too-large", "Request body too large");

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

    /** The per-job webhook URL (path and query, with its token) the gateway gave the AI server for a job. */
    private static String webhookPath(SimulatedAiServer ai, String jobId) {
        String url = ai.submittedWebhookUrls().stream().filter(u -> u.contains("/" + jobId + "?")).findFirst()
                .orElseThrow();
        return url.substring(url.indexOf("/webhooks/"));
    }

    /** The URL without its token. */
    private static String withoutToken(String path) {
        return path.substring(0, path.indexOf('?'));
    }

    private static RequestSpecification cog(String bearer, String body) {
        RequestSpecification request = given().contentType("application/json").body(body);
        return bearer == null ? request : request.header("Authorization", "Bearer " + bearer);
    }

    /** A Replicate prediction body for {@code id} with {@code status} and extra members. */
    private static String prediction(String id, String status, String extraMembers) {
        return "{\"id\":\"" + id + "\",\"model\":\"black-forest-labs/flux-schnell\",\"status\":\"" + status + "\""
                + (extraMembers == null ? "" : "," + extraMembers) + "}";
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

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static void add(List<Arguments> cases, String name, Function<Fixture, Response> request, int status,
            String type, String title) {
        cases.add(Arguments.of(name, new Case(request, status, type, title)));
    }

    private static RequestSpecification signedWith(String secret, String webhookId, String body, long timestamp) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return given().contentType("application/json").body(bytes)
                .header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, timestamp)
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, webhookId, timestamp, bytes));
    }

    /** Every key but those of other tests' jobs, with its DUMPed value. */
    private Map<String, String> relevantState() {
        List<String> mine = fixture.jobIds().stream().map(id -> "jobgw:job:{" + id + "}").toList();
        Map<String, String> state = RedisKeys.snapshot(redis);
        state.keySet().removeIf(key -> key.startsWith("jobgw:job:{") && mine.stream().noneMatch(key::startsWith));
        // The per-minute delivery counts move with every other test's jobs; a refused request never writes them
        // (MetricsTest).
        state.keySet().removeIf(key -> key.startsWith("jobgw:stats:"));
        // Shared call budgets count other tests' fallback checks and expire on their own; no bad request reaches them.
        state.keySet().removeIf(key -> key.startsWith("jobgw:ratelimit:"));
        return state;
    }
}
