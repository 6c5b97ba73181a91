package dev.jobgateway.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayClient;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.ReadHistory;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.WebhookSecrets;

/**
 * A Redis Cluster master fails under two real gateway processes (waits held on A, webhooks to B) and its replica
 * takes over: the master is frozen (SIGSTOP: it keeps its sockets and answers nothing, like a hung or cut-off host),
 * then killed (SIGKILL), and the replica is promoted after {@code cluster-node-timeout} (1.5 s here). The fallback is
 * off, so only webhooks (and the AI server's retries of those answered 503 in the gap) can finish the jobs.
 */
@Tag("cluster-only")
class FailoverIT {

    private static final String SECRET = WebhookSecrets.of("failover-integration-test-secret");
    private static final String API_KEY = "it-key";
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");

    private static LocalRedisCluster cluster;
    private static SimulatedAiServer ai;
    private static GatewayProcess a;
    private static GatewayProcess b;
    private static final GatewayClient CLIENT = new GatewayClient(API_KEY, SECRET);

    @BeforeAll
    static void startClusterAndTwoInstances() throws Exception {
        Path jar = Path.of(System.getProperty("gateway.http.jar", "target/http/quarkus-app/quarkus-run.jar"));
        assertThat(jar).as("plain-HTTP build made in pre-integration-test").exists();
        cluster = LocalRedisCluster.start(3, 1, Duration.ofMillis(1500), List.of());
        // Real senders retry for hours; 10 attempts (about 40 s) outlast any gap here.
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET).deliveryAttempts(10);
        ai.start();
        int portA = LocalRedisServer.freePort();
        int portB = LocalRedisServer.freePort();
        Path logs = Path.of(System.getProperty("project.build.directory", "target"), "failover-it");
        Files.createDirectories(logs);
        Map<String, String> env = GatewayProcess.env(cluster, ai.baseUri(), SECRET, API_KEY + "=it",
                "http://127.0.0.1:" + portB);
        env.put("GATEWAY_FALLBACK_CHECK_AFTER", "10m");
        env.put("GATEWAY_SWEEPER_EVERY", "0");
        a = GatewayProcess.start(jar, portA, env, logs.resolve("gateway-a.log"), List.of("-Xmx256m"));
        b = GatewayProcess.start(jar, portB, env, logs.resolve("gateway-b.log"), List.of("-Xmx256m"));
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopEverything() {
        for (AutoCloseable running : new AutoCloseable[] { a, b, ai, cluster }) {
            try {
                if (running != null) {
                    running.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    /** The next test starts from a whole cluster again: the killed node comes back, as a replica. */
    @AfterEach
    void killedNodesRejoin() {
        for (int port : cluster.ports()) {
            if (!cluster.liveNodes().contains(port)) {
                cluster.restart(port);
            }
        }
        cluster.awaitHealthy(Duration.ofSeconds(60));
    }

    @Test
    void waitsEndAndEveryWebhookAppliesExactlyOnceWhileAMasterFailsOver() throws Exception {
        int count = 90;
        List<String> ids = submitAll(count, i -> "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"duration_ms\":"
                + (1_500 + (i % 30) * 120) + ",\"progress_steps\":2,\"webhook\":\""
                + (i % 3 == 0 ? "duplicate" : "deliver") + "\"}}}");
        int victim = busiestMaster(ids);
        // A job on a master that stays up: is it readable while another master fails over?
        String bystander = ids.stream().filter(id -> cluster.masterFor(jobKey(id)) != victim).findFirst().orElseThrow();
        History history = new History();
        History bystanderHistory = new History();
        ExecutorService clients = Executors.newFixedThreadPool(count + 2);
        AtomicBoolean sampling = new AtomicBoolean(true);
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> sample(ids, history, sampling), clients);
        CompletableFuture<Void> probe = CompletableFuture.runAsync(
                () -> sample(List.of(bystander), bystanderHistory, sampling), clients);
        List<CompletableFuture<WaitOutcome>> waits = new ArrayList<>();
        for (String id : ids) {
            waits.add(CompletableFuture.supplyAsync(() -> waitUntilTerminal(id, history), clients));
        }

        // Real time is the point of both spans: 0.8 s in, progress webhooks are flowing and no job is done yet; then
        // a master frozen for 2 s before it is killed.
        RealTime.passMillis(800);
        long frozenAt = System.nanoTime();
        cluster.pause(victim);
        RealTime.passMillis(2_000);
        cluster.kill(victim);
        cluster.awaitHealthy(Duration.ofSeconds(30));
        long failoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);

        List<WaitOutcome> outcomes = new ArrayList<>();
        for (CompletableFuture<WaitOutcome> wait : waits) {
            outcomes.add(wait.get(90, TimeUnit.SECONDS));
        }
        sampling.set(false);
        sampler.get(10, TimeUnit.SECONDS);
        probe.get(10, TimeUnit.SECONDS);
        clients.shutdownNow();

        int unavailable = outcomes.stream().mapToInt(WaitOutcome::unavailable).sum();
        System.out.printf(
                "[measure] failover: master %d frozen 2 s, then killed; cluster healthy again %d ms after the "
                        + "freeze; batch reads answered 503 from %d ms to %d ms after it (%d sampled 503s, %d other failures); "
                        + "a job on a master that stayed up answered 503 from %d ms to %d ms (%d times); waits answered 503 "
                        + "%d times and were asked again; the AI server re-sent %d webhooks, gave up on %d%n",
                victim, failoverMs, history.first503Ms(frozenAt), history.last503Ms(frozenAt),
                history.unavailable.get(),
                history.failures.get(), bystanderHistory.first503Ms(frozenAt), bystanderHistory.last503Ms(frozenAt),
                bystanderHistory.unavailable.get(), unavailable, ai.deliveryRetries(), ai.deliveriesGivenUp());

        assertThat(history.reads.regressions()).as("versions never go down, terminal stays terminal").isEmpty();
        assertThat(history.errors).as("answers other than 200 and 503 (Retry-After)").isEmpty();
        assertThat(bystanderHistory.errors).isEmpty();
        assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.status()).isEqualTo("succeeded"));
        assertThat(ai.deliveriesGivenUp()).as("webhooks the AI server gave up on").isZero();
        assertThat(ai.deliveryRetries()).as("webhooks answered 503 in the gap and sent again").isPositive();
        for (String id : ids) {
            assertAppliedExactlyOnce(id);
        }
    }

    /**
     * What an acknowledged webhook survives: webhooks are sent at full speed to jobs on every master and one master is
     * killed outright (SIGKILL, no freeze first), so acknowledgements are in flight when it dies. Afterwards every
     * webhook the gateway acknowledged must have taken effect on the promoted replica. Replication is asynchronous:
     * this measures the window, which the test allows to be empty only.
     */
    @Test
    void everyWebhookAcknowledgedBeforeAMasterCrashIsThereAfterTheFailover() throws Exception {
        int count = 600;
        List<String> ids = submitAll(count, i -> "{\"input\":{\"prompt\":\"p\",\"simulate\":{\"webhook\":\"drop\","
                + "\"duration_ms\":600000}}}");
        Map<String, String> externalIds = new ConcurrentHashMap<>();
        for (String id : ids) {
            externalIds.put(id, CLIENT.externalId(b.baseUrl(), id));
        }
        int victim = busiestMaster(ids);
        Set<String> onVictim = ids.stream().filter(id -> cluster.masterFor(jobKey(id)) == victim)
                .collect(Collectors.toSet());
        ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>(ids);
        Map<String, Long> acknowledgedAt = new ConcurrentHashMap<>();
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService senders = Executors.newFixedThreadPool(8);
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 8; w++) {
            workers.add(CompletableFuture.runAsync(() -> {
                for (String id = queue.poll(); id != null; id = queue.poll()) {
                    deliverUntilAcknowledged(id, externalIds.get(id), acknowledgedAt, sent, refused);
                }
            }, senders));
        }
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(2))
                .until(() -> acknowledgedAt.size() >= count / 3);
        long killedAt = System.nanoTime();
        cluster.kill(victim);
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        senders.shutdownNow();
        cluster.awaitHealthy(Duration.ofSeconds(30));

        long ackedOnVictimJustBefore = acknowledgedAt.entrySet().stream()
                .filter(e -> onVictim.contains(e.getKey()) && e.getValue() <= killedAt
                        && killedAt - e.getValue() < TimeUnit.MILLISECONDS.toNanos(100))
                .count();
        List<String> lost = new ArrayList<>();
        for (String id : ids) {
            JsonNode job = CLIENT.getJson(b.baseUrl(), "/jobs/" + id);
            if (!job.path("status").asText().equals("succeeded")) {
                lost.add(id + " (" + job.path("status").asText() + ", acknowledged "
                        + TimeUnit.NANOSECONDS.toMicros(killedAt - acknowledgedAt.get(id)) + " us before the kill)");
            }
        }
        System.out.printf("[measure] master crash under load: %d webhooks acknowledged (%d of them for the %d jobs "
                + "on the killed master, %d of those in its last 100 ms), %d answered 503 or failed and were sent "
                + "again; acknowledged but lost after the failover: %d%n", acknowledgedAt.size(),
                acknowledgedAt.keySet().stream().filter(onVictim::contains).count(), onVictim.size(),
                ackedOnVictimJustBefore, refused.get(), lost.size());
        assertThat(ackedOnVictimJustBefore).as("the kill came while the victim was acknowledging").isPositive();
        assertThat(lost).as("acknowledged webhooks missing after the failover").isEmpty();
    }

    private static void deliverUntilAcknowledged(String id, String externalId, Map<String, Long> acknowledgedAt,
            AtomicInteger sent, AtomicInteger refused) {
        String webhookId = "msg_crash_" + id;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            sent.incrementAndGet();
            try {
                HttpResponse<String> response = CLIENT.webhook(b.baseUrl(), id, externalId, "succeeded", webhookId)
                        .get(15, TimeUnit.SECONDS);
                if (response.statusCode() == 200) {
                    acknowledgedAt.put(id, System.nanoTime());
                    return;
                }
            } catch (Exception failed) {
                // like a sender: try again
            }
            refused.incrementAndGet();
            RealTime.passMillis(100);
        }
        throw new AssertionError("webhook for " + id + " never acknowledged");
    }

    private WaitOutcome waitUntilTerminal(String id, History history) {
        int unavailable = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(80);
        while (System.nanoTime() < deadline) {
            try {
                long started = System.nanoTime();
                HttpResponse<String> answer = CLIENT.get(a.baseUrl(), "/jobs/" + id + "?wait=25")
                        .get(35, TimeUnit.SECONDS);
                if (answer.statusCode() == 200) {
                    JsonNode job = GatewayClient.parse(answer.body());
                    history.saw(id, job, started);
                    if (TERMINAL.contains(job.path("status").asText())) {
                        return new WaitOutcome(id, job.path("status").asText(), unavailable);
                    }
                    continue;
                }
                if (answer.statusCode() == 503) {
                    unavailable++;
                } else {
                    throw new AssertionError("wait on " + id + ": " + answer.statusCode() + " " + answer.body());
                }
            } catch (AssertionError e) {
                throw e;
            } catch (Exception failed) {
                unavailable++;
            }
            RealTime.passMillis(300); // a client honouring Retry-After, impatiently
        }
        return new WaitOutcome(id, "no answer", unavailable);
    }

    private static void sample(List<String> ids, History history, AtomicBoolean sampling) {
        while (sampling.get()) {
            for (int from = 0; from < ids.size(); from += 45) {
                List<String> batch = ids.subList(from, Math.min(ids.size(), from + 45));
                try {
                    long started = System.nanoTime();
                    HttpResponse<String> answer = CLIENT.get(b.baseUrl(), "/jobs?ids=" + String.join(",", batch))
                            .get(10, TimeUnit.SECONDS);
                    if (answer.statusCode() == 200) {
                        for (JsonNode job : GatewayClient.parse(answer.body()).path("jobs")) {
                            history.saw(job.path("id").asText(), job, started);
                        }
                    } else if (answer.statusCode() == 503) {
                        history.unavailable(System.nanoTime());
                    } else {
                        history.errors.add(answer.statusCode() + " " + answer.body());
                    }
                } catch (Exception failed) {
                    history.failures.incrementAndGet();
                }
            }
            RealTime.passMillis(100);
        }
    }

    /**
     * Each webhook-id applied at most once, exactly one terminal change, and a version that counts exactly the applied
     * changes (one per accepted webhook, none twice, none lost after it was acknowledged).
     */
    private static void assertAppliedExactlyOnce(String id) {
        JsonNode job = CLIENT.getJson(b.baseUrl(), "/jobs/" + id);
        List<JsonNode> applied = CLIENT.events(b.baseUrl(), id).stream()
                .filter(e -> e.path("type").asText().equals("webhook_received"))
                .filter(e -> e.path("outcome").asText().equals("applied")).toList();
        List<String> webhookIds = applied.stream().map(e -> e.path("details").path("webhook_id").asText()).toList();
        assertThat(new HashSet<>(webhookIds)).as("webhook-ids applied to %s", id).hasSameSizeAs(webhookIds);
        assertThat(applied.stream().filter(e -> TERMINAL.contains(e.path("details").path("status").asText())))
                .as("terminal changes of %s", id).hasSize(1);
        assertThat(job.path("status").asText()).isEqualTo("succeeded");
        assertThat(job.path("completed_via").asText()).isEqualTo("webhook");
        assertThat(job.path("version").asLong()).as("version of %s", id).isEqualTo(1 + applied.size());
    }

    /** Submits through A, 50 at a time, all before any fault. */
    private List<String> submitAll(int count, java.util.function.IntFunction<String> body) {
        List<String> ids = new ArrayList<>();
        for (int from = 0; from < count; from += 50) {
            List<CompletableFuture<HttpResponse<String>>> submits = new ArrayList<>();
            for (int i = from; i < Math.min(count, from + 50); i++) {
                submits.add(CLIENT.submit(a.baseUrl(), body.apply(i), null));
            }
            for (CompletableFuture<HttpResponse<String>> submit : submits) {
                HttpResponse<String> response = submit.join();
                assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
                ids.add(GatewayClient.parse(response.body()).path("id").asText());
            }
        }
        return ids;
    }

    /** The master holding most of these jobs: the one whose failure hurts most. */
    private static int busiestMaster(List<String> ids) {
        Map<Integer, Integer> jobsByMaster = new HashMap<>();
        for (String id : ids) {
            jobsByMaster.merge(cluster.masterFor(jobKey(id)), 1, Integer::sum);
        }
        return Collections.max(jobsByMaster.entrySet(), Map.Entry.comparingByValue()).getKey();
    }

    private static String jobKey(String id) {
        return "jobgw:job:{" + id + "}";
    }

    record WaitOutcome(String id, String status, int unavailable) {
    }

    /** What the readers saw: every state (checked by {@link ReadHistory}) and when the store answered 503. */
    static final class History {
        final ReadHistory reads = new ReadHistory();
        final AtomicInteger unavailable = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();
        /** Answers other than 200 and 503: during a failover, any of them (a 500) is a bug. */
        final List<String> errors = Collections.synchronizedList(new ArrayList<>());
        private final AtomicLong first503 = new AtomicLong(Long.MAX_VALUE);
        private final AtomicLong last503 = new AtomicLong(Long.MIN_VALUE);

        void saw(String id, JsonNode job, long startedNanos) {
            reads.saw(id, job, startedNanos);
        }

        void unavailable(long at) {
            unavailable.incrementAndGet();
            first503.accumulateAndGet(at, Math::min);
            last503.accumulateAndGet(at, Math::max);
        }

        long first503Ms(long since) {
            return first503.get() == Long.MAX_VALUE ? -1 : TimeUnit.NANOSECONDS.toMillis(first503.get() - since);
        }

        long last503Ms(long since) {
            return last503.get() == Long.MIN_VALUE ? -1 : TimeUnit.NANOSECONDS.toMillis(last503.get() - since);
        }
    }
}
