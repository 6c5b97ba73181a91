package dev.jobgateway.bench;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 1, the seed's approach: clients polling every 1 s and 3 s; the latency polling adds after a job
 * completes, and requests per job. Jobs complete by webhook to B at random times, 1-7 s after the polling starts.
 */
final class PollingScenario {

    private static final int JOBS = 200;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final Results results;

    PollingScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.results = results;
    }

    /** Added latency in ms, sorted, for each polling interval (the chart plots them). */
    record Polling(double[] every1s, double[] every3s) {
    }

    Polling run(double[] webhookFirstMs) throws Exception {
        double[] poll1s = pollingRun(1000, "poll_1s");
        double[] poll3s = pollingRun(3000, "poll_3s");
        results.put("ratio_added_latency_poll3s_to_webhook_p50",
                Stats.fmt(Stats.percentile(poll3s, 50) / Stats.percentile(webhookFirstMs, 50)) + "x");
        results.put("ratio_added_latency_poll3s_to_webhook_mean",
                Stats.fmt(Stats.mean(poll3s) / Stats.mean(webhookFirstMs)) + "x");
        return new Polling(poll1s, poll3s);
    }

    private double[] pollingRun(long intervalMs, String name) throws Exception {
        List<String> ids = client.submitMany(a, JOBS, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(a, ids);
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
                client.webhook(b, id, external.get(id), "succeeded", null).join();
            }, jobDurationMs, TimeUnit.MILLISECONDS);
            CompletableFuture<Void> finished = new CompletableFuture<>();
            done[i] = finished;
            Runnable poll = new Runnable() {
                @Override
                public void run() {
                    requests.incrementAndGet();
                    client.send(a, "GET", "/jobs/" + id, null).thenAccept(response -> {
                        if (GatewayClient.status(response.body()).equals("succeeded")) {
                            seenAt.put(id, System.nanoTime());
                            finished.complete(null);
                        } else {
                            timers.schedule(this, intervalMs, TimeUnit.MILLISECONDS);
                        }
                    });
                }
            };
            // Clients start at random points of the interval, as independent clients would.
            timers.schedule(poll, ThreadLocalRandom.current().nextLong(0, intervalMs), TimeUnit.MILLISECONDS);
        }
        CompletableFuture.allOf(done).get(60, TimeUnit.SECONDS);
        timers.shutdownNow();
        double[] added = ids.stream().mapToDouble(id -> (seenAt.get(id) - completedAt.get(id)) / 1e6).sorted()
                .toArray();
        results.putDistribution(name + "_added_ms", added);
        results.put(name + "_requests_per_job", Stats.fmt((double) requests.get() / ids.size()));
        return added;
    }
}
