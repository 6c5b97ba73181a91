package dev.jobgateway.devservices.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The Cog dialect is as unkind as coglet (replicate/cog {@code crates/coglet}, see {@link CogDialect}): a finished
 * prediction is forgotten and a PUT of its id runs it again; a PUT while it runs answers its state whatever its
 * body; 503 during setup; the real 409; cancel of anything not in flight is 404; the terminal webhook retried 12
 * times on 429/5xx only, the others tried once. Against a webhook receiver whose answer each test sets.
 */
class CogDialectTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private record Received(JsonNode body, String userAgent, String authorization, long atMs) {
    }

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger answer = new AtomicInteger(200);
    private SimulatedAiServer ai;
    private HttpServer receiver;

    @BeforeEach
    void start() throws IOException {
        ai = new SimulatedAiServer(LocalRedisServer.freePort(),
                new SimulatedAiServer.Settings(WebhookSecrets.of("simulator"),
                        WebhookSecrets.of("simulator"), "sim-replicate-token", "sim-fal-key", "sim-fal-user",
                        "sim-runpod-key",
                        "cog-bearer"));
        ai.start();
        ai.cog().webhookBackoffBase(Duration.ofMillis(1));
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        receiver.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                received.add(new Received(JSON.readTree(body), exchange.getRequestHeaders().getFirst("User-Agent"),
                        exchange.getRequestHeaders().getFirst("Authorization"), System.currentTimeMillis()));
                exchange.sendResponseHeaders(answer.get(), -1);
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
    void aFinishedPredictionIsForgottenAndAPutOfItsIdRunsTheModelAgain() throws Exception {
        HttpResponse<String> first = put("job_a", body(100));
        await().atMost(Duration.ofSeconds(5)).until(() -> completed().size() == 1);
        await().atMost(Duration.ofSeconds(2)).until(() -> !ai.cog().inFlight("job_a"));

        HttpResponse<String> again = put("job_a", body(100));

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(first.body())).isEqualTo(JSON.readTree("{\"id\":\"job_a\",\"status\":\"starting\"}"));
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(again.body()).path("status").asText()).isEqualTo("starting");
        assertThat(ai.cog().runs("job_a")).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> completed().size() == 2);
    }

    @Test
    void aPutWhileThePredictionRunsAnswersItsStateWhateverItsInputButInvalidJsonIsRefusedFirst() throws Exception {
        put("job_b", body(60_000));

        HttpResponse<String> otherInput = put("job_b", "{\"input\":{\"prompt\":\"something else\"}}");
        HttpResponse<String> notJson = put("job_b", "{\"input\":");
        HttpResponse<String> otherId = put("job_b", "{\"id\":\"job_c\",\"input\":{}}");
        HttpResponse<String> noContentType = HTTP.send(HttpRequest.newBuilder(URI.create(ai.cogUri()
                + "/predictions/job_b")).header("Prefer", "respond-async").PUT(HttpRequest.BodyPublishers
                        .ofString("not even json"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(otherInput.statusCode()).isEqualTo(202);
        JsonNode state = JSON.readTree(otherInput.body());
        assertThat(state.path("id").asText()).isEqualTo("job_b");
        assertThat(state.path("status").asText()).isIn("starting", "processing");
        assertThat(state.path("input").path("simulate").path("duration_ms").asInt()).isEqualTo(60_000);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).startsWith("Failed to parse the request body as JSON");
        assertThat(otherId.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(otherId.body()).path("detail").get(0).path("msg").asText())
                .isEqualTo("prediction ID must match the ID supplied in the URL");
        assertThat(noContentType.statusCode()).isEqualTo(202);
        assertThat(ai.cog().runs("job_b")).isEqualTo(1);
        assertThat(ai.cog().puts("job_b")).isEqualTo(5);
    }

    @Test
    void whileSetupRunsAPutIs503AndTheHealthCheckSaysStarting() throws Exception {
        ai.cog().restart(Duration.ofMillis(600));

        HttpResponse<String> during = put("job_d", body(50));
        JsonNode starting = health();
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> health().path("status").asText().equals("READY"));
        HttpResponse<String> after = put("job_d", body(50));

        assertThat(during.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(during.body())).isEqualTo(JSON.readTree("{\"error\":\"Setup has not finished yet. "
                + "Wait until it has finished, or GET /health-check for status.\",\"status\":\"failed\"}"));
        assertThat(starting.path("status").asText()).isEqualTo("STARTING");
        assertThat(starting.path("setup").path("status").asText()).isEqualTo("starting");
        assertThat(starting.path("version").path("coglet").asText()).isNotEmpty();
        assertThat(after.statusCode()).isEqualTo(202);
        assertThat(ai.cog().runs("job_d")).isEqualTo(1);
    }

    @Test
    void aServerWithEverySlotBusyAnswersTheReal409AndBusy() throws Exception {
        ai.cog().slots(1);
        put("job_e", body(60_000));

        HttpResponse<String> second = put("job_f", body(100));

        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(second.body())).isEqualTo(JSON.readTree(
                "{\"error\":\"At capacity - all prediction slots busy\",\"status\":\"failed\"}"));
        assertThat(health().path("status").asText()).isEqualTo("BUSY");
        assertThat(ai.cog().runs("job_f")).isZero();
    }

    @Test
    void cancelStopsAPredictionInFlightAndIs404ForAFinishedOrUnknownOne() throws Exception {
        put("job_g", body(60_000));
        put("job_h", body(50));
        await().atMost(Duration.ofSeconds(5)).until(() -> !ai.cog().inFlight("job_h"));

        HttpResponse<String> running = cancel("job_g");
        HttpResponse<String> finished = cancel("job_h");
        HttpResponse<String> unknown = cancel("job_never");

        assertThat(running.statusCode()).isEqualTo(200);
        assertThat(running.body()).isEqualTo("{}");
        assertThat(finished.statusCode()).isEqualTo(404);
        assertThat(finished.body()).isEqualTo("{}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(5)).until(() -> completed().stream()
                .anyMatch(r -> r.body().path("status").asText().equals("canceled")));
    }

    @Test
    void theTerminalWebhookIsRetried12TimesOn5xxWithDoublingPausesAndTheOthersAreTriedOnce() throws Exception {
        answer.set(503);
        ai.cog().webhookBackoffBase(Duration.ofMillis(2));

        put("job_i", body(50));

        await().atMost(Duration.ofSeconds(30)).until(() -> completed().size() == 13);
        // and no fourteenth
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> completed().size() == 13);
        List<Received> terminal = completed();
        assertThat(terminal).hasSize(13);
        assertThat(received.stream().filter(r -> r.body().path("status").asText().equals("processing")))
                .hasSize(1);
        // 2 ms × 2^n for the n-th retry, n capped at 10: the last pauses are 2,048 ms each.
        long lastPause = terminal.get(12).atMs() - terminal.get(11).atMs();
        long firstPause = terminal.get(1).atMs() - terminal.get(0).atMs();
        assertThat(lastPause).isBetween(1_900L, 4_000L);
        assertThat(firstPause).isLessThan(lastPause);
        assertThat(terminal.get(0).userAgent()).startsWith("coglet/");
        assertThat(terminal.get(0).authorization()).isEqualTo("Bearer cog-bearer");
    }

    @Test
    void aTerminalWebhookRefusedWithA4xxIsNotRetried() throws Exception {
        answer.set(404);

        put("job_j", body(50));

        await().atMost(Duration.ofSeconds(5)).until(() -> completed().size() == 1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> completed().size() == 1);
        assertThat(completed()).hasSize(1);
    }

    @Test
    void webhooksCarryTheStateSnapshotWithoutInputOrTimestamps() throws Exception {
        put("job_k", body(50));

        await().atMost(Duration.ofSeconds(5)).until(() -> completed().size() == 1);
        JsonNode done = completed().get(0).body();

        assertThat(done.path("id").asText()).isEqualTo("job_k");
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("output").get(0).asText()).endsWith(".png");
        assertThat(done.path("metrics").has("predict_time")).isTrue();
        assertThat(done.has("input")).isFalse();
        assertThat(done.has("created_at")).isFalse();
    }

    private List<Received> completed() {
        return received.stream().filter(r -> List.of("succeeded", "failed", "canceled")
                .contains(r.body().path("status").asText())).toList();
    }

    private String body(long durationMs) {
        String webhook = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/cog/job?token=t";
        return "{\"input\":{\"simulate\":{\"duration_ms\":" + durationMs + "}},\"webhook\":\"" + webhook + "\"}";
    }

    private HttpResponse<String> put(String id, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(ai.cogUri() + "/predictions/" + id))
                .header("Content-Type", "application/json").header("Prefer", "respond-async")
                .PUT(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> cancel(String id) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(ai.cogUri() + "/predictions/" + id + "/cancel"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode health() throws Exception {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(ai.cogUri() + "/health-check")).GET()
                .build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
