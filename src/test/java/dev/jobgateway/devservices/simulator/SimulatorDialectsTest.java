package dev.jobgateway.devservices.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The simulated AI server reproduces each provider's quirks, not an idealised version: Replicate retries only its
 * terminal webhook and under the same webhook-id, throttles {@code logs} and sends full snapshots; fal sends one
 * terminal POST, with a {@code gateway_request_id} that is not the {@code request_id}, answers status, result and
 * cancel only under the app id (two segments, three under {@code workflows/} and {@code comfy/}), tells a model error
 * only in its result (422, no {@code X-Fal-Error-Type}) and an infrastructure error in its {@code COMPLETED} status
 * too, sends {@code payload_error} webhooks and refuses an {@code X-Fal-Request-Timeout} of 1 s or less; ComfyUI sends
 * none, answers its history only once a prompt is done, lists pending prompts out of order, forgets everything on a
 * restart, takes only a UUID as a caller's prompt id and runs the same id again on every submit, and refuses invalid
 * graphs with validate_prompt's bodies. RunPod sends one unsigned webhook tried 3 times at its spacing and forgets
 * results after its retention, refuses a policy it does not take, fails a job with the worker's error JSON and shows
 * progress in an IN_PROGRESS job's output; Cog's PUT
 * is idempotent by id and it has no GET. Checked against a receiver that refuses every webhook with 503.
 */
class SimulatorDialectsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private record Received(String path, String webhookId, JsonNode body, long atMs) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private SimulatedAiServer ai;
    private HttpServer receiver;

    @BeforeEach
    void start() throws IOException {
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), WebhookSecrets.of("simulator dialects test"));
        ai.start();
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String id = exchange.getRequestHeaders().getFirst("webhook-id");
                received.add(new Received(exchange.getRequestURI().getPath(), id, JSON.readTree(body),
                        System.currentTimeMillis()));
                exchange.sendResponseHeaders(503, -1);
            }
        });
        receiver.start();
    }

    @AfterEach
    void stop() {
        receiver.stop(0);
        ai.stop();
    }

    @Test
    void replicateRetriesOnlyItsCompletedWebhookUnderOneIdAndThrottlesItsLogs() throws Exception {
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/replicate/job_1";
        JsonNode created = post(ai.replicateUri() + "/v1/models/owner/model/predictions", "Bearer "
                + ai.settings().replicateToken(),
                "{\"input\":{\"simulate\":{\"duration_ms\":900,\"progress_steps\":4}},"
                        + "\"webhook\":\"" + webhook + "\"}");
        assertThat(created.path("status").asText()).isEqualTo("starting");

        // completed: the first try and four redeliveries (250 ms, 0.5 s, 1 s, 2 s apart); nothing else is retried
        await().atMost(Duration.ofSeconds(10)).until(() -> deliveriesById().containsValue(5L));
        // and no sixth
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> !deliveriesById().containsValue(6L));

        Map<String, Long> byId = deliveriesById();
        assertThat(byId.values()).containsOnlyOnce(5L).allMatch(count -> count == 1 || count == 5);
        String completedId = byId.entrySet().stream().filter(e -> e.getValue() == 5).findFirst().orElseThrow()
                .getKey();
        assertThat(received).filteredOn(r -> r.webhookId().equals(completedId))
                .allSatisfy(r -> assertThat(r.body().path("status").asText()).isEqualTo("succeeded"));
        assertThat(received).extracting(r -> r.body().path("status").asText()).contains("processing");
        List<Received> logs = received.stream().filter(r -> !r.webhookId().equals(completedId)
                && r.body().path("logs").asText().contains("%|")).toList();
        // Five log changes (four steps, then 100 %) within 900 ms, sent at most one per 500 ms: coalesced. The gaps
        // are measured at the receiver, so they get a margin for delivery jitter on a busy machine.
        assertThat(logs).hasSizeBetween(2, 3);
        for (int i = 1; i < logs.size(); i++) {
            assertThat(logs.get(i).atMs() - logs.get(i - 1).atMs()).isGreaterThanOrEqualTo(250);
        }
        // Every webhook is the whole prediction at sending time.
        assertThat(received).allSatisfy(r -> assertThat(r.body().has("urls") && r.body().has("input")
                && r.body().has("created_at") && r.body().has("logs")).isTrue());
        assertThat(received).filteredOn(r -> r.webhookId().equals(completedId)).first()
                .satisfies(r -> assertThat(r.body().path("output").get(0).asText()).endsWith(".png"));
    }

    private Map<String, Long> deliveriesById() {
        return received.stream().collect(Collectors.groupingBy(Received::webhookId, Collectors.counting()));
    }

    @Test
    void falSendsOneTerminalWebhookWithAnotherGatewayRequestIdAndAnswersStatusOnlyUnderTheApp() throws Exception {
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/fal/job_1";
        JsonNode queued = post(ai.falUri() + "/fal-ai/flux/dev?fal_webhook=" + URLEncoder.encode(webhook,
                StandardCharsets.UTF_8), "Key " + ai.settings().falKey(), "{\"prompt\":\"p\",\"simulate\":"
                        + "{\"duration_ms\":300,\"progress_steps\":2}}");
        String requestId = queued.path("request_id").asText();
        assertThat(queued.path("gateway_request_id").asText()).isNotEqualTo(requestId);
        assertThat(queued.path("status_url").asText()).endsWith("/fal/fal-ai/flux/requests/" + requestId + "/status");

        await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 5);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> received.size() == 5);

        assertThat(received).hasSize(5).allSatisfy(r -> {
            assertThat(r.body().path("status").asText()).isEqualTo("OK");
            assertThat(r.body().path("request_id").asText()).isEqualTo(requestId);
            assertThat(r.body().path("gateway_request_id").asText()).isNotEqualTo(requestId)
                    .isNotEqualTo(queued.path("gateway_request_id").asText());
        });
        assertThat(get(ai.falUri() + "/fal-ai/flux/requests/" + requestId + "/status").statusCode()).isEqualTo(200);
        assertThat(get(ai.falUri() + "/fal-ai/flux/dev/requests/" + requestId + "/status").statusCode())
                .isEqualTo(404);
    }

    @Test
    void falAnswersItsRequestUrlsUnderTheAppIdWithItsNamespaceAndAUrlBuiltWithoutItIs404() throws Exception {
        JsonNode queued = post(ai.falUri() + "/workflows/acme/my-flow/step-two", "Key " + ai.settings().falKey(),
                "{\"prompt\":\"p\",\"simulate\":{\"duration_ms\":60000,\"progress_steps\":0}}");
        String requestId = queued.path("request_id").asText();
        String app = ai.falUri() + "/workflows/acme/my-flow/requests/" + requestId;

        assertThat(queued.path("status_url").asText()).isEqualTo(app + "/status");
        assertThat(queued.path("response_url").asText()).isEqualTo(app);
        assertThat(queued.path("cancel_url").asText()).isEqualTo(app + "/cancel");
        HttpResponse<String> status = get(queued.path("status_url").asText());
        assertThat(status.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(status.body()).path("status").asText()).isIn("IN_QUEUE", "IN_PROGRESS");
        // The app id cut after two segments, as if there were no namespace; or the subpath kept.
        assertThat(get(ai.falUri() + "/workflows/acme/requests/" + requestId + "/status").statusCode())
                .isEqualTo(404);
        assertThat(get(app.replace("/my-flow/", "/my-flow/step-two/") + "/status").statusCode()).isEqualTo(404);
    }

    @Test
    void falTellsAModelErrorOnlyInTheResultAs422WithoutAnErrorType() throws Exception {
        String requestId = falSubmit("{\"duration_ms\":50,\"outcome\":\"failed\",\"error_message\":\"bad prompt\","
                + "\"webhook\":\"drop\"}");
        String app = ai.falUri() + "/fal-ai/flux/requests/" + requestId;
        await().atMost(Duration.ofSeconds(5)).until(() -> get(app + "/status").statusCode() == 200);

        JsonNode status = JSON.readTree(get(app + "/status").body());
        HttpResponse<String> result = get(app);

        assertThat(status.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(status.has("error")).isFalse();
        assertThat(result.statusCode()).isEqualTo(422);
        assertThat(result.headers().firstValue("X-Fal-Error-Type")).isEmpty();
        assertThat(JSON.readTree(result.body()).path("detail").get(0).path("msg").asText()).isEqualTo("bad prompt");
    }

    @Test
    void falCompletesARequestWhoseRunnerDisconnectedWithItsErrorTypeInTheStatusAndTheResult() throws Exception {
        String requestId = falSubmit("{\"duration_ms\":50,\"outcome\":\"failed\","
                + "\"fal_failure\":\"runner_disconnected\",\"webhook\":\"drop\"}");
        String app = ai.falUri() + "/fal-ai/flux/requests/" + requestId;
        await().atMost(Duration.ofSeconds(5)).until(() -> get(app + "/status").statusCode() == 200);

        JsonNode status = JSON.readTree(get(app + "/status").body());
        HttpResponse<String> result = get(app);

        assertThat(status.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(status.path("error").asText()).isEqualTo("Runner disconnected");
        assertThat(status.path("error_type").asText()).isEqualTo("runner_disconnected");
        assertThat(result.statusCode()).isEqualTo(503);
        assertThat(result.headers().firstValue("X-Fal-Error-Type")).contains("runner_disconnected");
        assertThat(JSON.readTree(result.body()).path("error_type").asText()).isEqualTo("runner_disconnected");
    }

    @Test
    void falAnswersATimedOutRequestsResult504WithItsErrorTypeHeader() throws Exception {
        String requestId = falSubmit("{\"duration_ms\":50,\"outcome\":\"failed\","
                + "\"fal_failure\":\"request_timeout\",\"webhook\":\"drop\"}");
        String app = ai.falUri() + "/fal-ai/flux/requests/" + requestId;
        await().atMost(Duration.ofSeconds(5)).until(() -> get(app + "/status").statusCode() == 200);

        HttpResponse<String> result = get(app);

        assertThat(result.statusCode()).isEqualTo(504);
        assertThat(result.headers().firstValue("X-Fal-Error-Type")).contains("request_timeout");
        assertThat(JSON.readTree(result.body()).path("detail").asText()).isEqualTo("Request timed out");
    }

    @Test
    void falSendsAPayloadErrorWebhookWhileTheResultStaysAtTheResponseUrl() throws Exception {
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/fal/job_1";
        JsonNode queued = post(ai.falUri() + "/fal-ai/flux/dev?fal_webhook=" + URLEncoder.encode(webhook,
                StandardCharsets.UTF_8), "Key " + ai.settings().falKey(), "{\"prompt\":\"p\",\"simulate\":"
                        + "{\"duration_ms\":50,\"payload_error\":true}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> !received.isEmpty());

        JsonNode body = received.get(0).body();
        HttpResponse<String> result = get(queued.path("response_url").asText());

        assertThat(body.path("status").asText()).isEqualTo("OK");
        assertThat(body.get("payload").isNull()).isTrue();
        assertThat(body.path("payload_error").asText()).isNotBlank();
        assertThat(result.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(result.body()).path("seed").asInt()).isEqualTo(42);
    }

    @Test
    void falRefusesARequestTimeoutOfOneSecondOrLessAsItsClientsDo() throws Exception {
        for (String timeout : List.of("1", "0.5", "0", "-3", "soon")) {
            HttpResponse<String> refused = HTTP.send(
                    HttpRequest.newBuilder(URI.create(ai.falUri() + "/fal-ai/flux/dev"))
                            .header("Authorization", "Key " + ai.settings().falKey())
                            .header("X-Fal-Request-Timeout", timeout)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"p\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(timeout).isEqualTo(400);
            assertThat(refused.headers().firstValue("X-Fal-Error-Type")).contains("bad_request");
        }
        HttpResponse<String> taken = HTTP.send(HttpRequest.newBuilder(URI.create(ai.falUri() + "/fal-ai/flux/dev"))
                .header("Authorization", "Key " + ai.settings().falKey()).header("X-Fal-Request-Timeout", "1.5")
                .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"p\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(taken.statusCode()).isEqualTo(200);
    }

    private String falSubmit(String simulate) throws Exception {
        return post(ai.falUri() + "/fal-ai/flux/dev", "Key " + ai.settings().falKey(),
                "{\"prompt\":\"p\",\"simulate\":" + simulate + "}").path("request_id").asText();
    }

    @Test
    void comfyUiAnswersHistoryOnlyOnceDonePendingOutOfOrderAlsoUnderApiAndForgetsEverythingOnARestart()
            throws Exception {
        String graph = "{\"9\":{\"class_type\":\"SaveImage\",\"inputs\":{}}}";
        String p1 = UUID.randomUUID().toString();
        String p2 = UUID.randomUUID().toString();
        String p3 = UUID.randomUUID().toString();
        String first = "{\"prompt\":" + graph + ",\"prompt_id\":\"" + p1 + "\",\"extra_data\":{\"simulate\":"
                + "{\"duration_ms\":60000,\"queued_ms\":60000,\"progress_steps\":0}}}";
        String second = first.replace(p1, p2);
        JsonNode answer = post(ai.comfyuiUri() + "/prompt", "", first);
        post(ai.comfyuiUri() + "/api/prompt", "", second);

        assertThat(answer.path("prompt_id").asText()).isEqualTo(p1);
        assertThat(answer.has("number")).isTrue();
        assertThat(json(get(ai.comfyuiUri() + "/history/" + p1)).isEmpty()).isTrue();
        JsonNode pending = json(get(ai.comfyuiUri() + "/api/queue")).path("queue_pending");
        // Out of order, as ComfyUI's heap is: the later prompt first.
        assertThat(pending.get(0).path(1).asText()).isEqualTo(p2);
        assertThat(pending.get(1).path(1).asText()).isEqualTo(p1);
        post(ai.comfyuiUri() + "/prompt", "", "{\"prompt\":" + graph + ",\"prompt_id\":\"" + p3 + "\","
                + "\"extra_data\":{\"simulate\":{\"duration_ms\":100}}}");
        await().atMost(Duration.ofSeconds(5)).until(() -> json(get(ai.comfyuiUri() + "/history/" + p3)).has(p3));
        JsonNode done = json(get(ai.comfyuiUri() + "/history/" + p3)).path(p3);
        assertThat(done.path("status").path("status_str").asText()).isEqualTo("success");
        String file = done.path("outputs").path("9").path("images").get(0).path("filename").asText();
        assertThat(get(ai.comfyuiUri() + "/view?filename=" + file + "&subfolder=&type=output").statusCode())
                .isEqualTo(200);

        HTTP.send(HttpRequest.newBuilder(URI.create(ai.comfyuiUri() + "/internal/restart"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(json(get(ai.comfyuiUri() + "/history/" + p3)).isEmpty()).isTrue();
        assertThat(json(get(ai.comfyuiUri() + "/queue")).path("queue_pending").isEmpty()).isTrue();
        assertThat(ai.statusCalls(p1)).isEqualTo(1);
    }

    /** server.py post_prompt: a caller's id is checked by validate_job_id, then queued with no duplicate check. */
    @Test
    void comfyUiRunsACallerChosenPromptIdAgainOnEverySubmitAndTakesOnlyACanonicalUuid() throws Exception {
        String graph = "{\"9\":{\"class_type\":\"SaveImage\",\"inputs\":{}}}";
        String id = UUID.randomUUID().toString();
        String body = "{\"prompt\":" + graph + ",\"prompt_id\":\"" + id + "\",\"extra_data\":{\"simulate\":"
                + "{\"duration_ms\":200}}}";

        assertThat(post(ai.comfyuiUri() + "/prompt", "", body).path("prompt_id").asText()).isEqualTo(id);
        assertThat(post(ai.comfyuiUri() + "/prompt", "", body).path("prompt_id").asText()).isEqualTo(id);
        HttpResponse<String> notUuid = postRaw(ai.comfyuiUri() + "/prompt", body.replace(id, "job_4Zt0c2k1"));
        HttpResponse<String> upperCase = postRaw(ai.comfyuiUri() + "/prompt", body.replace(id, id.toUpperCase()));

        assertThat(ai.comfyuiRuns(id)).isEqualTo(2);
        assertThat(json(get(ai.comfyuiUri() + "/queue")).path("queue_pending").size()
                + json(get(ai.comfyuiUri() + "/queue")).path("queue_running").size()).isEqualTo(2);
        for (HttpResponse<String> refused : List.of(notUuid, upperCase)) {
            assertThat(refused.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(refused.body())).isEqualTo(JSON.readTree("{\"error\":{\"type\":"
                    + "\"invalid_prompt_id\",\"message\":\"prompt_id must be a valid UUID\",\"details\":"
                    + "\"prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the "
                    + "server generate one\",\"extra_info\":{}},\"node_errors\":{}}"));
        }
    }

    /** execution.py validate_prompt's answers for graphs ComfyUI cannot run. */
    @Test
    void comfyUiRefusesAnInvalidGraphWithTheBodiesValidatePromptBuilds() throws Exception {
        HttpResponse<String> unknown = postRaw(ai.comfyuiUri() + "/prompt",
                "{\"prompt\":{\"1\":{\"class_type\":\"NoSuchNode\",\"inputs\":{}}}}");
        HttpResponse<String> noOutput = postRaw(ai.comfyuiUri() + "/prompt",
                "{\"prompt\":{\"5\":{\"class_type\":\"EmptyLatentImage\",\"inputs\":{}}}}");
        HttpResponse<String> checkpoint = postRaw(ai.comfyuiUri() + "/prompt", "{\"prompt\":{\"4\":{\"class_type\":"
                + "\"CheckpointLoaderSimple\",\"inputs\":{\"ckpt_name\":\"missing.safetensors\"}},\"9\":"
                + "{\"class_type\":\"SaveImage\",\"inputs\":{}}}}");
        HttpResponse<String> none = postRaw(ai.comfyuiUri() + "/prompt", "{\"client_id\":\"c\"}");

        assertThat(List.of(unknown, noOutput, checkpoint, none)).allSatisfy(r -> assertThat(r.statusCode())
                .isEqualTo(400));
        assertThat(JSON.readTree(unknown.body())).isEqualTo(JSON.readTree("{\"error\":{\"type\":"
                + "\"missing_node_type\",\"message\":\"Node 'NoSuchNode' not found. The custom node may not be "
                + "installed.\",\"details\":\"Node ID '#1'\",\"extra_info\":{\"node_id\":\"1\",\"class_type\":"
                + "\"NoSuchNode\",\"node_title\":\"NoSuchNode\"}},\"node_errors\":{}}"));
        assertThat(JSON.readTree(noOutput.body()).path("error").path("type").asText()).isEqualTo("prompt_no_outputs");
        JsonNode failed = JSON.readTree(checkpoint.body());
        assertThat(failed.path("error").path("type").asText()).isEqualTo("prompt_outputs_failed_validation");
        assertThat(failed.path("node_errors").path("4").path("errors").get(0).path("details").asText())
                .isEqualTo("ckpt_name: 'missing.safetensors' not in ['sd_xl_base_1.0.safetensors']");
        assertThat(failed.path("node_errors").path("4").path("dependent_outputs").get(0).asText()).isEqualTo("9");
        assertThat(JSON.readTree(none.body()).path("error").path("type").asText()).isEqualTo("no_prompt");
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    @Test
    void runpodSendsOneUnsignedWebhookTriedThreeTimesAtItsSpacingAndForgetsResultsAfterItsRetention()
            throws Exception {
        ai.runpod().webhookSpacing(Duration.ofMillis(300)).retention(Duration.ofMillis(800));
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/runpod/job_1?token=t";
        JsonNode run = post(ai.runpodUri() + "/v2/ep/run", "Bearer " + ai.settings().runpodKey(),
                "{\"input\":{\"simulate\":{\"duration_ms\":100}},\"webhook\":\"" + webhook + "\"}");
        assertThat(run.path("status").asText()).isEqualTo("IN_QUEUE");
        String id = run.path("id").asText();

        await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 3);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> received.size() == 3);

        assertThat(received).hasSize(3).allSatisfy(r -> {
            assertThat(r.webhookId()).isNull();
            assertThat(r.body().path("status").asText()).isEqualTo("COMPLETED");
        });
        assertThat(received.get(1).atMs() - received.get(0).atMs()).isGreaterThanOrEqualTo(250);
        HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(ai.runpodUri() + "/v2/ep/status/"
                + id)).header("Authorization", "Bearer " + ai.settings().runpodKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(404);
    }

    /** send-requests.mdx's policy limits; runpod-python rp_job.py's error JSON; rp_progress.py's progress. */
    @Test
    void runpodRefusesAPolicyItDoesNotTakeFailsWithTheWorkersErrorJsonAndShowsProgressInItsOutput()
            throws Exception {
        String run = ai.runpodUri() + "/v2/ep/run";
        String auth = "Bearer " + ai.settings().runpodKey();
        HttpResponse<String> fiveSeconds = postRaw(run, auth, "{\"input\":{},\"policy\":{\"executionTimeout\":5000}}");
        HttpResponse<String> shortTtl = postRaw(run, auth, "{\"input\":{},\"policy\":{\"executionTimeout\":6000,"
                + "\"ttl\":9999}}");
        String failing = post(run, auth, "{\"input\":{\"simulate\":{\"duration_ms\":100,\"outcome\":\"failed\","
                + "\"error_message\":\"CUDA out of memory\"}},\"policy\":{\"executionTimeout\":5001,\"ttl\":10000}}")
                .path("id").asText();
        String halfway = post(run, auth, "{\"input\":{\"simulate\":{\"duration_ms\":4000,\"progress_steps\":1}},"
                + "\"policy\":{\"ttl\":60000}}").path("id").asText();

        assertThat(fiveSeconds.statusCode()).isEqualTo(400);
        assertThat(shortTtl.statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(5)).until(() -> "FAILED".equals(runpodStatus(failing).path("status")
                .asText()));
        JsonNode error = JSON.readTree(runpodStatus(failing).path("error").asText());
        assertThat(error.path("error_message").asText()).isEqualTo("CUDA out of memory");
        assertThat(error.path("error_type").asText()).isEqualTo("<class 'RuntimeError'>");
        assertThat(error.path("error_traceback").asText()).startsWith("Traceback (most recent call last):");
        assertThat(error.has("hostname") && error.has("worker_id")).isTrue();
        JsonNode[] seen = new JsonNode[1];
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
                .until(() -> (seen[0] = runpodStatus(halfway)).path("output").isTextual());
        assertThat(seen[0].path("status").asText()).isEqualTo("IN_PROGRESS");
        assertThat(seen[0].path("output").asText()).isEqualTo("50%");
    }

    private JsonNode runpodStatus(String id) throws Exception {
        HttpResponse<String> status = HTTP.send(HttpRequest.newBuilder(URI.create(ai.runpodUri() + "/v2/ep/status/"
                + id)).header("Authorization", "Bearer " + ai.settings().runpodKey()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        return JSON.readTree(status.body());
    }

    @Test
    void cogsPutIsIdempotentByIdAndItHasNoGet() throws Exception {
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/cog/job_2?token=t";
        String body = "{\"input\":{\"simulate\":{\"duration_ms\":60000}},\"webhook\":\"" + webhook + "\"}";
        int generations = ai.generations();

        HttpResponse<String> first = put(ai.cogUri() + "/predictions/job_2", body);
        HttpResponse<String> again = put(ai.cogUri() + "/predictions/job_2", body);
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(ai.cogUri() + "/predictions/job_2"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(again.body()).path("id").asText()).isEqualTo("job_2");
        assertThat(ai.generations() - generations).isEqualTo(1);
        assertThat(get.statusCode()).isEqualTo(405);
    }

    /** The list screens show the outputs themselves: Cog's and RunPod's file URLs serve a PNG, as the others do. */
    @Test
    void cogAndRunpodServeTheOutputFilesTheirResultsLinkTo() throws Exception {
        String cogHook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/cog/job_3?token=t";
        put(ai.cogUri() + "/predictions/job_3", "{\"input\":{\"simulate\":{\"duration_ms\":100}},\"webhook\":\""
                + cogHook + "\",\"webhook_events_filter\":[\"completed\"]}");
        String runpodHook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/runpod/job_4?token=t";
        post(ai.runpodUri() + "/v2/ep/run", "Bearer " + ai.settings().runpodKey(),
                "{\"input\":{\"simulate\":{\"duration_ms\":100}},\"webhook\":\"" + runpodHook + "\"}");

        await().atMost(Duration.ofSeconds(5)).until(() -> finished("/webhooks/cog/job_3", "succeeded") != null
                && finished("/webhooks/runpod/job_4", "COMPLETED") != null);

        for (String url : List.of(finished("/webhooks/cog/job_3", "succeeded").path("output").get(0).asText(),
                finished("/webhooks/runpod/job_4", "COMPLETED").path("output").path("images").get(0).path("url")
                        .asText())) {
            HttpResponse<byte[]> file = HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertThat(file.statusCode()).as(url).isEqualTo(200);
            assertThat(file.headers().firstValue("Content-Type")).hasValue("image/png");
            assertThat(java.util.Arrays.copyOf(file.body(), 4)).isEqualTo(new byte[] { (byte) 0x89, 'P', 'N', 'G' });
        }
    }

    /** The body of the first webhook to {@code path} with this status, or null. */
    private JsonNode finished(String path, String status) {
        return received.stream().filter(r -> r.path().startsWith(path)
                && r.body().path("status").asText().equals(status)).map(Received::body).findFirst().orElse(null);
    }

    private static HttpResponse<String> put(String url, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .header("Prefer", "respond-async").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postRaw(String url, String body) throws Exception {
        return postRaw(url, "", body);
    }

    private static HttpResponse<String> postRaw(String url, String authorization, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode post(String url, String authorization, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Key "
                + ai.settings().falKey()).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
