package dev.jobgateway.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayClient;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The change feed after a Lambda-style freeze and thaw, during which the network forgot the instance's Redis
 * connections without a word (SilentDropProxy): the feed's own connection is dead but looks open. On the thaw its
 * overdue PING timer finds it silent for too long and replaces it at once, so a held read is woken by the next
 * change within milliseconds instead of waiting for a periodic re-read. Instance A reaches Redis through the relay
 * and holds the wait; B takes the webhook.
 */
// Timed under kills and freezes: in failsafe's "alone" execution, with no other IT class running beside it (pom.xml).
@Tag("alone")
class ChangeFeedThawIT {

    private static final String SECRET = WebhookSecrets.of("feed-thaw-integration-test-secret");
    private static final String API_KEY = "it-key";
    private static final GatewayClient CLIENT = new GatewayClient(API_KEY, SECRET);

    private static LocalRedisServer redis;
    private static SilentDropProxy relay;
    private static SimulatedAiServer ai;
    private static GatewayProcess a;
    private static GatewayProcess b;

    @BeforeAll
    static void start() throws Exception {
        Path jar = Path.of(System.getProperty("gateway.http.jar", "target/http/quarkus-app/quarkus-run.jar"));
        assertThat(jar).as("plain-HTTP build made in pre-integration-test").exists();
        Path logs = Path.of(System.getProperty("project.build.directory", "target"), "change-feed-thaw-it");
        Files.createDirectories(logs);
        redis = LocalRedisServer.startOnFreePort();
        relay = SilentDropProxy.start(redis.port());
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET);
        ai.start();
        int portA = LocalRedisServer.freePort();
        int portB = LocalRedisServer.freePort();
        Map<String, String> envA = GatewayProcess.env(URI.create("redis://127.0.0.1:" + relay.port()), ai.baseUri(),
                SECRET, API_KEY + "=it", "http://127.0.0.1:" + portB);
        // Shorter than the freeze, as the production 60 s idle timeout and 10 s PING interval are shorter than the
        // freezes they are for.
        envA.put("QUARKUS_REDIS_TCP_IDLE_TIMEOUT", "3s");
        envA.put("GATEWAY_WAITS_FEED_PING_INTERVAL", "1s");
        envA.put("GATEWAY_SWEEPER_EVERY", "0");
        Map<String, String> envB = GatewayProcess.env(redis.uri(), ai.baseUri(), SECRET, API_KEY + "=it",
                "http://127.0.0.1:" + portB);
        envB.put("GATEWAY_SWEEPER_EVERY", "0");
        a = GatewayProcess.start(jar, portA, envA, logs.resolve("gateway-a.log"), List.of("-Xmx256m"));
        b = GatewayProcess.start(jar, portB, envB, logs.resolve("gateway-b.log"), List.of("-Xmx256m"));
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable running : new AutoCloseable[] { a, b, ai, relay, redis }) {
            if (running != null) {
                running.close();
            }
        }
    }

    @Test
    void aThawedInstanceReplacesItsDeadFeedConnectionAndItsHeldReadWakesOnTheNextChange() throws Exception {
        HttpResponse<String> submitted = CLIENT.submit(b.baseUrl(),
                "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"webhook\":\"drop\",\"duration_ms\":600000}}}", null)
                .get(10, TimeUnit.SECONDS);
        String id = GatewayClient.parse(submitted.body()).path("id").asText();
        String externalId = CLIENT.externalId(b.baseUrl(), id);
        CompletableFuture<HttpResponse<String>> held = CLIENT.get(a.baseUrl(), "/jobs/" + id + "?wait=25");
        await().atMost(Duration.ofSeconds(10)).until(() -> feed(a).path("change_feed_subscribed").asBoolean()
                && feed(a).path("waiters").asInt() == 1);
        long subscriptions = feed(a).path("change_feed_subscriptions").asLong();

        a.freeze();
        relay.dropExistingSilently(); // while frozen: no FIN, no RST, the bytes just stop
        // Longer than the idle timeout (3 s) and than a PING round (1 s + the 2 s answer timeout); shorter than the
        // held read's 5 s safety re-read, which would otherwise race the idle timeout to the dead pool connections
        // (the race docs/architecture.md describes: written to a dead connection first, that read would get a 503).
        RealTime.passMillis(4_000); // real time is the point: a freeze of this span, as the comment above says
        long thawed = System.nanoTime();
        a.thaw();

        // Just after the thaw the readiness check may answer 503 once: its own Redis check can still find a pooled
        // connection the relay dropped (it is closed and replaced on that failure), so an answer that is not 200
        // means "not yet", as a load balancer would read it.
        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(20)).ignoreExceptions()
                .until(() -> feed(a).path("change_feed_subscriptions").asLong() > subscriptions
                        && feed(a).path("change_feed_subscribed").asBoolean());
        long resubscribedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - thawed);
        assertThat(held).as("still held: the job has not changed").isNotDone();

        long sent = System.nanoTime();
        assertThat(CLIENT.webhook(b.baseUrl(), id, externalId, "succeeded", "msg_after_thaw").get(10, TimeUnit.SECONDS)
                .statusCode()).isEqualTo(200);
        HttpResponse<String> answer = held.get(10, TimeUnit.SECONDS);
        long wokeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        System.out.printf("[measure] thaw with a silently dead feed connection: subscribed again %d ms after the "
                + "thaw; the held read answered %d ms after the webhook was sent to the other instance%n",
                resubscribedMs, wokeMs);
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(GatewayClient.parse(answer.body()).path("status").asText()).isEqualTo("succeeded");
        // Woken by the notice, not by the 5 s safety re-read.
        assertThat(wokeMs).isLessThan(1_000);
        // B took a submit and a webhook but never held a read: it never subscribed (the feed opens on a first wait).
        // (Redis itself still counts A's dropped subscriber: it only finds out with its tcp-keepalive, 300 s.)
        assertThat(feed(b).path("change_feed_subscriptions").asLong()).isZero();
    }

    /** The data of the instance's readiness check "waits". */
    private static JsonNode feed(GatewayProcess instance) {
        JsonNode health = CLIENT.getJson(instance.baseUrl(), "/q/health/ready");
        for (JsonNode check : health.path("checks")) {
            if (check.path("name").asText().equals("waits")) {
                return check.path("data");
            }
        }
        throw new AssertionError("no waits check in " + health);
    }
}
