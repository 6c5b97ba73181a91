package dev.jobgateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.providers.StandardWebhook;

/**
 * The frontend's and the AI server's side of real gateway processes, over plain HTTP: submit, read, wait, timeline,
 * signed webhooks. For integration tests and the chaos run, where the gateways are separate processes.
 */
public final class GatewayClient {

    public static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;
    private final String apiKey;
    private final String webhookSecret;

    public GatewayClient(String apiKey, String webhookSecret) {
        // HTTP/1.1: one request per connection at a time, so a balancer spreads concurrent requests over instances
        // (an HTTP/2 upgrade would put them all on one connection, to one instance).
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2))
                .build();
        this.apiKey = apiKey;
        this.webhookSecret = webhookSecret;
    }

    /** {@code POST /jobs}; {@code idempotencyKey} may be null. */
    public CompletableFuture<HttpResponse<String>> submit(String baseUrl, String body, String idempotencyKey) {
        HttpRequest.Builder request = request(baseUrl, "/jobs", Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public CompletableFuture<HttpResponse<String>> get(String baseUrl, String path) {
        return http.sendAsync(request(baseUrl, path, Duration.ofSeconds(35)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A blocking read of a JSON document; throws on anything but 200. */
    public JsonNode getJson(String baseUrl, String path) {
        HttpResponse<String> response = get(baseUrl, path).join();
        if (response.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return parse(response.body());
    }

    /** The job's timeline entries, oldest first. */
    public List<JsonNode> events(String baseUrl, String id) {
        JsonNode events = getJson(baseUrl, "/jobs/" + id + "/events").path("events");
        return java.util.stream.StreamSupport.stream(events.spliterator(), false).toList();
    }

    /** The AI server's id of a job, from its {@code handed_to_ai_server} entry, or null. */
    public String externalId(String baseUrl, String id) {
        return events(baseUrl, id).stream().filter(e -> e.path("type").asText().equals("handed_to_ai_server"))
                .map(e -> e.path("details").path("external_id").asText()).findFirst().orElse(null);
    }

    /** A webhook as the AI server sends it: generic-protocol body, signed now under {@code webhookId}. */
    public CompletableFuture<HttpResponse<String>> webhook(String baseUrl, String jobId, String externalId,
            String status, String webhookId) {
        long now = Instant.now().getEpochSecond();
        byte[] body = ("{\"job_id\":\"" + externalId + "\",\"status\":\"" + status + "\",\"output\":"
                + (status.equals("succeeded") ? "{\"images\":[]}" : "null") + "}").getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/webhooks/generic/" + jobId))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, Long.toString(now))
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(webhookSecret, webhookId, now, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Waits held by an instance, from its readiness check's data. */
    public int waiters(String baseUrl) {
        try {
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            for (JsonNode check : parse(health.body()).path("checks")) {
                if (check.path("name").asText().equals("waits")) {
                    return check.path("data").path("waiters").asInt();
                }
            }
            throw new IllegalStateException("no waits check in " + health.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpRequest.Builder request(String baseUrl, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(timeout)
                .header("Authorization", "Bearer " + apiKey);
    }
}
