package dev.jobgateway.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.webhook.StandardWebhook;

/**
 * The benchmark harness behind {@code bench/run.sh}: its own Redis, the simulated AI server and two gateway
 * processes (plain HTTP packaging) on 127.0.0.1, five scenarios, and a results file with a chart. Bounded in
 * count and time; sends traffic only to loopback.
 */
public final class Benchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec_" + Base64.getEncoder()
            .encodeToString("benchmark-only-secret-0001".getBytes(StandardCharsets.UTF_8));
    private static final String API_KEY = "bench-key";
    private static final int LATENCY_JOBS = 1_000;
    private static final int POLLING_JOBS = 200;
    private static final int WAIT_JOBS = 2_000;
    private static final int WAITERS_PER_JOB = 5;
    private static final int WRK_SECONDS = 10;
    private static final int REDIS_BENCHMARK_REQUESTS = 300_000;
    private static final int INGEST_SECONDS = 5;
    private static final int WARM_UP_SECONDS = 4;

    private final Path jar;
    private final Path work;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(4)).connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, String> results = new LinkedHashMap<>();
    private final StringBuilder notes = new StringBuilder();
    private LocalRedisServer redis;
    private SimulatedAiServer ai;
    private GatewayProcess a;
    private GatewayProcess b;
    private double[] webhookFirstMs;
    private double[] poll1sMs;
    private double[] poll3sMs;

    private Benchmark(Path jar, Path work) {
        this.jar = jar;
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path resultsDir = Path.of(args[1]);
        Path work = Path.of(args.length > 2 ? args[2] : "target/bench");
        new Benchmark(jar, work).run(resultsDir);
        System.exit(0);
    }

    private void run(Path resultsDir) throws Exception {
        redis = LocalRedisServer.startOnFreePort();
        ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET);
        ai.start();
        try {
            startup();
            int portA = LocalRedisServer.freePort();
            int portB = LocalRedisServer.freePort();
            a = GatewayProcess.start(jar, portA, env(portB), work.resolve("gateway-a.log"), jvmOptions());
            b = GatewayProcess.start(jar, portB, env(portB), work.resolve("gateway-b.log"), jvmOptions());
            a.awaitReady(Duration.ofSeconds(60));
            b.awaitReady(Duration.ofSeconds(60));
            warmUp();
            completionLatency();
            polling();
            statusThroughput();
            webhookIngest();
            concurrentWaits();
        } finally {
            if (a != null) {
                a.close();
            }
            if (b != null) {
                b.close();
            }
            ai.stop();
            redis.stop();
        }
        write(resultsDir);
    }

    // ---- scenarios ------------------------------------------------------------------------------------------

    /** Scenario 5: process start to first answered request, several runs. */
    private void startup() throws Exception {
        List<Double> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int port = LocalRedisServer.freePort();
            try (GatewayProcess gateway = GatewayProcess.start(jar, port, env(port), work.resolve("startup.log"),
                    jvmOptions())) {
                runs.add(gateway.awaitReady(Duration.ofSeconds(60)).toNanos() / 1e6);
            }
        }
        double[] ms = runs.stream().mapToDouble(Double::doubleValue).toArray();
        results.put("startup_ms_runs", Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v)).toArray()));
        results.put("startup_ms_median", fmt(percentile(ms, 50)));
    }

    /** The JIT compiles what runs hot: run every measured path a while first, so the figures are not its work. */
    private void warmUp() throws Exception {
        wakeups(500, 8);
    }

    /**
     * Scenario 1: 1,000 waits held on A, their webhooks delivered to B. The webhook's arrival on B lies between
     * the moment the benchmark sends it and the moment B acknowledges it, so both are measured against the wait's
     * answer on A. Run once with one webhook at a time (the latency) and once with 8 in flight (under load); the
     * first run also times a request that touches no Redis (401 from A), the floor of this machine and client.
     */
    private void completionLatency() throws Exception {
        Wakeups calm = wakeups(LATENCY_JOBS, 1);
        webhookFirstMs = calm.fromSend();
        results.put("wakeup_jobs_completed", calm.fromSend().length + " / " + LATENCY_JOBS);
        putDistribution("wakeup_ms", calm.fromSend());
        putDistribution("wakeup_after_ack_ms", calm.fromAck());
        putDistribution("webhook_rtt_ms", calm.webhookRtt());
        putDistribution("floor_rtt_ms", calm.floor());
        Wakeups loaded = wakeups(LATENCY_JOBS, 8);
        results.put("wakeup_8_in_flight_jobs_completed", loaded.fromSend().length + " / " + LATENCY_JOBS);
        putDistribution("wakeup_8_in_flight_ms", loaded.fromSend());
        putDistribution("wakeup_8_in_flight_after_ack_ms", loaded.fromAck());
        results.put("wakeup_8_in_flight_webhooks_per_s", fmt(loaded.webhooksPerSecond()));
        results.put("webhook_first_requests_per_job", "1 (one long-poll)");
    }

    record Wakeups(double[] fromSend, double[] fromAck, double[] webhookRtt, double[] floor,
            double webhooksPerSecond) {
    }

    private Wakeups wakeups(int jobs, int webhooksInFlight) throws Exception {
        List<String> ids = submitMany(a, jobs, "\"webhook\":\"drop\",\"duration_ms\":600000");
        Map<String, String> external = externalIds(ids);
        Map<String, Long> answeredAt = new ConcurrentHashMap<>();
        Map<String, CompletableFuture<?>> waits = new LinkedHashMap<>();
        for (String id : ids) {
            waits.put(id, send(a, "GET", "/jobs/" + id + "?wait=25", null).thenAccept(response -> {
                if (status(response.body()).equals("succeeded")) {
                    answeredAt.put(id, System.nanoTime());
                }
            }));
        }
        Thread.sleep(1500);
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        List<Double> floor = new ArrayList<>();
        Semaphore inFlight = new Semaphore(webhooksInFlight);
        List<CompletableFuture<?>> webhooks = new ArrayList<>();
        long webhookStart = System.nanoTime();
        for (String id : ids) {
            inFlight.acquire();
            sentAt.put(id, System.nanoTime());
            CompletableFuture<?> webhook = webhook(b, id, external.get(id), "succeeded", null)
                    .whenComplete((r, e) -> {
                        ackedAt.put(id, System.nanoTime());
                        inFlight.release();
                    });
            webhooks.add(webhook);
            if (webhooksInFlight == 1) {
                webhook.get(10, TimeUnit.SECONDS);
                waits.get(id).get(30, TimeUnit.SECONDS);
                long start = System.nanoTime();
                HttpResponse<String> refused = anonymous(a, "/jobs/" + id).get(10, TimeUnit.SECONDS);
                if (refused.statusCode() == 401) {
                    floor.add((System.nanoTime() - start) / 1e6);
                }
            }
        }
        CompletableFuture.allOf(webhooks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        double webhookSeconds = (System.nanoTime() - webhookStart) / 1e9;
        CompletableFuture.allOf(waits.values().toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<String> answered = ids.stream().filter(answeredAt::containsKey).toList();
        return new Wakeups(
                answered.stream().mapToDouble(id -> (answeredAt.get(id) - sentAt.get(id)) / 1e6).sorted().toArray(),
                answered.stream().mapToDouble(id -> (answeredAt.get(id) - ackedAt.get(id)) / 1e6).sorted().toArray(),
                ids.stream().mapToDouble(id -> (ackedAt.get(id) - sentAt.get(id)) / 1e6).sorted().toArray(),
                floor.stream().mapToDouble(Double::doubleValue).sorted().toArray(),
                ids.size() / webhookSeconds);
    }

    /** Scenario 1, the seed's approach: clients polling every 1 s and 3 s; added latency and requests per job. */
    private void polling() throws Exception {
        poll1sMs = pollingRun(1000, "poll_1s");
        poll3sMs = pollingRun(3000, "poll_3s");
        results.put("ratio_added_latency_poll3s_to_webhook_p50",
                fmt(percentile(poll3sMs, 50) / percentile(webhookFirstMs, 50)) + "x");
        results.put("ratio_added_latency_poll3s_to_webhook_mean",
                fmt(mean(poll3sMs) / mean(webhookFirstMs)) + "x");
    }

    private double[] pollingRun(long intervalMs, String name) throws Exception {
        List<String> ids = submitMany(a, POLLING_JOBS, "\"webhook\":\"drop\",\"duration_ms\":600000");
        Map<String, String> external = externalIds(ids);
        ScheduledExecutorService timers = Executors.newScheduledThreadPool(4);
        Map<String, Long> completedAt = new ConcurrentHashMap<>();
        Map<String, Long> seenAt = new ConcurrentHashMap<>();
        AtomicInteger requests = new AtomicInteger();
        CompletableFuture<?>[] done = new CompletableFuture<?>[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            long jobDurationMs = ThreadLocalRandom.current().nextLong(1000, 7000);
            timers.schedule(() -> {
                completedAt.put(id, System.nanoTime());
                webhook(b, id, external.get(id), "succeeded", null).join();
            }, jobDurationMs, TimeUnit.MILLISECONDS);
            CompletableFuture<Void> finished = new CompletableFuture<>();
            done[i] = finished;
            Runnable poll = new Runnable() {
                @Override
                public void run() {
                    requests.incrementAndGet();
                    send(a, "GET", "/jobs/" + id, null).thenAccept(response -> {
                        if (status(response.body()).equals("succeeded")) {
                            seenAt.put(id, System.nanoTime());
                            finished.complete(null);
                        } else {
                            timers.schedule(this, intervalMs, TimeUnit.MILLISECONDS);
                        }
                    });
                }
            };
            timers.schedule(poll, ThreadLocalRandom.current().nextLong(0, intervalMs), TimeUnit.MILLISECONDS);
        }
        CompletableFuture.allOf(done).get(60, TimeUnit.SECONDS);
        timers.shutdownNow();
        double[] added = ids.stream().mapToDouble(id -> (seenAt.get(id) - completedAt.get(id)) / 1e6).sorted()
                .toArray();
        putDistribution(name + "_added_ms", added);
        results.put(name + "_requests_per_job", fmt((double) requests.get() / ids.size()));
        return added;
    }

    /**
     * Scenario 2: GET /jobs/{id} and a 304 conditional read under wrk, against HGETALL under redis-benchmark, with
     * the CPU each process spent per request (from /proc), since on one shared machine CPU is what bounds them.
     */
    private void statusThroughput() throws Exception {
        String id = submitMany(a, 1, "\"webhook\":\"deliver\",\"duration_ms\":10").get(0);
        get(a, "/jobs/" + id + "?wait=5");
        JsonNode job = JSON.readTree(get(a, "/jobs/" + id));
        String etag = "\"" + job.path("version").asText() + "\"";
        String url = a.baseUrl() + "/jobs/" + id;
        long redisPid = Long.parseLong(redisCli("INFO", "server").lines()
                .filter(line -> line.startsWith("process_id:")).findFirst().orElseThrow().substring(11).trim());
        wrk(url, null, WARM_UP_SECONDS);
        double cpuBefore = cpuMs(a.pid());
        double plain = wrk(url, null);
        double cpuPlain = cpuMs(a.pid()) - cpuBefore;
        cpuBefore = cpuMs(a.pid());
        double conditional = wrk(url, "If-None-Match: " + etag);
        // The HTTP stack's own ceiling here: a read refused by the API-key filter, before any Redis command.
        wrk(url, null, WARM_UP_SECONDS, false);
        double refused = wrk(url, null, WRK_SECONDS, false);
        double cpuConditional = cpuMs(a.pid()) - cpuBefore;
        double redisCpuBefore = cpuMs(redisPid);
        double ceiling = redisBenchmark("HGETALL", "jobgw:job:{" + id + "}");
        double redisCpu = cpuMs(redisPid) - redisCpuBefore;
        results.put("status_rps_200", fmt(plain));
        results.put("status_rps_304", fmt(conditional));
        results.put("redis_hgetall_rps_ceiling", fmt(ceiling));
        results.put("ratio_status_200_to_redis", fmt(plain / ceiling));
        results.put("ratio_status_304_to_redis", fmt(conditional / ceiling));
        results.put("status_rps_401_no_redis", fmt(refused));
        results.put("ratio_status_401_no_redis_to_redis", fmt(refused / ceiling));
        results.put("status_gateway_cores_busy_200", fmt(cpuPlain / (WRK_SECONDS * 1000.0)));
        results.put("status_gateway_cpu_us_per_request_200", fmt(cpuPlain * 1000 / (plain * WRK_SECONDS)));
        results.put("status_gateway_cpu_us_per_request_304", fmt(cpuConditional * 1000
                / (conditional * WRK_SECONDS)));
        results.put("redis_cpu_us_per_hgetall", fmt(redisCpu * 1000 / REDIS_BENCHMARK_REQUESTS));
    }

    /** Scenario 3: signed webhooks per second on one instance, each a verified signature plus a transition. */
    private void webhookIngest() throws Exception {
        // A first run on other jobs warms the path up; the measured one sends webhooks no run has sent before.
        Path warmUp = signedWebhooks(submitMany(a, 100, "\"webhook\":\"drop\",\"duration_ms\":600000"), 400,
                work.resolve("webhooks-warm-up.tsv"));
        replay(warmUp, WARM_UP_SECONDS);
        int jobs = 200;
        int perJob = 500;
        List<String> ids = submitMany(a, jobs, "\"webhook\":\"drop\",\"duration_ms\":600000");
        Path file = signedWebhooks(ids, perJob, work.resolve("webhooks.tsv"));
        int prepared = jobs * perJob;
        long versionsBefore = versions(ids);
        double cpuBefore = cpuMs(b.pid());
        String out = replay(file, INGEST_SECONDS);
        double cpu = cpuMs(b.pid()) - cpuBefore;
        long sent = Long.parseLong(match(out, "(\\d+) requests in"));
        String non2xx = match(out, "Non-2xx or 3xx responses: (\\d+)");
        double rps = Double.parseDouble(match(out, "Requests/sec:\\s+([0-9.]+)"));
        long applied = versions(ids) - versionsBefore;
        results.put("webhook_ingest_rps", fmt(rps));
        results.put("webhook_ingest_completed", sent + " in " + INGEST_SECONDS + " s (of " + prepared
                + " signed; none sent twice: " + (sent + 64 <= prepared ? "yes" : "no") + ")");
        results.put("webhook_ingest_non_2xx", non2xx == null ? "0" : non2xx);
        if (sent + 64 > prepared) {
            throw new IllegalStateException("wrk sent " + sent + " of " + prepared + " webhooks: sign more");
        }
        results.put("webhook_ingest_applied", applied + " (version steps, including requests still in flight "
                + "when wrk stopped; a progress webhook overtaken by a later one is ignored)");
        results.put("webhook_ingest_gateway_cpu_us_per_webhook", fmt(cpu * 1000 / sent));
        results.put("webhook_ingest_gateway_cores_busy", fmt(cpu / (INGEST_SECONDS * 1000.0)));
        double ceiling = Double.parseDouble(results.get("redis_hgetall_rps_ceiling"));
        results.put("ratio_webhook_ingest_to_redis", fmt(rps / ceiling));
    }

    /** Progress webhooks for the jobs, {@code perJob} each, signed in advance for wrk (bench/webhooks.lua). */
    private Path signedWebhooks(List<String> ids, int perJob, Path file) throws Exception {
        Map<String, String> external = externalIds(ids);
        try (var out = Files.newBufferedWriter(file)) {
            for (int k = 1; k <= perJob; k++) {
                for (String id : ids) {
                    Object[] w = signedWebhook(id, external.get(id), "running", (double) k / (perJob + 1));
                    out.write(w[0] + "\t" + w[2] + "\t" + w[3] + "\t" + w[4] + "\t"
                            + new String((byte[]) w[1], StandardCharsets.UTF_8) + "\n");
                }
            }
        }
        return file;
    }

    private String replay(Path file, int seconds) throws Exception {
        List<String> command = List.of("wrk", "-t2", "-c64", "-d" + seconds + "s", "-s",
                Path.of("bench", "webhooks.lua").toString(), b.baseUrl(), "--", file.toString(), "2");
        String out = exec(command);
        notes.append("\n```\n$ ").append(String.join(" ", command)).append('\n').append(out.strip()).append("\n```\n");
        return out;
    }

    /** The sum of the jobs' versions (each applied change adds one), read with the batch API, 50 ids a call. */
    private long versions(List<String> ids) throws Exception {
        long sum = 0;
        for (int from = 0; from < ids.size(); from += 50) {
            String batch = String.join(",", ids.subList(from, Math.min(ids.size(), from + 50)));
            for (JsonNode job : JSON.readTree(get(a, "/jobs?ids=" + batch)).path("jobs")) {
                sum += job.path("version").asLong();
            }
        }
        return sum;
    }

    private static String match(String text, String regex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }

    /** Scenario 4: 10,000 open waits on one instance; memory, Redis connections and release latency. */
    private void concurrentWaits() throws Exception {
        List<String> ids = submitMany(a, WAIT_JOBS, "\"webhook\":\"drop\",\"duration_ms\":600000");
        Map<String, String> external = externalIds(ids);
        long heapBefore = a.heapUsedAfterGcKiB();
        long rssBefore = a.rssKiB();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Double> release = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger released = new AtomicInteger();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (String id : ids) {
            for (int w = 0; w < WAITERS_PER_JOB; w++) {
                waits.add(send(a, "GET", "/jobs/" + id + "?wait=25", null).thenAccept(response -> {
                    Long sent = sentAt.get(id);
                    if (sent != null && status(response.body()).equals("succeeded")) {
                        release.add((System.nanoTime() - sent) / 1e6);
                        released.incrementAndGet();
                    }
                }));
            }
        }
        Thread.sleep(4000);
        long heapDuring = a.heapUsedAfterGcKiB();
        long rssDuring = a.rssKiB();
        String connectionsA = redisConnectionsOf(a.pid());
        int totalClients = redisCli("CLIENT", "LIST").split("\n").length;
        Semaphore inFlight = new Semaphore(16);
        long firstWebhook = System.nanoTime();
        for (String id : ids) {
            inFlight.acquire();
            sentAt.put(id, System.nanoTime());
            webhook(b, id, external.get(id), "succeeded", null).whenComplete((r, e) -> inFlight.release());
        }
        double webhooksSentMs = (System.nanoTime() - firstWebhook) / 1e6;
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        double allReleasedMs = (System.nanoTime() - firstWebhook) / 1e6;
        results.put("waits_open", Integer.toString(ids.size() * WAITERS_PER_JOB));
        results.put("waits_released_with_result", released.get() + " / " + ids.size() * WAITERS_PER_JOB);
        results.put("waits_heap_used_after_gc_mib_before_during",
                fmt(heapBefore / 1024.0) + " -> " + fmt(heapDuring / 1024.0));
        results.put("waits_rss_mib_before_during", fmt(rssBefore / 1024.0) + " -> " + fmt(rssDuring / 1024.0));
        results.put("waits_redis_connections_instance_a", connectionsA);
        results.put("waits_redis_clients_total_incl_b_and_cli", Integer.toString(totalClients));
        putDistribution("waits_release_ms", release.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        results.put("waits_webhooks_sent_within_ms", fmt(webhooksSentMs));
        results.put("waits_all_released_within_ms", fmt(allReleasedMs));
    }

    // ---- HTTP ---------------------------------------------------------------------------------------------

    private List<String> submitMany(GatewayProcess gateway, int count, String simulate) throws Exception {
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

    private Map<String, String> externalIds(List<String> ids) throws Exception {
        Map<String, String> external = new ConcurrentHashMap<>();
        Semaphore inFlight = new Semaphore(32);
        List<CompletableFuture<?>> all = new ArrayList<>();
        for (String id : ids) {
            inFlight.acquire();
            all.add(send(a, "GET", "/jobs/" + id + "/events", null).thenAccept(response -> {
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

    private CompletableFuture<HttpResponse<String>> webhook(GatewayProcess gateway, String jobId, String externalId,
            String status, Double progress) {
        Object[] w = signedWebhook(jobId, externalId, status, progress);
        return post(gateway, (String) w[0], (byte[]) w[1], (String) w[2], (String) w[3], (String) w[4]);
    }

    private static Object[] signedWebhook(String jobId, String externalId, String status, Double progress) {
        String body = "{\"job_id\":\"" + externalId + "\",\"status\":\"" + status + "\""
                + (progress == null ? "" : ",\"progress\":" + progress)
                + (status.equals("succeeded") ? ",\"output\":{\"images\":[{\"url\":\"https://example.invalid/x.png\"}]}"
                        : "")
                + "}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
        long timestamp = Instant.now().getEpochSecond();
        return new Object[] { "/webhooks/generic/" + jobId, bytes, id, Long.toString(timestamp),
                StandardWebhook.sign(SECRET, id, timestamp, bytes) };
    }

    private CompletableFuture<HttpResponse<String>> post(GatewayProcess gateway, String path, byte[] body, String id,
            String timestamp, String signature) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header(StandardWebhook.ID_HEADER, id)
                .header(StandardWebhook.TIMESTAMP_HEADER, timestamp)
                .header(StandardWebhook.SIGNATURE_HEADER, signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> send(GatewayProcess gateway, String method, String path,
            byte[] body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + API_KEY)
                .header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A read without an API key: refused by the filter before any Redis command. */
    private CompletableFuture<HttpResponse<String>> anonymous(GatewayProcess gateway, String path) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String get(GatewayProcess gateway, String path) throws Exception {
        return send(gateway, "GET", path, null).get(60, TimeUnit.SECONDS).body();
    }

    // ---- external tools -----------------------------------------------------------------------------------

    private double wrk(String url, String header) throws Exception {
        return wrk(url, header, WRK_SECONDS);
    }

    private double wrk(String url, String header, int seconds) throws Exception {
        return wrk(url, header, seconds, true);
    }

    private double wrk(String url, String header, int seconds, boolean authenticated) throws Exception {
        List<String> command = new ArrayList<>(List.of("wrk", "-t2", "-c64", "-d" + seconds + "s"));
        if (authenticated) {
            command.addAll(List.of("-H", "Authorization: Bearer " + API_KEY));
        }
        if (header != null) {
            command.add("-H");
            command.add(header);
        }
        command.add(url);
        String out = exec(command);
        notes.append("\n```\n$ ").append(String.join(" ", command)).append('\n').append(out.strip()).append("\n```\n");
        for (String line : out.split("\n")) {
            if (line.startsWith("Requests/sec:")) {
                return Double.parseDouble(line.substring("Requests/sec:".length()).trim());
            }
        }
        throw new IllegalStateException("wrk printed no Requests/sec: " + out);
    }

    private double redisBenchmark(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("redis-benchmark", "-h", "127.0.0.1", "-p",
                Integer.toString(redis.port()), "-c", "64", "-n", Integer.toString(REDIS_BENCHMARK_REQUESTS), "-q"));
        args.addAll(List.of(command));
        String out = exec(args);
        notes.append("\n```\n$ ").append(String.join(" ", args)).append('\n').append(out.strip()).append("\n```\n");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) requests per second").matcher(out);
        double last = -1;
        while (m.find()) {
            last = Double.parseDouble(m.group(1));
        }
        if (last < 0) {
            throw new IllegalStateException("redis-benchmark printed no rate: " + out);
        }
        return last;
    }

    private String redisCli(String... command) throws Exception {
        List<String> args = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p",
                Integer.toString(redis.port())));
        args.addAll(List.of(command));
        return exec(args);
    }

    /** CPU time (user + system) a process has used, in ms, from /proc/<pid>/stat. */
    private static double cpuMs(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is the state (field 3): utime and stime are fields 14 and 15
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        return ticks * 1000.0 / clockTicksPerSecond();
    }

    private static long clockTicks;

    private static synchronized long clockTicksPerSecond() throws Exception {
        if (clockTicks == 0) {
            clockTicks = Long.parseLong(exec(List.of("getconf", "CLK_TCK")).trim());
        }
        return clockTicks;
    }

    /** TCP connections from one process to Redis, from the kernel's socket table. */
    private String redisConnectionsOf(long pid) throws Exception {
        String out = exec(List.of("ss", "-tnp", "dst", "127.0.0.1:" + redis.port()));
        long count = Arrays.stream(out.split("\n")).filter(line -> line.contains("pid=" + pid + ",")).count();
        return Long.toString(count);
    }

    private static String exec(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return out;
    }

    // ---- output -------------------------------------------------------------------------------------------

    private Map<String, String> env(int webhookPort) {
        Map<String, String> env = GatewayProcess.env(redis.uri(), ai.baseUri(), SECRET, API_KEY + "=bench",
                "http://127.0.0.1:" + webhookPort);
        // Jobs here finish by the benchmark's own webhooks; keep the fallback from checking them meanwhile.
        env.put("GATEWAY_FALLBACK_CHECK_AFTER", "10m");
        env.put("GATEWAY_SWEEPER_EVERY", "0");
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        return env;
    }

    private static List<String> jvmOptions() {
        return List.of("-Xmx512m");
    }

    private void write(Path resultsDir) throws IOException {
        Files.createDirectories(resultsDir);
        String date = LocalDate.now().toString();
        Path svg = resultsDir.resolve(date + "-latency.svg");
        Files.writeString(svg, Chart.cdf("Added latency after completion (ms, log scale)", Map.of(
                "webhook-first (wait on A, webhook to B)", webhookFirstMs,
                "polling every 1 s", poll1sMs,
                "polling every 3 s", poll3sMs)));
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results ").append(date).append("\n\n");
        md.append("Command: `bench/run.sh` (builds the plain HTTP packaging, starts Redis, the simulated AI server "
                + "and two gateway instances on 127.0.0.1).\n\n");
        md.append("Machine: ").append(machine()).append("\n\n");
        md.append("Everything (load generator, both gateways, Redis, simulator, wrk) shares this machine's cores, "
                + "so ratios are more telling than absolute numbers.\n\n");
        md.append("![latency distribution](").append(svg.getFileName()).append(")\n\n");
        md.append(targets());
        md.append("## All figures\n\n");
        md.append("| measure | value |\n|---|---|\n");
        results.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v).append(" |\n"));
        md.append("\n## Raw tool output\n").append(notes);
        Path file = resultsDir.resolve(date + ".md");
        Files.writeString(file, md.toString());
        System.out.println(md);
        System.out.println("Wrote " + file + " and " + svg);
    }

    /** The project's targets against this run's figures, with what bounds the ones missed. */
    private String targets() {
        double wakeP99 = number("wakeup_ms_p99");
        double wakeAckP99 = number("wakeup_after_ack_ms_p99");
        double floorP99 = number("floor_rtt_ms_p99");
        double ratioP50 = number("ratio_added_latency_poll3s_to_webhook_p50");
        double ratioMean = number("ratio_added_latency_poll3s_to_webhook_mean");
        double statusRatio = number("ratio_status_200_to_redis");
        double connections = number("waits_redis_connections_instance_a");
        String heap = results.get("waits_heap_used_after_gc_mib_before_during");
        double heapDuring = Double.parseDouble(heap.substring(heap.indexOf("->") + 2).trim());
        StringBuilder md = new StringBuilder("## Targets\n\n| target | this run | met |\n|---|---|---|\n");
        md.append(row("wake-up p99 ≤ 5 ms across instances",
                "p99 " + fmt(wakeP99) + " ms from sending the webhook to B, " + fmt(wakeAckP99)
                        + " ms from B's acknowledgement; a request that touches no Redis: p99 " + fmt(floorP99) + " ms",
                wakeP99 <= 5));
        md.append(row("≥ 300× less added latency than polling every 3 s",
                fmt(ratioP50) + "× at p50, " + fmt(ratioMean) + "× on the mean", ratioP50 >= 300 && ratioMean >= 300));
        md.append(row("status rps ≥ 0.35× the Redis HGETALL ceiling",
                fmt(statusRatio) + "× (" + results.get("status_rps_200") + " vs " + results.get("redis_hgetall_rps_ceiling")
                        + " rps; 304: " + results.get("ratio_status_304_to_redis") + "×)", statusRatio >= 0.35));
        md.append(row("10,000 waits on ≤ 8 Redis connections", fmt(connections) + " connections", connections <= 8));
        md.append(row("10,000 waits with heap ≤ 256 MB", fmt(heapDuring) + " MiB heap in use after GC",
                heapDuring <= 256));
        md.append("\n");
        md.append("What bounds these figures on this machine (measured in this run):\n\n");
        md.append("- Wake-up: the floor of this machine and client is a request the gateway refuses before any Redis "
                + "command: p50 " + results.get("floor_rtt_ms_p50") + " ms, p99 " + fmt(floorP99) + " ms. The webhook "
                + "itself (signature, atomic transition) takes p50 " + results.get("webhook_rtt_ms_p50") + " ms, and "
                + "the hand-off from B's acknowledgement to A's answer p50 " + results.get("wakeup_after_ack_ms_p50")
                + " ms, p99 " + fmt(wakeAckP99) + " ms. The tail is scheduling on two cores shared by the "
                + "benchmark's own client, two JVMs, Redis and the simulator: the floor alone is above 5 ms at p99. "
                + "(B publishes the change before it writes its answer, so A's answer can reach the client before "
                + "B's acknowledgement: times after the acknowledgement can be negative.)\n");
        md.append("- Status throughput: the gateway used " + results.get("status_gateway_cores_busy_200")
                + " of the 2 cores under wrk, " + results.get("status_gateway_cpu_us_per_request_200")
                + " µs of CPU per read (HTTP, API key, HGETALL, JSON), against Redis's "
                + results.get("redis_cpu_us_per_hgetall") + " µs per HGETALL, with wrk and Redis on the same two cores. "
                + "A read the API-key filter refuses before any Redis command (401) reaches "
                + results.get("status_rps_401_no_redis") + " rps (" + results.get("ratio_status_401_no_redis_to_redis")
                + "× the ceiling): that is the HTTP stack's share; the rest is the read itself (a pooled Redis "
                + "round trip, the job turned into JSON).\n");
        md.append("- Webhook ingest: " + results.get("webhook_ingest_gateway_cpu_us_per_webhook")
                + " µs of gateway CPU per webhook (" + results.get("webhook_ingest_gateway_cores_busy")
                + " cores busy under wrk) against " + results.get("status_gateway_cpu_us_per_request_200")
                + " µs per status read: a webhook is verified (HMAC), parsed, read and written (a Lua script that "
                + "updates the job, its timeline, the dedupe marker, the sweeper's list and publishes the change).\n\n");
        return md.toString();
    }

    private double number(String key) {
        String value = results.get(key);
        return value == null ? Double.NaN : Double.parseDouble(value.replace("x", "").trim());
    }

    private static String row(String target, String measured, boolean met) {
        return "| " + target + " | " + measured + " | " + (met ? "yes" : "no") + " |\n";
    }

    private static String machine() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst().map(l -> l.split(":", 2)[1].trim())
                    .orElse("?");
            String mem = Files.readAllLines(Path.of("/proc/meminfo")).get(0).replaceAll("\\s+", " ");
            return Runtime.getRuntime().availableProcessors() + " cores (" + cpu + "), " + mem + ", Java "
                    + System.getProperty("java.version") + ", " + System.getProperty("os.name") + " "
                    + System.getProperty("os.version");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private void putDistribution(String name, double[] sorted) {
        if (sorted.length == 0) {
            results.put(name, "no samples");
            return;
        }
        results.put(name + "_p50", fmt(percentile(sorted, 50)));
        results.put(name + "_p95", fmt(percentile(sorted, 95)));
        results.put(name + "_p99", fmt(percentile(sorted, 99)));
        results.put(name + "_max", fmt(sorted[sorted.length - 1]));
        results.put(name + "_mean", fmt(mean(sorted)));
    }

    static double percentile(double[] sorted, double p) {
        double[] copy = sorted.clone();
        Arrays.sort(copy);
        int index = (int) Math.ceil(p / 100.0 * copy.length) - 1;
        return copy[Math.max(0, Math.min(copy.length - 1, index))];
    }

    private static double mean(double[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.2f", value);
    }

    private static String status(String body) {
        return field(body, "status");
    }

    private static String field(String body, String name) {
        try {
            return JSON.readTree(body).path(name).asText();
        } catch (IOException e) {
            return "";
        }
    }

}
