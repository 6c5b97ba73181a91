package dev.jobgateway.bench;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 1: 1,000 waits held on A, their webhooks delivered to B. The webhook's arrival on B lies between the
 * moment the benchmark sends it and the moment B acknowledges it, so both are measured against the wait's answer
 * on A. Run once with one webhook at a time (the latency) and once with 8 in flight (under load); the first run
 * also times a request that touches no Redis (401 from A), the floor of this machine and client.
 */
final class WakeupScenario {

    private static final int JOBS = 1_000;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final Results results;

    WakeupScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.results = results;
    }

    /** The JIT compiles what runs hot: run every measured path a while first, so the figures are not its work. */
    void warmUp() throws Exception {
        wakeups(500, 8);
    }

    /** Returns the webhook-first wake-up times (one webhook at a time), which polling is compared with. */
    double[] run() throws Exception {
        Wakeups calm = wakeups(JOBS, 1);
        results.put("wakeup_jobs_completed", calm.fromSend().length + " / " + JOBS);
        results.putDistribution("wakeup_ms", calm.fromSend());
        results.putDistribution("wakeup_after_ack_ms", calm.fromAck());
        results.putDistribution("webhook_rtt_ms", calm.webhookRtt());
        results.putDistribution("floor_rtt_ms", calm.floor());
        Wakeups loaded = wakeups(JOBS, 8);
        results.put("wakeup_8_in_flight_jobs_completed", loaded.fromSend().length + " / " + JOBS);
        results.putDistribution("wakeup_8_in_flight_ms", loaded.fromSend());
        results.putDistribution("wakeup_8_in_flight_after_ack_ms", loaded.fromAck());
        results.put("wakeup_8_in_flight_webhooks_per_s", Stats.fmt(loaded.webhooksPerSecond()));
        results.put("webhook_first_requests_per_job", "1 (one long-poll)");
        return calm.fromSend();
    }

    /** Sorted samples in ms; {@code floor} is empty unless webhooks went one at a time. */
    private record Wakeups(double[] fromSend, double[] fromAck, double[] webhookRtt, double[] floor,
            double webhooksPerSecond) {
    }

    private Wakeups wakeups(int jobs, int webhooksInFlight) throws Exception {
        List<String> ids = client.submitMany(a, jobs, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(a, ids);
        Map<String, Long> answeredAt = new ConcurrentHashMap<>();
        Map<String, CompletableFuture<?>> waits = new LinkedHashMap<>();
        for (String id : ids) {
            waits.put(id, client.send(a, "GET", "/jobs/" + id + "?wait=25", null).thenAccept(response -> {
                if (GatewayClient.status(response.body()).equals("succeeded")) {
                    answeredAt.put(id, System.nanoTime());
                }
            }));
        }
        // Every wait registered on A before the first webhook.
        client.awaitWaiters(a, ids.size(), Duration.ofSeconds(60), () -> !answeredAt.isEmpty());
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        List<Double> floor = new ArrayList<>();
        Semaphore inFlight = new Semaphore(webhooksInFlight);
        List<CompletableFuture<?>> webhooks = new ArrayList<>();
        long webhookStart = System.nanoTime();
        for (String id : ids) {
            inFlight.acquire();
            sentAt.put(id, System.nanoTime());
            CompletableFuture<?> webhook = client.webhook(b, id, external.get(id), "succeeded", null)
                    .whenComplete((r, e) -> {
                        ackedAt.put(id, System.nanoTime());
                        inFlight.release();
                    });
            webhooks.add(webhook);
            if (webhooksInFlight == 1) {
                webhook.get(10, TimeUnit.SECONDS);
                waits.get(id).get(30, TimeUnit.SECONDS);
                long start = System.nanoTime();
                HttpResponse<String> refused = client.anonymous(a, "/jobs/" + id).get(10, TimeUnit.SECONDS);
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
}
