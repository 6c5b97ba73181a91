package dev.jobgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.support.GatewayStack;
import dev.jobgateway.support.NodeTool;

/**
 * The gateway's own realtime endpoint (plain-HTTP build, docs/push.md), with a real WebSocket client against a real
 * gateway process: a job's every change reaches a subscriber with its read token, and the refusals AppSync's
 * authorizer makes are made here too (another job's token, a wildcard, an expired token, a publish).
 */
class PushIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SOON = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static GatewayStack stack;

    @BeforeAll
    static void startAGateway() throws Exception {
        stack = GatewayStack.start("push", Map.of());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aSubscriberWithTheJobsReadTokenReceivesEveryChangeUntilItsEnd() throws Exception {
        JsonNode job = submit("{\"duration_ms\":1500,\"progress_steps\":3}");
        String channel = "/jobs/" + JobChannel.segment(job.path("id").asText());

        try (RealtimeClient client = RealtimeClient.connect(stack.baseUrl(), job.path("read_token").asText())) {
            assertThat(client.subprotocol()).isEqualTo("aws-appsync-event-ws");
            client.init();
            assertThat(client.next("connection_ack", SOON).path("connectionTimeoutMs").asLong()).isPositive();
            client.subscribe("s1", channel);
            assertThat(client.next("subscribe_success", SOON).path("id").asText()).isEqualTo("s1");

            List<JsonNode> events = new ArrayList<>();
            JsonNode last;
            do {
                JsonNode data = client.next("data", SOON);
                assertThat(data.path("id").asText()).isEqualTo("s1");
                last = JSON.readTree(data.path("event").asText());
                events.add(last);
            } while (!last.path("status").asText().equals("succeeded"));

            assertThat(events).extracting(event -> event.path("id").asText()).containsOnly(job.path("id").asText());
            assertThat(events).extracting(event -> event.path("version").asLong()).isSorted().doesNotHaveDuplicates();
            assertThat(events).extracting(event -> event.path("status").asText()).contains("running", "succeeded");
            assertThat(last.path("job").path("output").isObject()).as("the whole job when it fits").isTrue();
            assertThat(last.path("job").path("version").asLong()).isEqualTo(last.path("version").asLong());
            JsonNode read = read(job.path("id").asText(), job.path("read_token").asText());
            assertThat(last.path("version").asLong()).isEqualTo(read.path("version").asLong());
        }
    }

    @Test
    void aTokenForAnotherJobAWildcardAndAnotherNamespaceAreRefused() throws Exception {
        JsonNode mine = submit("{\"duration_ms\":60000}");
        JsonNode other = submit("{\"duration_ms\":60000}");

        try (RealtimeClient client = RealtimeClient.connect(stack.baseUrl(), mine.path("read_token").asText())) {
            client.init();
            client.next("connection_ack", SOON);
            client.subscribe("other", "/jobs/" + JobChannel.segment(other.path("id").asText()));
            client.subscribe("wildcard", "/jobs/*");
            client.subscribe("elsewhere", "/default/" + JobChannel.segment(mine.path("id").asText()));
            client.subscribe("mine", "/jobs/" + JobChannel.segment(mine.path("id").asText()));

            for (String id : List.of("other", "wildcard", "elsewhere")) {
                JsonNode refused = client.next(message -> id.equals(message.path("id").asText()), SOON);
                assertThat(refused.path("type").asText()).as(id).isEqualTo("subscribe_error");
                assertThat(refused.path("errors").get(0).path("errorType").asText()).isEqualTo("UnauthorizedException");
            }
            assertThat(client.next("subscribe_success", SOON).path("id").asText()).isEqualTo("mine");
        }
    }

    @Test
    void aPublishFromABrowserIsRefusedOverTheSocketAndOverHttp() throws Exception {
        JsonNode job = submit("{\"duration_ms\":60000}");
        String channel = "/jobs/" + JobChannel.segment(job.path("id").asText());

        try (RealtimeClient client = RealtimeClient.connect(stack.baseUrl(), job.path("read_token").asText())) {
            client.init();
            client.next("connection_ack", SOON);
            client.send(JSON.createObjectNode().put("type", "publish").put("id", "p1").put("channel", channel)
                    .set("events", JSON.createArrayNode().add("{\"status\":\"succeeded\"}")).toString());
            JsonNode refused = client.next("publish_error", SOON);
            assertThat(refused.path("id").asText()).isEqualTo("p1");
            assertThat(refused.path("errors").get(0).path("errorType").asText()).isEqualTo("UnauthorizedException");
        }
        HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/event"))
                .header("Authorization", job.path("read_token").asText())
                .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"" + channel + "\",\"events\":[\"{}\"]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(post.body()).path("errors").get(0).path("errorType").asText())
                .isEqualTo("UnauthorizedException");
        assertThat(read(job.path("id").asText(), job.path("read_token").asText()).path("status").asText())
                .isNotEqualTo("succeeded");
    }

    @Test
    void anExpiredTokenCannotConnect() throws Exception {
        JsonNode job = submit("{\"duration_ms\":60000}");
        String expired = token(job.path("id").asText(), Instant.now().minusSeconds(5));

        try (RealtimeClient client = RealtimeClient.connect(stack.baseUrl(), expired)) {
            JsonNode refused = client.next("connection_error", SOON);
            assertThat(refused.path("errors").get(0).path("errorType").asText()).isEqualTo("UnauthorizedException");
        }
        // The same token, still valid, connects: the refusal was the expiry.
        try (RealtimeClient client = RealtimeClient.connect(stack.baseUrl(),
                token(job.path("id").asText(), Instant.now().plusSeconds(60)))) {
            client.init();
            client.next("connection_ack", SOON);
        }
    }

    @Test
    void amplifysOwnEventsClientReceivesAJobsChangesAndIsRefusedAnotherJob() throws Exception {
        boolean available = NodeTool.available();
        if (!available && !NodeTool.required()) {
            Assumptions.abort("Node.js is not installed: Amplify's client is not run. .ci/run installs it.");
        }
        Path dir = Path.of(System.getProperty("project.basedir", ".")).resolve("clients/amplify-check");
        Path logs = Path.of(System.getProperty("project.build.directory", "target"), "push");
        NodeTool node = new NodeTool(dir);
        node.ensureInstalled(logs.resolve("amplify-npm-ci.log"));

        NodeTool.Result result = node.run(List.of("node", "--test", "--test-reporter=tap", "test/"), Map.of(
                "GATEWAY_URL", stack.baseUrl(), "GATEWAY_API_KEY", GatewayStack.API_KEY), 180,
                logs.resolve("amplify-check.tap"));

        assertThat(result.exit()).as(result.output()).isZero();
        assertThat(result.output()).contains("# pass 2", "# fail 0");
    }

    @Test
    void discoveryNamesTheLocalEndpointAndTheJobsChannel() throws Exception {
        JsonNode job = submit("{\"duration_ms\":60000}");
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(
                URI.create(stack.baseUrl() + "/realtime?job=" + job.path("id").asText())).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode discovery = JSON.readTree(answer.body());
        String authority = URI.create(stack.baseUrl()).getAuthority();
        assertThat(discovery.path("enabled").asBoolean()).isTrue();
        assertThat(discovery.path("mode").asText()).isEqualTo("local");
        assertThat(discovery.path("protocol").asText()).isEqualTo("aws-appsync-event-ws");
        assertThat(discovery.path("realtime_url").asText()).isEqualTo("ws://" + authority + "/event/realtime");
        assertThat(discovery.path("http_endpoint").asText()).isEqualTo("http://" + authority + "/event");
        assertThat(discovery.path("channel").asText()).isEqualTo(JobChannel.channel("jobs", job.path("id").asText()));
    }

    private static JsonNode submit(String simulate) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/jobs"))
                .header("Authorization", "Bearer " + GatewayStack.API_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"a lighthouse\",\"simulate\":"
                        + simulate + "}}"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 202);
        return JSON.readTree(response.body());
    }

    private static JsonNode read(String id, String token) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(stack.baseUrl() + "/jobs/" + id))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A read token for one job signed with the stack's key, expiring then (without the API-key claim). */
    static String token(String jobId, Instant expires) throws Exception {
        String kid = GatewayStack.READ_TOKEN_KEYS.substring(0, GatewayStack.READ_TOKEN_KEYS.indexOf('='));
        String secret = GatewayStack.READ_TOKEN_KEYS.substring(GatewayStack.READ_TOKEN_KEYS.indexOf('=') + 1);
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String header = encoder.encodeToString(JSON.createObjectNode().put("alg", "HS256").put("typ", "JWT")
                .put("kid", kid).toString().getBytes(StandardCharsets.UTF_8));
        var claims = JSON.createObjectNode().put("sub", "it").put("aud", "job-gateway:read");
        claims.putArray("jobs").add(jobId);
        claims.put("iat", expires.getEpochSecond() - 60).put("exp", expires.getEpochSecond());
        String payload = encoder.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return header + "." + payload + "."
                + encoder.encodeToString(mac.doFinal((header + "." + payload).getBytes(StandardCharsets.US_ASCII)));
    }
}
