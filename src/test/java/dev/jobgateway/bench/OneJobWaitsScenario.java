package dev.jobgateway.bench;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.jobgateway.support.GatewayProcess;

/**
 * 10,000 held reads of one job on one instance (a link shared by many browsers, a dashboard everybody has open),
 * opened at 700 a second, the webhook that ends the job sent to the other instance once all are held: every read
 * answered 200 with the finished job, none 5xx, release latency, and the Redis reads (HGETALL, INFO commandstats) the
 * change cost A: its waiters share one read per change. {@code BENCH_ONLY=onejob} runs it alone.
 */
final class OneJobWaitsScenario {

    static final int WAITS = 10_000;
    /**
     * Reads opened per second (10,000 in about 14 s, inside the 25 s wait): 10,000 browsers do not open a link in the
     * same millisecond. On 2 shared cores, 2,000 new connections a second (and all 10,000 at once) kept the instance's
     * event loops too busy to read Redis' answers within the command timeout, and most reads answered 503 before the
     * change: overload turned into back-pressure, which is not what this scenario measures.
     */
    static final int OPENED_PER_SECOND = 700;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final RedisTools redis;
    private final Results results;

    OneJobWaitsScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, RedisTools redis,
            Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.redis = redis;
        this.results = results;
    }

    void run() throws Exception {
        String id = client.submitMany(a, 1, GatewayClient.FINISHED_BY_BENCHMARK).get(0);
        String external = client.externalIds(a, List.of(id)).get(id);
        Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        AtomicLong sentAt = new AtomicLong();
        List<Double> release = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<?>> waits = new ArrayList<>();
        long openedAt = System.nanoTime();
        for (int i = 0; i < WAITS; i++) {
            long due = openedAt + TimeUnit.SECONDS.toNanos(1) * i / OPENED_PER_SECOND;
            long early = due - System.nanoTime();
            if (early > 0) {
                TimeUnit.NANOSECONDS.sleep(early);
            }
            waits.add(client.send(a, "GET", "/jobs/" + id + "?wait=25", null).handle((response, failure) -> {
                String kind = answer(response, failure);
                answers.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
                long sent = sentAt.get();
                if (sent != 0 && kind.equals("200 succeeded")) {
                    release.add((System.nanoTime() - sent) / 1e6);
                }
                return null;
            }));
        }
        // Every read held on A (its readiness check counts them) before the change, or some already answered.
        int held = client.awaitWaiters(a, WAITS, Duration.ofSeconds(60), () -> !answers.isEmpty());
        double openMs = (System.nanoTime() - openedAt) / 1e6;
        long heapDuring = a.heapUsedAfterGcKiB();
        long readsBefore = hgetalls();

        sentAt.set(System.nanoTime());
        HttpResponse<String> webhook = client.webhook(b, id, external, "succeeded", null).get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        double allReleasedMs = (System.nanoTime() - sentAt.get()) / 1e6;
        long reads = hgetalls() - readsBefore;

        Map<String, Integer> byAnswer = new TreeMap<>();
        answers.forEach((kind, n) -> byAnswer.put(kind, n.get()));
        int fiveHundreds = byAnswer.entrySet().stream().filter(e -> e.getKey().startsWith("5"))
                .mapToInt(Map.Entry::getValue).sum();
        results.put("one_job_waits_held_before_the_change", held + " / " + WAITS + " (all open within "
                + Stats.fmt(openMs) + " ms)");
        results.put("one_job_waits_webhook_answer", Integer.toString(webhook.statusCode()));
        results.put("one_job_waits_answers", byAnswer.toString());
        results.put("one_job_waits_answered_200_succeeded",
                byAnswer.getOrDefault("200 succeeded", 0) + " / " + WAITS);
        results.put("one_job_waits_5xx", Integer.toString(fiveHundreds));
        results.put("one_job_waits_redis_reads_for_the_change", Long.toString(reads));
        results.put("one_job_waits_heap_used_after_gc_mib_during", Stats.fmt(heapDuring / 1024.0));
        results.putDistribution("one_job_waits_release_ms",
                release.stream().mapToDouble(Double::doubleValue).sorted().toArray());
        results.put("one_job_waits_all_released_within_ms", Stats.fmt(allReleasedMs));
    }

    private static String answer(HttpResponse<String> response, Throwable failure) {
        if (failure != null) {
            return "failed: " + failure.getClass().getSimpleName();
        }
        int status = response.statusCode();
        return status == 200 ? "200 " + GatewayClient.status(response.body()) : Integer.toString(status);
    }

    private long hgetalls() throws Exception {
        String prefix = "cmdstat_hgetall:calls=";
        return redis.cli("INFO", "commandstats").lines().filter(line -> line.startsWith(prefix)).findFirst()
                .map(line -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',', prefix.length()))))
                .orElse(0L);
    }
}
