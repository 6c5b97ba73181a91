package dev.jobgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.WebhookSecrets;

/**
 * Webhook bodies are limited where they arrive, on the real HTTP server (the plain-HTTP packaging): a body declared
 * larger than the provider's limit is refused with {@code 413} before a byte of it is read, a chunked one as soon as
 * it passes the limit, and 40 senders of 9 MB at once leave the process's memory as it was. Nobody needs to
 * authenticate for any of this, so it must cost nothing.
 */
class OversizedWebhooksIT {

    private static final String SECRET = WebhookSecrets.of("oversized-webhooks-integration-test-secret");
    private static final String UNKNOWN_JOB = "job_AAAAAAAAAAAAAAAAAAAAAA";
    private static final int NINE_MB = 9_000_000;
    /** The gateway's default webhook limit (gateway.limits.max-body-bytes). */
    private static final int LIMIT = 262_144;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static LocalRedisServer redis;
    private static SimulatedAiServer ai;
    private static GatewayProcess gateway;

    @BeforeAll
    static void startGateway() throws Exception {
        Path jar = Path.of(System.getProperty("gateway.http.jar", "target/http/quarkus-app/quarkus-run.jar"));
        assertThat(jar).as("plain-HTTP build made in pre-integration-test").exists();
        redis = LocalRedisServer.startOnFreePort();
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SimulatedAiServer.Settings.generic(SECRET));
        ai.start();
        int port = LocalRedisServer.freePort();
        Path logs = Path.of(System.getProperty("project.build.directory", "target"), "oversized-webhooks-it");
        Files.createDirectories(logs);
        Map<String, String> env = GatewayProcess.envWithAllProviders(redis.uri(), ai, "it-key=it",
                "http://127.0.0.1:" + port);
        gateway = GatewayProcess.start(jar, port, env, logs.resolve("gateway.log"), List.of("-Xmx256m"));
        gateway.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable running : new AutoCloseable[] { gateway, ai, redis }) {
            try {
                if (running != null) {
                    running.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @Test
    void aWebhookDeclaringNineMegabytesIsRefusedBeforeItsBodyIsSent() throws Exception {
        for (String path : List.of("/webhooks/generic/" + UNKNOWN_JOB, "/webhooks/runpod/" + UNKNOWN_JOB
                + "?token=x", "/webhooks/cog/" + UNKNOWN_JOB + "?token=x", "/webhooks/replicate")) {
            try (Socket socket = connect()) {
                send(socket, "POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + NINE_MB + "\r\n\r\n");

                // Not one byte of the body was sent: a server that buffers it first would still be waiting.
                RawResponse response = RawResponse.read(socket);

                assertThat(response.status()).as(path + ": " + response).isEqualTo(413);
                assertProblem(response, "body-too-large");
            }
        }
    }

    @Test
    void aChunkedWebhookIsCutOffAsSoonAsItPassesTheLimit() throws Exception {
        try (Socket socket = connect()) {
            send(socket, "POST /webhooks/runpod/" + UNKNOWN_JOB + "?token=x HTTP/1.1\r\nHost: gateway\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            for (int sent = 0; sent <= LIMIT; sent += chunk.length) {
                send(socket, Integer.toHexString(chunk.length) + "\r\n");
                socket.getOutputStream().write(chunk);
                send(socket, "\r\n");
            }

            // The body never ends (no last chunk): only a server that counts as it reads can answer.
            RawResponse response = RawResponse.read(socket);

            assertThat(response.status()).as(response.toString()).isEqualTo(413);
            assertProblem(response, "body-too-large");
        }
    }

    @Test
    void aChunkedWebhookUnderTheLimitArrivesWhole() throws Exception {
        String id = submit();
        String externalId = externalId(id);
        String padding = "p".repeat(200_000);
        byte[] body = ("{\"job_id\":\"" + externalId + "\",\"status\":\"running\",\"progress\":0.5,\"padding\":\""
                + padding + "\"}").getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();

        try (Socket socket = connect()) {
            send(socket, "POST /webhooks/generic/" + id + " HTTP/1.1\r\nHost: gateway\r\n"
                    + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                    + "webhook-id: msg_chunked\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: "
                    + StandardWebhook.sign(SECRET, "msg_chunked", now, body) + "\r\n\r\n");
            for (int from = 0; from < body.length; from += 10_000) {
                int length = Math.min(10_000, body.length - from);
                send(socket, Integer.toHexString(length) + "\r\n");
                socket.getOutputStream().write(body, from, length);
                send(socket, "\r\n");
            }
            send(socket, "0\r\n\r\n");

            RawResponse response = RawResponse.read(socket);

            assertThat(response.status()).as(response.toString()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).path("outcome").asText()).isEqualTo("applied");
        }
    }

    @Test
    void fortyNineMegabyteWebhooksAtOnceAreAllRefusedAndLeaveMemoryAsItWas() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        byte[] nineMegabytes = new byte[NINE_MB];
        Arrays.fill(nineMegabytes, (byte) 'x');
        long rssAtStart = gateway.rssKiB();

        // The first round also warms the server up (its buffer pools, compiled code); the second shows the cost.
        assertThat(fortyAtOnce(http, nineMegabytes)).containsOnly(413);
        long rssBefore = gateway.rssKiB();
        assertThat(fortyAtOnce(http, nineMegabytes)).containsOnly(413);
        long rssAfter = gateway.rssKiB();
        System.out.printf("[measure] 40 parallel 9 MB webhooks, twice: RSS %d MiB -> %d MiB -> %d MiB%n",
                rssAtStart / 1024, rssBefore / 1024, rssAfter / 1024);

        // Buffered, 40 x 9 MB would be 360 MB at the least, over the process's 256 MB heap.
        assertThat(rssAfter - rssBefore).as("RSS growth in KiB").isLessThan(48 * 1024);
    }

    private static List<Integer> fortyAtOnce(HttpClient http, byte[] body) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> sent = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            sent.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/webhooks/generic/"
                    + UNKNOWN_JOB)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : sent) {
            statuses.add(answer.get(60, TimeUnit.SECONDS).statusCode());
        }
        return statuses;
    }

    private static void assertProblem(RawResponse response, String type) throws IOException {
        assertThat(response.header("content-type")).startsWith("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("type").asText()).isEqualTo("https://job-gateway.dev/problems/" + type);
        assertThat(problem.path("status").asInt()).isEqualTo(response.status());
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setSoTimeout(5_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    private static String submit() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                gateway.baseUrl() + "/jobs")).header("Authorization", "Bearer it-key")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"p\",\"simulate\":"
                        + "{\"webhook\":\"drop\",\"duration_ms\":60000}}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).path("id").asText();
    }

    private static String externalId(String id) throws Exception {
        HttpResponse<String> events = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                gateway.baseUrl() + "/jobs/" + id + "/events")).header("Authorization", "Bearer it-key").build(),
                HttpResponse.BodyHandlers.ofString());
        for (JsonNode event : JSON.readTree(events.body()).path("events")) {
            if (event.path("type").asText().equals("handed_to_ai_server")) {
                return event.path("details").path("external_id").asText();
            }
        }
        throw new AssertionError("job " + id + " was not handed off: " + events.body());
    }

    /** An HTTP/1.1 response read off a raw socket: status, headers and a body of its Content-Length. */
    private record RawResponse(int status, Map<String, String> headers, String body) {

        static RawResponse read(Socket socket) throws IOException {
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new java.util.HashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            return new RawResponse(status, headers, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            for (int b = in.read(); b >= 0; b = in.read()) {
                head.write(b);
                matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
                if (matched == 4) {
                    return head.toString(StandardCharsets.US_ASCII).trim();
                }
            }
            throw new IOException("connection closed before a response: " + head);
        }

        String header(String name) {
            return headers.get(name);
        }
    }
}
