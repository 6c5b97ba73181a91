package dev.jobgateway.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 4: 10,000 open waits on one instance (2,000 jobs, 5 waiters each); memory, Redis connections and
 * release latency once their webhooks reach B.
 */
final class ConcurrentWaitsScenario {

    private static final int JOBS = 2_000;
    private static final int WAITERS_PER_JOB = 5;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final RedisTools redis;
    private final Results results;

    ConcurrentWaitsScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, RedisTools redis,
            Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.redis = redis;
        this.results = results;
    }

    void run() throws Exception {
        List<String> ids = client.submitMany(a, JOBS, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(a, ids);
        long heapBefore = a.heapUsedAfterGcKiB();
        long rssBefore = a.rssKiB();
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Double> release = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger released = new AtomicInteger();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (String id : ids) {
            for (int w = 0; w < WAITERS_PER_JOB; w++) {
                waits.add(client.send(a, "GET", "/jobs/" + id + "?wait=25", null).thenAccept(response -> {
                    Long sent = sentAt.get(id);
                    if (sent != null && GatewayClient.status(response.body()).equals("succeeded")) {
                        release.add((System.nanoTime() - sent) / 1e6);
                        released.incrementAndGet();
                    }
                }));
            }
        }
        // All 10,000 waits open on A before memory and connections are read.
        client.awaitWaiters(a, waits.size(), Duration.ofSeconds(60), () -> released.get() > 0);
        long heapDuring = a.heapUsedAfterGcKiB();
        long rssDuring = a.rssKiB();
        String connectionsA = redis.connectionsFrom(a.pid());
        int totalClients = redis.cli("CLIENT", "LIST").split("\n").length;
        Semaphore inFlight = new Semaphore(16);
        long firstWebhook = System.nanoTime();
        for (String id : ids) {
            inFlight.acquire();
            sentAt.put(id, System.nanoTime());
            client.webhook(b, id, external.get(id), "succeeded", null).whenComplete((r, e) -> inFlight.release());
        }
        double webhooksSentMs = (System.nanoTime() - firstWebhook) / 1e6;
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        double allReleasedMs = (System.nanoTime() - firstWebhook) / 1e6;
        results.put("waits_open", Integer.toString(ids.size() * WAITERS_PER_JOB));
        results.put("waits_released_with_result", released.get() + " / " + ids.size() * WAITERS_PER_JOB);
        results.put("waits_heap_used_after_gc_mib_before_during",
                Stats.fmt(heapBefore / 1024.0) + " -> " + Stats.fmt(heapDuring / 1024.0));
        results.put("waits_rss_mib_before_during",
                Stats.fmt(rssBefore / 1024.0) + " -> " + Stats.fmt(rssDuring / 1024.0));
        results.put("waits_redis_connections_instance_a", connectionsA);
        results.put("waits_redis_clients_total_incl_b_and_cli", Integer.toString(totalClients));
        results.putDistribution("waits_release_ms",
                release.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        results.put("waits_webhooks_sent_within_ms", Stats.fmt(webhooksSentMs));
        results.put("waits_all_released_within_ms", Stats.fmt(allReleasedMs));
    }
}
