package dev.jobgateway.chaos;

import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.outputs.SourceServer;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.GatewayClient;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.ReadHistory;
import dev.jobgateway.support.RealTime;
import dev.jobgateway.support.S3TestServer;
import dev.jobgateway.support.TcpBalancer;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The chaos run behind {@code bench/chaos.sh}: 1,000 jobs through three gateway processes (plain HTTP packaging)
 * behind a TCP balancer, on a local Redis Cluster (3 masters, 1 replica each), with every webhook sent three times in
 * shuffled order, a fifth of the jobs' webhooks dropped (the fallback must finish them), a master failing over
 * (frozen, then killed), a gateway instance killed with {@code kill -9} and the Redis host name failing to resolve
 * for a while, all while clients submit (with Idempotency-Key, retrying) and wait. Output storage is on (an S3Proxy),
 * and every {@value #HOSTILE_EVERY}th job finishes with a hostile output instead (a malformed or HTML data URL, a
 * source that trickles its bytes): each must end as its file should, and no copy may stay pending. It prints one
 * table: jobs lost, regressed, stuck, upstream checks per job, how the copies ended, and whether every instance
 * still serves at the end.
 * Bounded in count and time (about 3 minutes); traffic on 127.0.0.1 only.
 */
public final class ChaosRun {

    private static final String SECRET = WebhookSecrets.of("chaos-run-only-secret");
    private static final String API_KEY = "chaos-key";
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");
    private static final int JOBS = 1_000;
    private static final int SUBMITTERS = 8;
    private static final int SUBMITS_PER_SECOND = 40;
    private static final double DROPPED = 0.20;
    private static final int WAITING_EVERY = 5; // a client holds a wait on every 5th job
    private static final Duration FAILOVER_AT = Duration.ofSeconds(8);
    private static final Duration INSTANCE_KILL_AT = Duration.ofSeconds(16);
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(100);
    /** The name the instances reach Redis by; the run's hosts file resolves it, or, during the DNS failure, not. */
    private static final String REDIS_HOST = "redis.chaos.test";
    private static final Duration DNS_FAILURE_AT = Duration.ofSeconds(3);
    private static final Duration DNS_FAILURE_FOR = Duration.ofMillis(3_500);
    private static final int HOSTILE_EVERY = 20;

    private final Path jar;
    private final Path work;
    private final GatewayClient client = new GatewayClient(API_KEY, SECRET);
    private final Map<String, String> idByKey = new ConcurrentHashMap<>();
    private final Map<String, Boolean> dropped = new ConcurrentHashMap<>();
    private final ReadHistory observed = new ReadHistory();
    private final List<Long> waitLagsMs = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger submitRetries = new AtomicInteger();
    private final AtomicInteger waitRetries = new AtomicInteger();
    private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> hostileKind = new ConcurrentHashMap<>();
    private final AtomicInteger hostile500s = new AtomicInteger();
    private final java.net.http.HttpClient senderHttp = java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private S3TestServer s3;
    private SourceServer sources;
    private LocalRedisCluster cluster;
    private SimulatedAiServer ai;
    private TcpBalancer balancer;
    private final GatewayProcess[] instances = new GatewayProcess[3];
    private final int[] ports = new int[3];
    private Map<String, String> env;
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1"));
    private Path hostsFile;
    private long startedNanos;

    private ChaosRun(Path jar, Path work) {
        this.jar = jar;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path work = Path.of(args.length > 1 ? args[1] : "target/chaos");
        Files.createDirectories(work);
        int exit = new ChaosRun(jar, work).run();
        System.exit(exit);
    }

    private int run() throws Exception {
        cluster = LocalRedisCluster.start(3, 1, Duration.ofMillis(1500), List.of());
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET).deliveryAttempts(10);
        ai.start();
        for (int i = 0; i < ports.length; i++) {
            ports[i] = LocalRedisServer.freePort();
        }
        balancer = new TcpBalancer(List.of(ports[0], ports[1], ports[2]));
        env = GatewayProcess.env(cluster, ai.baseUri(), SECRET, API_KEY + "=chaos", balancer.baseUrl());
        env.put("GATEWAY_FALLBACK_CHECK_AFTER", "3s");
        env.put("GATEWAY_FALLBACK_CHECK_INTERVAL", "3s");
        env.put("GATEWAY_SWEEPER_EVERY", "1s");
        env.put("GATEWAY_JOBS_MAX_DURATION", "60s");
        // A submit cut off by the instance kill holds its Idempotency-Key this long before the client's retry may
        // claim it (hand-offs here take milliseconds; the default 60 s would stretch the run).
        env.put("GATEWAY_IDEMPOTENCY_LEASE", "10s");
        reachRedisByName();
        env.putAll(outputStorage());
        // -Dchaos.env.NAME=value adds to (or overrides) the instances' environment, to compare settings.
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("chaos.env."))
                .forEach(name -> env.put(name.substring("chaos.env.".length()), System.getProperty(name)));
        try {
            for (int i = 0; i < instances.length; i++) {
                instances[i] = start(i);
            }
            return chaos();
        } finally {
            for (GatewayProcess instance : instances) {
                if (instance != null) {
                    instance.close();
                }
            }
            balancer.close();
            ai.close();
            cluster.close();
            stopOutputStorage();
        }
    }

    private int chaos() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        AtomicBoolean sampling = new AtomicBoolean(true);
        startedNanos = System.nanoTime();
        CompletableFuture<Void> faults = CompletableFuture.runAsync(this::faults, threads);
        CompletableFuture<Void> sampler = CompletableFuture.runAsync(() -> sample(sampling), threads);
        List<CompletableFuture<Void>> submitters = new ArrayList<>();
        List<CompletableFuture<Void>> waiters = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        for (int s = 0; s < SUBMITTERS; s++) {
            submitters.add(CompletableFuture.runAsync(() -> {
                for (int n = next.getAndIncrement(); n < JOBS; n = next.getAndIncrement()) {
                    pace(n);
                    String id = n % HOSTILE_EVERY == HOSTILE_EVERY - 1 ? submitHostile(n, threads) : submit(n);
                    if (id != null && n % WAITING_EVERY == 0) {
                        waiters.add(CompletableFuture.runAsync(() -> waitUntilTerminal(id), threads));
                    }
                }
            }, threads));
        }
        CompletableFuture.allOf(submitters.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        log("all %d submits answered", JOBS);
        faults.get(2, TimeUnit.MINUTES);

        java.util.concurrent.atomic.AtomicReference<Map<String, JsonNode>> lastRead = new java.util.concurrent.atomic.AtomicReference<>(
                readAll());
        try {
            await().atMost(DRAIN_LIMIT).pollInterval(Duration.ofSeconds(1)).until(() -> lastRead.updateAndGet(
                    previous -> readAll()).values().stream().noneMatch(job -> job == null
                            || !TERMINAL.contains(job.path("status").asText())
                            || "pending".equals(job.path("output_storage").asText())));
        } catch (org.awaitility.core.ConditionTimeoutException stillDraining) {
            // reported below: the jobs not drained by the limit are the run's stuck jobs
        }
        Map<String, JsonNode> last = lastRead.get();
        log("drained");
        CompletableFuture.allOf(waiters.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        sampling.set(false);
        sampler.get(30, TimeUnit.SECONDS);
        threads.shutdownNow();
        return report(last);
    }

    /** Submits evenly over about 25 s. */
    private void pace(int n) {
        long due = startedNanos + TimeUnit.SECONDS.toNanos(1) * n / SUBMITS_PER_SECOND;
        long wait = due - System.nanoTime();
        if (wait > 0) {
            RealTime.passMillis(TimeUnit.NANOSECONDS.toMillis(wait));
        }
    }

    /** A careful client: the same Idempotency-Key until the gateway answers 202. Returns the job id, or null. */
    private String submit(int n) {
        String key = "chaos-" + n;
        boolean drop = ThreadLocalRandom.current().nextDouble() < DROPPED;
        long duration = 500 + ThreadLocalRandom.current().nextLong(3_500);
        String body = "{\"input\":{\"prompt\":\"chaos " + n + "\",\"simulate\":{\"duration_ms\":" + duration
                + ",\"progress_steps\":2,\"webhook\":\"" + (drop ? "drop" : "shuffled_duplicates") + "\"}}}";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                long started = System.nanoTime();
                HttpResponse<String> response = client.submit(balancer.baseUrl(), body, key)
                        .get(30, TimeUnit.SECONDS);
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    String id = GatewayClient.parse(response.body()).path("id").asText();
                    idByKey.put(key, id);
                    dropped.put(id, drop);
                    observed.saw(id, GatewayClient.parse(response.body()), started);
                    return id;
                }
            } catch (Exception failed) {
                // connection cut (instance killed) or timed out: the same key again
            }
            submitRetries.incrementAndGet();
            RealTime.passMillis(300);
        }
        return null;
    }

    private void waitUntilTerminal(String id) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
        while (System.nanoTime() < deadline) {
            try {
                long started = System.nanoTime();
                HttpResponse<String> answer = client.get(balancer.baseUrl(), "/jobs/" + id + "?wait=25")
                        .get(35, TimeUnit.SECONDS);
                if (answer.statusCode() == 200) {
                    JsonNode job = GatewayClient.parse(answer.body());
                    observed.saw(id, job, started);
                    if (TERMINAL.contains(job.path("status").asText())) {
                        waitLagsMs.add(Duration.between(Instant.parse(job.path("completed_at").asText()),
                                Instant.now()).toMillis());
                        return;
                    }
                    continue;
                }
            } catch (Exception failed) {
                // instance killed under the held read, or the store answered 503: ask again
            }
            waitRetries.incrementAndGet();
            RealTime.passMillis(300);
        }
    }

    private void faults() {
        try {
            dnsFailure();
            sleepUntil(FAILOVER_AT);
            // The master on the lowest port: if it is the first seed, the Redis client's slot-map refresh asks it
            // first, which makes this the hardest master to lose.
            int victim = cluster.masters().get(0);
            log("freezing master %d (SIGSTOP)%s", victim, victim == cluster.ports().get(0) ? ", the first seed" : "");
            cluster.pause(victim);
            RealTime.passMillis(2_000); // real time is the point: a master frozen for 2 s, then killed
            log("killing master %d (SIGKILL)", victim);
            cluster.kill(victim);
            cluster.awaitHealthy(Duration.ofSeconds(30));
            log("replica promoted, cluster_state:ok");

            sleepUntil(INSTANCE_KILL_AT);
            log("kill -9 gateway instance 2 (pid %d)", instances[1].pid());
            instances[1].kill();
            RealTime.passMillis(5_000); // real time is the point: 5 s on one instance before the old master returns
            cluster.restart(victim);
            log("old master %d restarted", victim);
            instances[1] = start(1);
            log("gateway instance 2 started again");
            cluster.awaitHealthy(Duration.ofSeconds(60));
            log("old master rejoined as a replica");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads every job through the balancer about once a second, so that any step backwards is seen. */
    private void sample(AtomicBoolean sampling) {
        while (sampling.get()) {
            readAll();
            RealTime.passMillis(1_000);
        }
    }

    private Map<String, JsonNode> readAll() {
        List<String> ids = new ArrayList<>(idByKey.values());
        Map<String, JsonNode> jobs = new HashMap<>();
        for (int from = 0; from < ids.size(); from += 50) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + 50));
            try {
                long started = System.nanoTime();
                HttpResponse<String> answer = client.get(balancer.baseUrl(), "/jobs?ids=" + String.join(",", batch))
                        .get(10, TimeUnit.SECONDS);
                if (answer.statusCode() == 200) {
                    JsonNode body = GatewayClient.parse(answer.body());
                    for (JsonNode job : body.path("jobs")) {
                        observed.saw(job.path("id").asText(), job, started);
                        jobs.put(job.path("id").asText(), job);
                    }
                    for (JsonNode missing : body.path("not_found")) {
                        jobs.put(missing.asText(), null);
                    }
                }
            } catch (Exception failed) {
                // a fault in progress; the next round reads again
            }
        }
        for (String id : ids) {
            jobs.putIfAbsent(id, null);
        }
        return jobs;
    }

    private int report(Map<String, JsonNode> last) throws Exception {
        int acknowledged = idByKey.size();
        List<String> lost = new ArrayList<>();
        List<String> stuck = new ArrayList<>();
        Map<String, Integer> completedVia = new TreeMap<>();
        int doubleApplied = 0;
        for (String id : idByKey.values()) {
            long started = System.nanoTime();
            HttpResponse<String> read = client.get(balancer.baseUrl(), "/jobs/" + id).get(10, TimeUnit.SECONDS);
            if (read.statusCode() == 404) {
                lost.add(id);
                continue;
            }
            JsonNode job = GatewayClient.parse(read.body());
            observed.saw(id, job, started);
            if (!TERMINAL.contains(job.path("status").asText())) {
                stuck.add(id + " " + job.path("status").asText());
            }
            completedVia.merge(job.path("completed_via").asText("none") + (dropped.get(id) ? " (webhooks dropped)"
                    : ""), 1, Integer::sum);
            List<JsonNode> events = client.events(balancer.baseUrl(), id);
            List<String> appliedIds = events.stream()
                    .filter(e -> e.path("type").asText().equals("webhook_received")
                            && e.path("outcome").asText().equals("applied"))
                    .map(e -> e.path("details").path("webhook_id").asText()).toList();
            if (new HashSet<>(appliedIds).size() != appliedIds.size()) {
                doubleApplied++;
            }
        }
        int droppedJobs = (int) dropped.values().stream().filter(d -> d).count();
        List<Long> lags = new ArrayList<>(waitLagsMs);
        Collections.sort(lags);
        double checksPerJob = (double) ai.statusCalls() / acknowledged;
        StringBuilder table = new StringBuilder();
        table.append("| measure | value |\n|---|---|\n");
        row(table, "jobs submitted (each acknowledged 202 once, Idempotency-Key retried until then)",
                acknowledged + " of " + JOBS);
        row(table, "**jobs lost** (acknowledged, then unknown)", Integer.toString(lost.size()));
        row(table, "**jobs regressed** (a version going down or a terminal job changing, seen by any reader)",
                Integer.toString(observed.regressedJobs().size()));
        row(table, "**jobs stuck** (not terminal at the end)", Integer.toString(stuck.size()));
        row(table, "**upstream checks per job** (AI-server status calls / jobs)",
                String.format("%.2f (%d calls; jobs with dropped webhooks: %d)", checksPerJob, ai.statusCalls(),
                        droppedJobs));
        row(table, "webhook-ids applied twice to one job", Integer.toString(doubleApplied));
        row(table, "hand-offs to the AI server per job", String.format("%.3f (%d submits received)",
                (double) ai.submitAttempts() / acknowledged, ai.submitAttempts()));
        row(table, "completed via", completedVia.toString());
        row(table, "webhooks re-sent by the AI server after a 5xx or a cut connection / given up",
                ai.deliveryRetries() + " / " + ai.deliveriesGivenUp());
        row(table, "submits sent again by clients / held reads asked again", submitRetries.get() + " / "
                + waitRetries.get());
        if (!lags.isEmpty()) {
            row(table, "held reads: answered after completion (ms, p50 / p99 / max, " + lags.size() + " waits)",
                    lags.get(lags.size() / 2) + " / " + lags.get((int) Math.min(lags.size() - 1, lags.size() * 0.99))
                            + " / " + lags.get(lags.size() - 1));
        }
        OutputsSeen outputs = outputRows(table, last);
        int notServing = servingRow(table);
        int serving = instancesServing(idByKey.values().iterator().next());
        row(table, "**instances serving at the end** (a job read straight from each, not through the balancer)",
                serving + " of " + instances.length);
        row(table, "duration", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startedNanos) + " s");
        String result = "# Chaos run " + LocalDate.now() + "\n\n" + table + "\nFaults and milestones (s since the "
                + "first submit):\n\n" + String.join("\n", timeline.stream().map(line -> "- " + line).toList())
                + "\n" + (lost.isEmpty() && stuck.isEmpty() && observed.regressions().isEmpty() ? ""
                        : "\nLost: " + lost + "\nStuck: " + stuck + "\nRegressed: " + observed.regressions() + "\n");
        Files.writeString(work.resolve("result.md"), result);
        System.out.println(result);
        return lost.isEmpty() && stuck.isEmpty() && observed.regressions().isEmpty() && doubleApplied == 0
                && outputs.fine() && notServing == 0
                && serving == instances.length ? 0 : 1;
    }

    // --- output storage: hostile outputs in the mix (issue 24) -------------------------------------------------

    /** What the copies came to: none left pending, every hostile output ended as its file should. */
    private record OutputsSeen(int pending, int unexpected, int answered500) {

        boolean fine() {
            return pending == 0 && unexpected == 0 && answered500 == 0;
        }
    }

    /**
     * Starts an S3Proxy and a source that trickles its bytes, and returns the instances' output-storage settings:
     * short deadlines and few attempts, so that a trickling source's copy ends (failed) within the run.
     */
    private Map<String, String> outputStorage() throws Exception {
        s3 = S3TestServer.start();
        sources = SourceServer.start(Duration.ofMillis(300));
        Map<String, String> settings = new HashMap<>();
        s3.gatewaySettings().forEach((name, value) -> settings.put(name.toUpperCase().replace('.', '_')
                .replace('-', '_'), value));
        settings.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
        settings.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
        settings.put("GATEWAY_OUTPUTS_ALLOW_PRIVATE_SOURCES", "true"); // everything here is on 127.0.0.1
        settings.put("GATEWAY_OUTPUTS_FILE_TIMEOUT", "2s");
        settings.put("GATEWAY_OUTPUTS_JOB_TIMEOUT", "4s");
        settings.put("GATEWAY_OUTPUTS_MAX_ATTEMPTS", "3");
        settings.put("GATEWAY_OUTPUTS_RETRY_BACKOFF", "1s");
        settings.put("GATEWAY_OUTPUTS_MAX_RETRY_BACKOFF", "2s");
        return settings;
    }

    private void stopOutputStorage() throws Exception {
        if (sources != null) {
            sources.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    /**
     * A job the simulated AI server holds (its webhooks dropped, 20 s long) and that a signed webhook of ours finishes
     * about half a second later with a hostile output, sent like an AI server sends: again until answered 2xx.
     */
    private String submitHostile(int n, ExecutorService threads) {
        String key = "chaos-" + n;
        String kind = List.of("malformed_svg", "broken_base64", "html", "trickle").get((n / HOSTILE_EVERY) % 4);
        String body = "{\"input\":{\"prompt\":\"chaos " + n + "\",\"simulate\":{\"duration_ms\":20000,"
                + "\"progress_steps\":0,\"webhook\":\"drop\"}}}";
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            try {
                long started = System.nanoTime();
                HttpResponse<String> response = client.submit(balancer.baseUrl(), body, key).get(30, TimeUnit.SECONDS);
                if (response.statusCode() == 202 || response.statusCode() == 200) {
                    String id = GatewayClient.parse(response.body()).path("id").asText();
                    idByKey.put(key, id);
                    dropped.put(id, false);
                    hostileKind.put(id, kind);
                    observed.saw(id, GatewayClient.parse(response.body()), started);
                    threads.execute(() -> sendHostileOutput(id, kind));
                    return id;
                }
            } catch (Exception failed) {
                // connection cut (instance killed) or timed out: the same key again
            }
            submitRetries.incrementAndGet();
            RealTime.passMillis(300);
        }
        return null;
    }

    private void sendHostileOutput(String id, String kind) {
        RealTime.passMillis(500);
        String url = switch (kind) {
            case "malformed_svg" -> "data:image/svg+xml;utf8,<svg width='100%'>";
            case "broken_base64" -> "data:image/png;base64,AAAA=AAAA";
            case "html" -> "data:text/html,<script>alert(document.domain)</script>";
            default -> sources.url("/trickle-headers?" + id);
        };
        String webhookId = "msg_hostile_" + id;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                // A job whose hand-off an instance kill cut off has no AI-server id recorded; the webhook to its own
                // URL is still admitted (the AI server knows its id; this sender only reads it from the timeline).
                String externalId = client.externalId(balancer.baseUrl(), id);
                int status = postSigned(id, webhookId, "{\"job_id\":\"" + (externalId == null ? "unrecorded"
                        : externalId) + "\",\"status\":\"succeeded\",\"output\":{\"images\":[{\"url\":\""
                        + url + "\"}]}}");
                if (status == 500) {
                    hostile500s.incrementAndGet();
                }
                if (status < 300) {
                    return;
                }
            } catch (Exception failed) {
                // an instance killed or the store failing over: send again
            }
            RealTime.passMillis(500);
        }
    }

    private int postSigned(String jobId, String webhookId, String json) throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                balancer.baseUrl() + "/webhooks/generic/" + jobId))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header(StandardWebhook.ID_HEADER, webhookId)
                .header(StandardWebhook.TIMESTAMP_HEADER, Long.toString(now))
                .header(StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(SECRET, webhookId, now, bytes))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes)).build();
        return senderHttp.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    /** Rows on the copies: how they ended, and every hostile output's end against what it should be. */
    private OutputsSeen outputRows(StringBuilder table, Map<String, JsonNode> last) {
        Map<String, Integer> storage = new TreeMap<>();
        int pending = 0;
        for (JsonNode job : last.values()) {
            if (job != null && job.path("status").asText().equals("succeeded")) {
                String state = job.path("output_storage").asText("none");
                storage.merge(state, 1, Integer::sum);
                pending += state.equals("pending") ? 1 : 0;
            }
        }
        Map<String, String> ended = new TreeMap<>();
        int unexpected = 0;
        for (Map.Entry<String, String> hostile : hostileKind.entrySet()) {
            JsonNode job = last.get(hostile.getKey());
            String kind = hostile.getValue();
            String file = job == null ? "unread"
                    : job.path("status").asText() + "/"
                            + job.path("output_files").path(0).path("state").asText("none") + "/"
                            + job.path("output_files").path(0).path("content_type").asText("-");
            ended.merge(kind + " → " + file, "1", (a, b) -> Integer.toString(Integer.parseInt(a) + 1));
            String expected = switch (kind) {
                case "html" -> "succeeded/stored/application/octet-stream";
                case "trickle" -> "succeeded/failed/-";
                default -> "succeeded/failed/-";
            };
            if (!file.equals(expected)) {
                unexpected++;
            }
        }
        row(table, "output copies of succeeded jobs, by how they ended", storage.toString());
        row(table, "**output copies still pending at the end**", Integer.toString(pending));
        row(table, "hostile outputs (every " + HOSTILE_EVERY + "th job: status/file state/stored type)",
                ended.toString());
        row(table, "**hostile outputs ending otherwise than their file should** / their webhooks answered 500",
                unexpected + " / " + hostile500s.get());
        return new OutputsSeen(pending, unexpected, hostile500s.get());
    }

    /** A row on whether every instance still answers its readiness check; the number that does not. */
    private int servingRow(StringBuilder table) {
        List<String> states = new ArrayList<>();
        int notServing = 0;
        for (int i = 0; i < instances.length; i++) {
            int status;
            try {
                status = senderHttp.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                        instances[i].baseUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (Exception e) {
                status = 0;
            }
            states.add("instance " + (i + 1) + ": " + (status == 0 ? "no answer" : status));
            notServing += status == 200 ? 0 : 1;
        }
        row(table, "instances ready at the end (`/q/health/ready`)", String.join(", ", states));
        return notServing;
    }

    private static void row(StringBuilder table, String name, String value) {
        table.append("| ").append(name).append(" | ").append(value).append(" |\n");
    }

    /**
     * The instances reach the cluster's nodes by a host name, {@link #REDIS_HOST}, which a hosts file of the run's own
     * resolves: the gateway resolves Redis hosts with the JDK's resolver (Quarkus' default,
     * {@code quarkus.vertx.use-async-dns=false}), which {@code -Djdk.net.hosts.file} points at that file alone, read at
     * every lookup. A lookup is cached 1 s (a short DNS TTL); a failed one 10 s, the JDK's default
     * ({@code networkaddress.cache.negative.ttl} in java.security), as in production. Every new connection resolves
     * the name: the shared connection's, the pool's, the cluster client's to its seeds, the change feed's.
     */
    private void reachRedisByName() throws Exception {
        hostsFile = work.resolve("hosts").toAbsolutePath();
        writeHosts(true);
        env.put("REDIS_URL", cluster.hosts().replace("127.0.0.1", REDIS_HOST));
        jvmOptions.addAll(List.of("-Djdk.net.hosts.file=" + hostsFile, "-Dsun.net.inetaddr.ttl=1"));
    }

    private void writeHosts(boolean withRedis) throws Exception {
        Path next = hostsFile.resolveSibling("hosts.next");
        // The machine's own name too: with jdk.net.hosts.file the file is all the JVM resolves.
        Files.writeString(next, "127.0.0.1 localhost " + machineName() + "\n"
                + (withRedis ? "127.0.0.1 " + REDIS_HOST + "\n" : ""));
        Files.move(next, hostsFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String machineName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * The Redis host name stops resolving on every instance for a while (a DNS blip in a VPC), then resolves again.
     * Half a second in, every node drops the instances' connections (as a node restart or a network blip does), so
     * that every instance must connect again, by name, while the name does not resolve: the shared connection, the
     * pool, the cluster client's slot map and the change feed alike.
     */
    private void dnsFailure() throws Exception {
        sleepUntil(DNS_FAILURE_AT);
        log("DNS failure: %s stops resolving for %d ms", REDIS_HOST, DNS_FAILURE_FOR.toMillis());
        writeHosts(false);
        RealTime.passMillis(500); // real time is the point: the name stays unresolvable for the whole span
        int dropped = 0;
        for (int port : cluster.ports()) {
            // normal and pubsub clients: the instances' connections; replication links and the cluster bus stay
            dropped += ((Long) cluster.call(port, "CLIENT", "KILL", "TYPE", "normal")).intValue();
            dropped += ((Long) cluster.call(port, "CLIENT", "KILL", "TYPE", "pubsub")).intValue();
        }
        log("every node dropped its client connections (%d) while %s does not resolve", dropped, REDIS_HOST);
        RealTime.passMillis(DNS_FAILURE_FOR.toMillis() - 500);
        writeHosts(true);
        log("DNS resolves %s again", REDIS_HOST);
    }

    /** Instances that answer a read of {@code id} with 200, each asked directly (a few tries over 10 s). */
    private int instancesServing(String id) {
        int serving = 0;
        for (int i = 0; i < instances.length; i++) {
            String base = "http://127.0.0.1:" + ports[i];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                try {
                    answered = client.get(base, "/jobs/" + id).get(5, TimeUnit.SECONDS).statusCode() == 200;
                } catch (Exception notYet) {
                    // asked again below
                }
                if (!answered) {
                    RealTime.passMillis(500);
                }
            }
            if (answered) {
                serving++;
            } else {
                log("instance %d does not serve a read at the end", i + 1);
            }
        }
        return serving;
    }

    private GatewayProcess start(int i) throws Exception {
        GatewayProcess instance = GatewayProcess.start(jar, ports[i], env, work.resolve("gateway-" + (i + 1) + ".log"),
                jvmOptions);
        instance.awaitReady(Duration.ofSeconds(60));
        return instance;
    }

    private void log(String format, Object... args) {
        String line = String.format("%5.1f ", (System.nanoTime() - startedNanos) / 1e9) + String.format(format, args);
        timeline.add(line);
        System.out.println("[chaos] " + line);
    }

    private void sleepUntil(Duration sinceStart) {
        long wait = startedNanos + sinceStart.toNanos() - System.nanoTime();
        if (wait > 0) {
            RealTime.passMillis(TimeUnit.NANOSECONDS.toMillis(wait));
        }
    }

}
