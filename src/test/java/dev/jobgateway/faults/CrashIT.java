package dev.jobgateway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayClient;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.TcpBalancer;
import dev.jobgateway.support.WebhookSecrets;

/**
 * Processes die (kill -9) under real traffic: a gateway instance holding waits, one in the middle of handing a job
 * to the AI server, one in the middle of taking webhooks, and Redis itself (with AOF, {@code appendfsync everysec})
 * under a steady load of submits and webhooks. Two gateway instances behind a TCP balancer (what API Gateway is to
 * Lambda instances); the AI server's webhooks go through it and are retried on failure, as real senders do.
 */
// Timed under kills and freezes: in failsafe's "alone" execution, with no other IT class running beside it (pom.xml).
@Tag("alone")
class CrashIT {

    private static final String SECRET = WebhookSecrets.of("crash-integration-test-secret");
    private static final String API_KEY = "it-key";
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");
    private static final GatewayClient CLIENT = new GatewayClient(API_KEY, SECRET);

    private static Path jar;
    private static Path logs;
    private static LocalRedisServer redis;
    private static SimulatedAiServer ai;
    private static TcpBalancer balancer;
    private static Map<String, String> env;
    private static int portA;
    private static int portB;
    private static GatewayProcess a;
    private static GatewayProcess b;

    @BeforeAll
    static void start() throws Exception {
        jar = Path.of(System.getProperty("gateway.http.jar", "target/http/quarkus-app/quarkus-run.jar"));
        assertThat(jar).as("plain-HTTP build made in pre-integration-test").exists();
        logs = Path.of(System.getProperty("project.build.directory", "target"), "crash-it");
        Files.createDirectories(logs);
        redis = new LocalRedisServer(LocalRedisServer.freePort(),
                List.of("--appendonly", "yes", "--appendfsync", "everysec"),
                Files.createTempDirectory("job-gateway-crash-it-redis-"));
        redis.start();
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET).deliveryAttempts(10);
        ai.start();
        portA = LocalRedisServer.freePort();
        portB = LocalRedisServer.freePort();
        balancer = new TcpBalancer(List.of(portA, portB));
        env = GatewayProcess.env(redis.uri(), ai.baseUri(), SECRET, API_KEY + "=it", balancer.baseUrl());
        // A job whose hand-off never finished is ended at its deadline by the sweeper, which runs every second here.
        env.put("GATEWAY_SWEEPER_EVERY", "1s");
        a = startInstance(portA, "a");
        b = startInstance(portB, "b");
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable running : new AutoCloseable[] { a, b, balancer, ai, redis }) {
            try {
                if (running != null) {
                    running.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** Whatever a test killed runs again for the next one. */
    @AfterEach
    void everythingRunsAgain() throws Exception {
        if (!redis.isRunning()) {
            redis.start();
        }
        if (!a.isAlive()) {
            a = startInstance(portA, "a");
        }
        if (!b.isAlive()) {
            b = startInstance(portB, "b");
        }
    }

    @Test
    void clientsWaitingOnAnInstanceThatDiesGetTheResultFromTheOther() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(submit(balancer.baseUrl(), "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"duration_ms\":"
                    + (1_500 + i * 50) + "}}}"));
        }
        ExecutorService clients = Executors.newFixedThreadPool(ids.size());
        AtomicInteger movedOver = new AtomicInteger();
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (String id : ids) {
            answers.add(CompletableFuture.supplyAsync(() -> waitFirstOnAThenOnB(id, movedOver), clients));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> CLIENT.waiters(a.baseUrl()) == ids.size());

        a.kill();

        List<Long> lagsMs = new ArrayList<>();
        for (CompletableFuture<Answer> answer : answers) {
            Answer got = answer.get(30, TimeUnit.SECONDS);
            assertThat(got.job().path("status").asText()).isEqualTo("succeeded");
            lagsMs.add(Duration.between(Instant.parse(got.job().path("completed_at").asText()), got.at()).toMillis());
        }
        clients.shutdownNow();
        Collections.sort(lagsMs);
        System.out.printf("[measure] instance holding 20 waits killed: %d clients asked again on the other one; "
                + "answered after completion (ms, this host's clock): p50=%d max=%d%n", movedOver.get(),
                lagsMs.get(lagsMs.size() / 2), lagsMs.get(lagsMs.size() - 1));
        assertThat(movedOver.get()).isEqualTo(ids.size());
    }

    record Answer(JsonNode job, Instant at) {
    }

    /** A client that lost its held read asks the other instance (what a retry through a load balancer does). */
    private static Answer waitFirstOnAThenOnB(String id, AtomicInteger movedOver) {
        String on = a.baseUrl();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> answer = CLIENT.get(on, "/jobs/" + id + "?wait=25").get(35, TimeUnit.SECONDS);
                if (answer.statusCode() == 200) {
                    JsonNode job = GatewayClient.parse(answer.body());
                    if (TERMINAL.contains(job.path("status").asText())) {
                        return new Answer(job, Instant.now());
                    }
                }
            } catch (Exception connectionLost) {
                if (on.equals(a.baseUrl())) {
                    movedOver.incrementAndGet();
                }
                on = b.baseUrl();
            }
        }
        throw new AssertionError("no result for " + id);
    }

    @Test
    void aJobWhoseInstanceDiesMidHandOffIsHandedOffOnceOrFailedByItsDeadline() throws Exception {
        int submitsBefore = ai.submitAttempts();
        int urlsBefore = ai.submittedWebhookUrls().size();
        // The AI server answers these submits 2 s late: A dies while both hand-offs are in flight. One job the AI
        // server runs and reports; the other's webhooks never come, and without the AI server's id nobody can ask.
        for (String webhook : List.of("deliver", "drop")) {
            CLIENT.submit(a.baseUrl(), "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"submit_delay_ms\":2000,"
                    + "\"duration_ms\":300,\"webhook\":\"" + webhook + "\"}},\"max_duration_seconds\":4}", null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> ai.submittedWebhookUrls().size() == urlsBefore + 2);
        a.kill();
        long killedAt = System.nanoTime();
        List<String> ids = ai.submittedWebhookUrls().subList(urlsBefore, urlsBefore + 2).stream()
                .map(url -> URI.create(url).getPath().replaceFirst(".*/", "")).toList();

        Map<String, JsonNode> ended = new ConcurrentHashMap<>();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (String id : ids) {
                JsonNode job = CLIENT.getJson(b.baseUrl(), "/jobs/" + id);
                if (TERMINAL.contains(job.path("status").asText())) {
                    ended.putIfAbsent(id, job);
                }
            }
            return ended.size() == ids.size();
        });
        long endedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);

        // Which is which: the AI server received the two submits in either order.
        JsonNode reported = ended.values().stream()
                .filter(job -> job.path("input").path("simulate").path("webhook").asText().equals("deliver"))
                .findFirst().orElseThrow();
        JsonNode silent = ended.values().stream()
                .filter(job -> job.path("input").path("simulate").path("webhook").asText().equals("drop"))
                .findFirst().orElseThrow();
        System.out.printf("[measure] instance killed mid-hand-off: both jobs ended %d ms after the kill: %s via %s; "
                + "%s (%s); AI server submits %d%n", endedAfterMs, reported.path("status").asText(),
                reported.path("completed_via").asText(), silent.path("status").asText(),
                silent.path("error").path("source").asText(), ai.submitAttempts() - submitsBefore);
        assertThat(ai.submitAttempts() - submitsBefore).as("hand-offs reaching the AI server, one per job")
                .isEqualTo(2);
        assertThat(reported.path("status").asText()).isEqualTo("succeeded");
        assertThat(reported.path("completed_via").asText()).isEqualTo("webhook");
        assertThat(silent.path("status").asText()).isEqualTo("failed");
        assertThat(silent.path("error").path("source").asText()).isEqualTo("timeout");
        assertThat(Instant.parse(silent.path("completed_at").asText()))
                .as("failed within 2 s of its deadline, not stuck")
                .isBefore(Instant.parse(silent.path("created_at").asText()).plusSeconds(4 + 2));
    }

    @Test
    void aWebhookCutOffMidDeliveryIsSentAgainAndAppliesExactlyOnce() throws Exception {
        int count = 200;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(submit(balancer.baseUrl(), "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"webhook\":\"drop\","
                    + "\"duration_ms\":600000}}}"));
        }
        Map<String, String> externalIds = new ConcurrentHashMap<>();
        for (String id : ids) {
            externalIds.put(id, CLIENT.externalId(balancer.baseUrl(), id));
        }
        // A steady stream through the balancer, 20 in flight, about half of them on B, which is frozen and then
        // killed in the middle of it: whatever B had taken and not answered is cut off.
        AtomicInteger acknowledged = new AtomicInteger();
        AtomicInteger resent = new AtomicInteger();
        List<CompletableFuture<Void>> deliveries = Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(20);
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (String id : ids) {
                inFlight.acquireUninterruptibly();
                deliveries.add(deliver(id, externalIds.get(id), "msg_midwebhook_" + id, 1, acknowledged, resent)
                        .whenComplete((done, failure) -> inFlight.release()));
            }
        });
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(1))
                .until(() -> acknowledged.get() >= count / 5);
        b.freeze();
        RealTime.passMillis(200); // real time is the point: B frozen with webhooks in flight, then killed
        b.kill();
        sending.get(60, TimeUnit.SECONDS);
        CompletableFuture.allOf(deliveries.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

        int duplicates = 0;
        for (String id : ids) {
            JsonNode job = CLIENT.getJson(a.baseUrl(), "/jobs/" + id);
            List<JsonNode> webhooks = CLIENT.events(a.baseUrl(), id).stream()
                    .filter(e -> e.path("type").asText().equals("webhook_received")).toList();
            assertThat(webhooks.stream().filter(e -> e.path("outcome").asText().equals("applied")))
                    .as("applied webhooks of %s", id).hasSize(1);
            duplicates += (int) webhooks.stream().filter(e -> e.path("outcome").asText().equals("ignored")).count();
            assertThat(job.path("status").asText()).isEqualTo("succeeded");
            assertThat(job.path("version").asLong()).isEqualTo(2);
        }
        System.out.printf("[measure] instance killed while taking %d webhooks: %d deliveries sent again; %d arrived "
                + "as duplicates of one the dead instance had applied without its answer reaching the sender; every "
                + "job applied its webhook exactly once%n", count, resent.get(), duplicates);
        assertThat(resent.get()).as("webhooks cut off and sent again").isPositive();
    }

    /** One webhook, sent again on a connection error or 5xx after 250 ms doubling, like the simulated AI server. */
    private static CompletableFuture<Void> deliver(String id, String externalId, String webhookId, int attempt,
            AtomicInteger acknowledged, AtomicInteger resent) {
        return CLIENT.webhook(balancer.baseUrl(), id, externalId, "succeeded", webhookId)
                .handle((response, failure) -> failure == null && response.statusCode() == 200)
                .thenCompose(ok -> {
                    if (ok) {
                        acknowledged.incrementAndGet();
                        return CompletableFuture.completedFuture(null);
                    }
                    if (attempt >= 8) {
                        throw new AssertionError("webhook for " + id + " never acknowledged");
                    }
                    resent.incrementAndGet();
                    return CompletableFuture.runAsync(() -> {
                    },
                            CompletableFuture.delayedExecutor(250L << (attempt - 1), TimeUnit.MILLISECONDS))
                            .thenCompose(v -> deliver(id, externalId, webhookId, attempt + 1, acknowledged, resent));
                });
    }

    /**
     * Redis (AOF, {@code appendfsync everysec}) is killed under a steady load of submits and webhooks and started
     * again from its files. Redis writes a command to the AOF before it answers, so a killed process loses nothing it
     * acknowledged; {@code everysec} bounds what a host crash (not testable here) could lose to about a second.
     */
    @Test
    void everyAcknowledgedJobIsThereAfterRedisIsKilledAndRestartedFromItsAof() throws Exception {
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger refused = new AtomicInteger();
        List<String> notOutages = new CopyOnWriteArrayList<>();
        AtomicBoolean loading = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Void>> submitters = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            submitters.add(CompletableFuture.runAsync(() -> {
                while (loading.get()) {
                    try {
                        HttpResponse<String> response = CLIENT.submit(balancer.baseUrl(), "{\"input\":{\"prompt\":"
                                + "\"p\",\"simulate\":{\"duration_ms\":300,\"progress_steps\":1}}}", null)
                                .get(10, TimeUnit.SECONDS);
                        if (response.statusCode() == 202) {
                            acknowledged.put(GatewayClient.parse(response.body()).path("id").asText(),
                                    System.nanoTime());
                        } else {
                            if (response.statusCode() != 503) {
                                notOutages.add(response.statusCode() + " " + response.body());
                            }
                            refused.incrementAndGet();
                            RealTime.passMillis(50);
                        }
                    } catch (Exception e) {
                        refused.incrementAndGet();
                        RealTime.passMillis(50);
                    }
                }
            }, load));
        }
        // Submits answered before the clock starts: on a loaded machine the first ones of cold gateways took longer
        // than the 2 s of load below, and the kill then came before any had been acknowledged.
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 16);
        // Real time is the point of each span: 2 s of load, Redis down for 1 s, 2 s of load after its restart.
        RealTime.passMillis(2_000);
        int beforeCrash = acknowledged.size();
        redis.kill();
        long killedAt = System.nanoTime();
        RealTime.passMillis(1_000);
        redis.start();
        RealTime.passMillis(2_000);
        loading.set(false);
        CompletableFuture.allOf(submitters.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        load.shutdownNow();

        long justBefore = acknowledged.values().stream()
                // The last second before the kill: the jobs that appendfsync everysec has not yet synced. A narrower
                // window saw no submit at all when the machine was loaded and submits took longer than it.
                .filter(at -> at <= killedAt && killedAt - at < TimeUnit.SECONDS.toNanos(1)).count();
        List<String> lost = new ArrayList<>();
        List<String> unfinished = new ArrayList<>();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
            lost.clear();
            unfinished.clear();
            for (String id : acknowledged.keySet()) {
                HttpResponse<String> read = CLIENT.get(balancer.baseUrl(), "/jobs/" + id).join();
                if (read.statusCode() == 404) {
                    lost.add(id);
                } else if (read.statusCode() != 200
                        || !TERMINAL.contains(GatewayClient.parse(read.body()).path("status").asText())) {
                    unfinished.add(id);
                }
            }
            return unfinished.isEmpty();
        });
        System.out.printf("[measure] Redis (AOF everysec) killed under load: %d jobs acknowledged (%d before the "
                + "kill, %d in its last second), %d submits refused while it was down; after the restart %d "
                + "acknowledged jobs missing, all others finished (webhooks answered 503 were sent again: %d)%n",
                acknowledged.size(), beforeCrash, justBefore, refused.get(), lost.size(), ai.deliveryRetries());
        assertThat(justBefore).as("submits acknowledged right before the kill").isPositive();
        assertThat(lost).as("acknowledged jobs missing after the restart").isEmpty();
        // Refused while Redis was down: 503, which senders retry, never a 500 (a write to the killed Redis was one)
        assertThat(notOutages).as("submits refused other than with 503").isEmpty();
        assertThat(ai.deliveriesGivenUp()).isZero();
    }

    private static String submit(String baseUrl, String body) {
        HttpResponse<String> response = CLIENT.submit(baseUrl, body, null).join();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return GatewayClient.parse(response.body()).path("id").asText();
    }

    private static GatewayProcess startInstance(int port, String name) throws Exception {
        GatewayProcess instance = GatewayProcess.start(jar, port, env, logs.resolve("gateway-" + name + ".log"),
                List.of("-Xmx256m"));
        instance.awaitReady(Duration.ofSeconds(60));
        return instance;
    }

}
