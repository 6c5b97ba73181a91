package dev.jobgateway.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.GatewayProcess;

/** The benchmark's own HTTP client of the gateway API: one shared client, asynchronous, HTTP/1.1. */
final class GatewayClient {

    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * What the simulator is told for jobs the benchmark finishes itself: never send a webhook, run for 10 minutes.
     * Only the benchmark's webhooks complete them, so it knows when each completion happened.
     */
    static final String FINISHED_BY_BENCHMARK = "\"webhook\":\"drop\",\"duration_ms\":600000";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4)).connectTimeout(Duration.ofSeconds(5)).build();

    /** An API request with the benchmark's key. */
    CompletableFuture<HttpResponse<String>> send(GatewayProcess gateway, String method, String path, byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + Processes.API_KEY)
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET with the benchmark's key and one more header (e.g. {@code If-None-Match}). */
    CompletableFuture<HttpResponse<String>> sendWithHeader(GatewayProcess gateway, String path, String header,
            String value) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + Processes.API_KEY)
                .header(header, value).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    String get(GatewayProcess gateway, String path) throws Exception {
        return send(gateway, "GET", path, null).get(60, TimeUnit.SECONDS).body();
    }

    /** A read without an API key: refused by the filter before any Redis command. */
    CompletableFuture<HttpResponse<String>> anonymous(GatewayProcess gateway, String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Signs and posts a webhook for one job. */
    CompletableFuture<HttpResponse<String>> webhook(GatewayProcess gateway, String jobId, String externalId,
            String status, Double progress) {
        SignedWebhook webhook = SignedWebhook.of(jobId, externalId, status, progress);
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + webhook.path()))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(StandardWebhook.ID_HEADER, webhook.id())
                .header(StandardWebhook.TIMESTAMP_HEADER, webhook.timestamp())
                .header(StandardWebhook.SIGNATURE_HEADER, webhook.signature())
                .POST(HttpRequest.BodyPublishers.ofByteArray(webhook.body())).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Submits one job that really finishes (the simulator delivers its webhook) and waits for it: a realistic hash for
     * the read scenarios to read.
     */
    String finishedJob(GatewayProcess gateway) throws Exception {
        String id = submitMany(gateway, 1, "\"webhook\":\"deliver\",\"duration_ms\":10").get(0);
        get(gateway, "/jobs/" + id + "?wait=5");
        return id;
    }

    /** Submits {@code count} jobs, 32 at a time, and returns their ids in submission order. */
    List<String> submitMany(GatewayProcess gateway, int count, String simulate) throws Exception {
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<String>> futures = new ArrayList<>();
        byte[] body = ("{\"input\":{\"prompt\":\"bench\",\"simulate\":{" + simulate + "}}}")
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            futures.add(send(gateway, "POST", "/jobs", body).thenApply(response -> {
                if (response.statusCode() != 202) {
                    throw new IllegalStateException("submit answered " + response.statusCode() + ": "
                            + response.body());
                }
                return field(response.body(), "id");
            }).whenComplete((r, e) -> inFlight.release()));
        }
        List<String> ids = new ArrayList<>();
        for (CompletableFuture<String> future : futures) {
            ids.add(future.get(60, TimeUnit.SECONDS));
        }
        return ids;
    }

    /** Each job's id at the AI server, from its timeline: a webhook names the job by that id. */
    Map<String, String> externalIds(GatewayProcess gateway, List<String> ids) throws Exception {
        Map<String, String> external = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String id : ids) {
            inFlight.acquire();
            all.add(send(gateway, "GET", "/jobs/" + id + "/events", null).thenAccept(response -> {
                try {
                    for (JsonNode event : JSON.readTree(response.body()).path("events")) {
                        if (event.path("type").asText().equals("handed_to_ai_server")) {
                            external.put(id, event.path("details").path("external_id").asText());
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }).whenComplete((r, e) -> inFlight.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        return external;
    }

    static String status(String body) {
        return field(body, "status");
    }

    /** A top-level field of a JSON answer, or "" when the body is not JSON (an error page). */
    static String field(String body, String name) {
        try {
            return JSON.readTree(body).path(name).asText();
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits the gateway holds now, from its readiness check's {@code waits} data (0 if it is too busy to answer). */
    int waiters(GatewayProcess gateway) throws Exception {
        HttpResponse<String> ready;
        try {
            ready = anonymous(gateway, "/q/health/ready").get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException busy) {
            return 0; // asked again
        }
        for (JsonNode check : JSON.readTree(ready.body()).path("checks")) {
            if (check.path("name").asText().equals("waits")) {
                return check.path("data").path("waiters").asInt();
            }
        }
        return 0;
    }

    /**
     * Returns once the gateway holds at least {@code count} waits, or {@code orSooner} holds (e.g. some were already
     * answered), within {@code atMost}; how many it held then.
     */
    int awaitWaiters(GatewayProcess gateway, int count, Duration atMost, java.util.function.BooleanSupplier orSooner) {
        int[] held = new int[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(100))
                .until(() -> (held[0] = waiters(gateway)) >= count || orSooner.getAsBoolean());
        return held[0];
    }
}
