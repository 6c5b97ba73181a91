package dev.jobgateway.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The packaged {@code function.zip} on the Lambda runtime contract: unpacked as a task root and run under AWS's own
 * runtime interface client, fed API Gateway HTTP API (2.0) events through a Runtime API emulator, with a real Redis
 * and the simulated AI server behind it. Two environments run at once, as two concurrent Lambda instances would:
 * a wait held by one ends when the webhook lands on the other. Measures the cold start and warm invocation times
 * that docs/deploy.md quotes (written to {@code target/lambda-runtime/measurements.txt}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LambdaRuntimeContractIT {

    /** Frontend credentials sent on every /jobs event; the instances get the key in GATEWAY_API_KEYS. */
    private static final String API_KEY = "it-key-" + UUID.randomUUID();
    private static final Map<String, String> FRONTEND_HEADERS = Map.of("authorization", "Bearer " + API_KEY);
    private static final String WEBHOOK_SECRET = WebhookSecrets.random();
    /** Below the 2 s freeze of the freeze/thaw test (production: 60 s, below the ~350 s NAT idle timeout). */
    private static final String REDIS_IDLE_TIMEOUT = "1s";
    private static final Duration INVOKE_TIMEOUT = Duration.ofSeconds(30);

    private static Path work;
    private static LocalRedisServer redis;
    private static SilentDropProxy redisLink;
    private static SimulatedAiServer aiServer;
    private static RuntimeApiEmulator runtime;
    private static final List<LambdaInstance> instances = new ArrayList<>();
    private static final Map<String, String> measurements = new LinkedHashMap<>();
    private static final List<String> jobIds = Collections.synchronizedList(new ArrayList<>());
    private static ApiGatewayV2.Response firstAnswer;

    @BeforeAll
    static void startOneColdInstance() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "AWS's runtime interface client ships its native part for Linux only, like Lambda itself");
        Path target = Path.of(System.getProperty("project.build.directory", "target"));
        work = target.resolve("lambda-runtime");
        Path taskRoot = unpack(target.resolve("function.zip"), work.resolve("task"));
        redis = LocalRedisServer.startOnFreePort();
        redisLink = SilentDropProxy.start(redis.port());
        aiServer = new SimulatedAiServer(LocalRedisServer.freePort(), WEBHOOK_SECRET);
        aiServer.start();
        runtime = RuntimeApiEmulator.startOnFreePort();

        // The cold start: from the process start to the answer of an event queued at that moment, as the first
        // request to a new Lambda instance experiences it.
        LambdaInstance first = startInstance("instance-1", taskRoot, target);
        ApiGatewayV2.Response health;
        try {
            health = ApiGatewayV2.Response.parse(runtime.invoke(
                    ApiGatewayV2.request("GET", "/q/health/ready", "/q/health/ready").toJson(), INVOKE_TIMEOUT));
        } catch (IOException | RuntimeException e) {
            throw new AssertionError("The first instance did not answer. Init errors: " + runtime.initErrors()
                    + "\nLog (" + first.log() + "):\n" + first.logText(), e);
        }
        long coldStartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first.startedNanos());
        firstAnswer = health;
        measurements.put("cold_start_ms", Long.toString(coldStartMs));
        measurements.put("quarkus_boot_ms_reported", bootMillis(first));

        // A second environment, so a held wait and a webhook can run at once as they do on AWS.
        LambdaInstance second = startInstance("instance-2", taskRoot, target);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> !bootMillis(second).isEmpty() || !second.isAlive());
        assertThat(second.isAlive()).as("second instance alive; log: %s", second.log()).isTrue();
    }

    @AfterAll
    static void stopEverything() throws IOException {
        writeMeasurements();
        instances.forEach(LambdaInstance::close);
        if (runtime != null) {
            runtime.close();
        }
        if (aiServer != null) {
            aiServer.stop();
        }
        if (redisLink != null) {
            redisLink.close();
        }
        if (redis != null) {
            redis.stop();
        }
    }

    @Test
    @Order(1)
    void aColdInstanceAnswersItsFirstEvent() {
        assertThat(runtime.initErrors()).isEmpty();
        assertThat(firstAnswer.statusCode()).isEqualTo(200);
        assertThat(firstAnswer.json().path("status").asText()).isEqualTo("UP");
        System.out.printf("Lambda runtime contract: cold start %s ms (Quarkus reported boot %s ms)%n",
                measurements.get("cold_start_ms"), measurements.get("quarkus_boot_ms_reported"));
    }

    @Test
    @Order(2)
    void submitAnswers202WithTheQueuedJobAndHandsItToTheAiServer() throws Exception {
        ApiGatewayV2.Response submitted = submit(Map.of("duration_ms", 60_000, "webhook", "drop"));

        assertThat(submitted.statusCode()).isEqualTo(202);
        JsonNode job = submitted.json();
        assertThat(job.path("status").asText()).isEqualTo("queued");
        assertThat(submitted.header("location")).isEqualTo("/jobs/" + job.path("id").asText());
        assertThat(submitted.header("etag")).isEqualTo("\"1\"");
        assertThat(externalId(job.path("id").asText())).startsWith("sim_");
    }

    @Test
    @Order(3)
    void statusAnswersTheJobWithItsEtagAndThen304() throws Exception {
        String id = submit(Map.of("duration_ms", 60_000, "webhook", "drop")).json().path("id").asText();

        ApiGatewayV2.Response read = status(id, "", Map.of());
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.json().path("id").asText()).isEqualTo(id);
        ApiGatewayV2.Response unchanged = status(id, "", Map.of("if-none-match", read.header("etag")));
        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(status("job_AAAAAAAAAAAAAAAAAAAAAA", "", Map.of()).statusCode()).isEqualTo(404);
        ApiGatewayV2.Response anonymous = invoke(ApiGatewayV2.request("GET", "/jobs/{id}", "/jobs/" + id)
                .pathParameter("id", id));
        assertThat(anonymous.statusCode()).isEqualTo(401);
    }

    @Test
    @Order(4)
    void aSignedWebhookOnOneInstanceEndsTheWaitTheOtherInstanceHolds() throws Exception {
        String id = submit(Map.of("duration_ms", 60_000, "webhook", "drop")).json().path("id").asText();

        WaitOutcome outcome = waitEndedByWebhookOnTheOtherInstance(id);

        assertThat(outcome.webhook().statusCode()).isEqualTo(200);
        assertThat(outcome.webhook().json().path("outcome").asText()).isEqualTo("applied");
        assertThat(outcome.waited().statusCode()).isEqualTo(200);
        assertThat(outcome.waited().json().path("status").asText()).isEqualTo("succeeded");
        assertThat(outcome.waited().json().path("completed_via").asText()).isEqualTo("webhook");
        // well before the 5 s safety re-read: the change notice woke the wait
        assertThat(outcome.afterWebhookMs()).isLessThan(1_000);
        measurements.put("wait_answered_after_webhook_ms", Long.toString(outcome.afterWebhookMs()));
    }

    @Test
    @Order(5)
    void webhookBodiesSurviveBase64AndBadSignaturesAre401() throws Exception {
        String id = submit(Map.of("duration_ms", 60_000, "webhook", "drop")).json().path("id").asText();

        ApiGatewayV2.Response progress = webhook(id, Map.of("job_id", externalId(id), "status", "running",
                "progress", 0.5), true);
        assertThat(progress.statusCode()).isEqualTo(200);
        assertThat(progress.json().path("outcome").asText()).isEqualTo("applied");

        byte[] body = ApiGatewayV2.JSON.writeValueAsBytes(Map.of("status", "failed"));
        ApiGatewayV2.Response forged = invoke(ApiGatewayV2
                .request("POST", "/webhooks/{provider}/{jobId}", "/webhooks/generic/" + id)
                .pathParameter("provider", "generic").pathParameter("jobId", id)
                .headers(signatureHeaders(WebhookSecrets.random(), body))
                .body("application/json", body));
        assertThat(forged.statusCode()).isEqualTo(401);
        assertThat(forged.header("content-type")).startsWith("application/problem+json");
        assertThat(status(id, "", Map.of()).json().path("status").asText()).isEqualTo("running");
    }

    @Test
    @Order(6)
    void theScheduledSweepEventGoesThroughTheSameHandler() throws Exception {
        // The exact input serverless.yml gives the EventBridge schedule.
        String event = Files.readString(Path.of(System.getProperty("project.basedir", "."), "deploy",
                "sweep-event.json"));

        ApiGatewayV2.Response swept = ApiGatewayV2.Response.parse(runtime.invoke(event, INVOKE_TIMEOUT));

        assertThat(swept.statusCode()).as(swept.body()).isEqualTo(200);
        assertThat(swept.json().has("due")).as(swept.body()).isTrue();
    }

    @Test
    @Order(7)
    void warmInvocationsAreFast() throws Exception {
        List<Long> submits = new ArrayList<>();
        List<Long> webhooks = new ArrayList<>();
        List<Long> reads = new ArrayList<>();
        List<Long> notModified = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            long started = System.nanoTime();
            String id = submit(Map.of("duration_ms", 60_000, "webhook", "drop")).json().path("id").asText();
            submits.add(elapsedMicros(started));
            String externalId = externalId(id);
            started = System.nanoTime();
            ApiGatewayV2.Response webhook = webhook(id, Map.of("job_id", externalId, "status", "running",
                    "progress", 0.25), false);
            webhooks.add(elapsedMicros(started));
            assertThat(webhook.statusCode()).isEqualTo(200);
            for (int r = 0; r < 2; r++) {
                started = System.nanoTime();
                ApiGatewayV2.Response read = status(id, "", Map.of());
                reads.add(elapsedMicros(started));
                started = System.nanoTime();
                assertThat(status(id, "", Map.of("if-none-match", read.header("etag"))).statusCode()).isEqualTo(304);
                notModified.add(elapsedMicros(started));
            }
        }
        record("submit", submits);
        record("webhook", webhooks);
        record("status", reads);
        record("status_304", notModified);
        assertThat(percentile(reads, 50)).as("median status read, µs").isLessThan(200_000);
    }

    @Test
    @Order(8)
    void everyLogLineAboutAJobCarriesItsIdAsAJsonField() {
        int checked = 0;
        for (LambdaInstance instance : instances) {
            for (String line : instance.logText().split("\n")) {
                if (!line.startsWith("{")) {
                    continue;
                }
                JsonNode entry = parse(line);
                String message = entry.path("message").asText();
                for (String id : List.copyOf(jobIds)) {
                    if (message.contains(id)) {
                        assertThat(entry.path("mdc").path("job_id").asText()).as(line).isEqualTo(id);
                        checked++;
                    }
                }
            }
        }
        assertThat(checked).as("log lines naming one of the test's jobs").isGreaterThan(10);
    }

    @Test
    @Order(8)
    void theMetersGoOutAsEmbeddedMetricFormatLinesInTheFunctionsLog() {
        List<JsonNode> emf = new ArrayList<>();
        for (LambdaInstance instance : instances) {
            for (String line : instance.logText().split("\n")) {
                if (line.startsWith("{\"_aws\"")) {
                    emf.add(parse(line));
                }
            }
        }
        assertThat(emf).as("EMF lines written by the invocations").isNotEmpty();
        assertThat(emf).allSatisfy(line -> {
            assertThat(line.path("_aws").path("Timestamp").isIntegralNumber()).isTrue();
            assertThat(line.path("_aws").path("CloudWatchMetrics").get(0).path("Namespace").asText())
                    .isEqualTo("JobGateway");
        });
        assertThat(emf).anySatisfy(line -> {
            assertThat(line.path("result").asText()).isEqualTo("bad_signature");
            assertThat(line.path("WebhooksReceived").asDouble()).isGreaterThanOrEqualTo(1);
        });
        assertThat(emf).anySatisfy(line -> assertThat(line.path("outcome").asText()).isEqualTo("handed_off"));
    }

    @Test
    @Order(9)
    void afterAFreezeThatOutlivedItsRedisConnectionsTheNextRequestStillSucceeds() throws Exception {
        String id = submit(Map.of("duration_ms", 60_000, "webhook", "drop")).json().path("id").asText();
        assertThat(redisLink.liveConnections()).isPositive();

        for (LambdaInstance instance : instances) {
            instance.freeze();
        }
        // While frozen, the network forgets every Redis connection, without a FIN the process could notice.
        redisLink.dropExistingSilently();
        RealTime.passMillis(2_000); // real time is the point: frozen longer than the instances' Redis keep-alive
        for (LambdaInstance instance : instances) {
            instance.thaw();
        }

        long started = System.nanoTime();
        ApiGatewayV2.Response read = ApiGatewayV2.Response.parse(
                runtime.invoke(statusEvent(id, "", Map.of()), Duration.ofSeconds(10)));
        long firstAfterThawMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        ApiGatewayV2.Response second = status(id, "", Map.of());

        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
        // a dead connection would not have answered at all
        assertThat(firstAfterThawMs).isLessThan(2_000);
        measurements.put("first_status_after_thaw_ms", Long.toString(firstAfterThawMs));

        // The change feed's subscription died with the other connections; the wait still ends at the webhook,
        // not at its 5 s safety re-read.
        WaitOutcome outcome = waitEndedByWebhookOnTheOtherInstance(id);
        assertThat(outcome.waited().json().path("status").asText()).isEqualTo("succeeded");
        assertThat(outcome.afterWebhookMs()).isLessThan(2_500);
        measurements.put("wait_after_thaw_answered_after_webhook_ms", Long.toString(outcome.afterWebhookMs()));
    }

    // --- the frontend and the AI server, as events ------------------------------------------------------------

    /**
     * Holds {@code GET /jobs/{id}?wait=10} on one instance, then sends the job's final webhook, which the other
     * instance (the first one being busy) receives.
     */
    private static WaitOutcome waitEndedByWebhookOnTheOtherInstance(String id) throws Exception {
        String externalId = externalId(id);
        CompletableFuture<Long> answeredAt = new CompletableFuture<>();
        CompletableFuture<String> waiting = runtime.invokeAsync(statusEvent(id, "wait=10", Map.of()), INVOKE_TIMEOUT)
                .whenComplete((answer, failure) -> answeredAt.complete(System.nanoTime()));
        await("the wait is held until the job changes").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> !waiting.isDone());
        ApiGatewayV2.Response webhook = webhook(id, Map.of("job_id", externalId, "status", "succeeded",
                "output", Map.of("images", List.of(Map.of("url", "https://example.com/a.png")))), false);
        long webhookAnsweredAt = System.nanoTime();
        ApiGatewayV2.Response waited = ApiGatewayV2.Response.parse(waiting.get(20, TimeUnit.SECONDS));
        long afterWebhookMs = TimeUnit.NANOSECONDS.toMillis(answeredAt.get() - webhookAnsweredAt);
        return new WaitOutcome(webhook, waited, Math.max(0, afterWebhookMs));
    }

    private record WaitOutcome(ApiGatewayV2.Response webhook, ApiGatewayV2.Response waited, long afterWebhookMs) {
    }

    private static ApiGatewayV2.Response submit(Map<String, Object> simulate) throws Exception {
        ApiGatewayV2.Response response = invoke(ApiGatewayV2.request("POST", "/jobs", "/jobs")
                .headers(FRONTEND_HEADERS)
                .jsonBody(Map.of("input", Map.of("prompt", "a lighthouse at dusk", "simulate", simulate))));
        if (response.statusCode() == 202) {
            jobIds.add(response.json().path("id").asText());
        }
        return response;
    }

    private static ApiGatewayV2.Response status(String id, String query, Map<String, String> headers)
            throws Exception {
        return ApiGatewayV2.Response.parse(runtime.invoke(statusEvent(id, query, headers), INVOKE_TIMEOUT));
    }

    private static String statusEvent(String id, String query, Map<String, String> headers) {
        return ApiGatewayV2.request("GET", "/jobs/{id}", "/jobs/" + id).pathParameter("id", id).query(query)
                .headers(FRONTEND_HEADERS).headers(headers).toJson();
    }

    /** The AI server's id for a job, from the job's timeline (its hand-off entry). */
    private static String externalId(String id) throws Exception {
        ApiGatewayV2.Response events = invoke(ApiGatewayV2
                .request("GET", "/jobs/{id}/events", "/jobs/" + id + "/events").pathParameter("id", id)
                .headers(FRONTEND_HEADERS));
        assertThat(events.statusCode()).isEqualTo(200);
        for (JsonNode event : events.json().path("events")) {
            if (event.path("type").asText().equals("handed_to_ai_server")) {
                return event.path("details").path("external_id").asText();
            }
        }
        throw new AssertionError("No hand-off in the timeline of " + id + ": " + events.body());
    }

    /** A webhook as the AI server sends it: signed per Standard Webhooks with the shared secret. */
    private static ApiGatewayV2.Response webhook(String id, Map<String, Object> payload, boolean base64)
            throws Exception {
        byte[] body = ApiGatewayV2.JSON.writeValueAsBytes(payload);
        ApiGatewayV2 event = ApiGatewayV2.request("POST", "/webhooks/{provider}/{jobId}", "/webhooks/generic/" + id)
                .pathParameter("provider", "generic").pathParameter("jobId", id)
                .headers(signatureHeaders(WEBHOOK_SECRET, body))
                .body("application/json", body);
        return invoke(base64 ? event.base64Encoded() : event);
    }

    private static Map<String, String> signatureHeaders(String secret, byte[] body) {
        String webhookId = "msg_" + UUID.randomUUID();
        long timestamp = Instant.now().getEpochSecond();
        return Map.of(StandardWebhook.ID_HEADER, webhookId,
                StandardWebhook.TIMESTAMP_HEADER, Long.toString(timestamp),
                StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, webhookId, timestamp, body));
    }

    private static ApiGatewayV2.Response invoke(ApiGatewayV2 event) throws Exception {
        return ApiGatewayV2.Response.parse(runtime.invoke(event.toJson(), INVOKE_TIMEOUT));
    }

    // --- environment --------------------------------------------------------------------------------------------

    private static LambdaInstance startInstance(String name, Path taskRoot, Path target) throws IOException {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", "redis://127.0.0.1:" + redisLink.port());
        env.put("GATEWAY_PROVIDERS_GENERIC_URL", aiServer.baseUri().toString());
        env.put("GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS", WEBHOOK_SECRET);
        env.put("GATEWAY_PUBLIC_BASE_URL", "https://itapi.execute-api.us-east-1.amazonaws.com");
        env.put("GATEWAY_API_KEYS", API_KEY + "=it-owner");
        // what serverless.yml sets besides the configuration
        env.put("GATEWAY_CONFIG_REVISION", "1");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        env.put("QUARKUS_REDIS_TCP_IDLE_TIMEOUT", REDIS_IDLE_TIMEOUT);
        LambdaInstance instance = LambdaInstance.start(name, taskRoot, target.resolve("lambda-runtime-client"),
                runtime.runtimeApi(), env, work);
        instances.add(instance);
        return instance;
    }

    /** Quarkus' own "started in" figure from an instance's log, or "" before it has started. */
    private static String bootMillis(LambdaInstance instance) {
        long ms = ColdStarts.bootMillis(instance.logText());
        return ms < 0 ? "" : Long.toString(ms);
    }

    private static Path unpack(Path zip, Path dir) throws IOException {
        assertThat(zip).as("built by the package phase").exists();
        return ColdStarts.unpack(zip, dir);
    }

    // --- measurements -----------------------------------------------------------------------------------------

    private static void record(String name, List<Long> micros) {
        measurements.put(name + "_p50_ms", String.format("%.1f", percentile(micros, 50) / 1000.0));
        measurements.put(name + "_p90_ms", String.format("%.1f", percentile(micros, 90) / 1000.0));
        measurements.put(name + "_samples", Integer.toString(micros.size()));
    }

    private static long percentile(List<Long> values, int percentile) {
        List<Long> sorted = values.stream().sorted().toList();
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }

    private static long elapsedMicros(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - startedNanos);
    }

    private static void writeMeasurements() throws IOException {
        if (work == null || measurements.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder("# LambdaRuntimeContractIT, ").append(Instant.now())
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append('\n');
        measurements.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.createDirectories(work);
        Files.writeString(work.resolve("measurements.txt"), text.toString(), StandardCharsets.UTF_8);
        System.out.print(text);
    }

    private static JsonNode parse(String line) {
        try {
            return ApiGatewayV2.JSON.readTree(line);
        } catch (IOException e) {
            throw new AssertionError("Log line is not JSON: " + line, e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}
