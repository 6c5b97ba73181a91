package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario: lost webhooks made up from learned durations, against the checks that costs when webhooks all arrive.
 * A gateway of its own with the production fallback (check-after 20 s, duration learning on; A and B have it off, so
 * that the other scenarios' jobs are not checked). Ten jobs of about 10 s (9.5 to 10.5 s) finish by webhook and make
 * the history; then twenty whose webhook the simulator drops and twenty whose webhook it delivers, at the same time,
 * each with a client holding a read until the job ends. The figures: how long after the AI server finished each
 * dropped job its client heard of it (the fixed rule alone: about 20 s), and how many status calls each kind of job
 * cost.
 */
final class LearnedChecksScenario {

    private static final int HISTORY_JOBS = 10;
    private static final int JOBS_EACH = 20;

    private final GatewayClient client;
    private final GatewayProcess gateway;
    private final SimulatedAiServer ai;
    private final Results results;

    LearnedChecksScenario(GatewayClient client, GatewayProcess gateway, SimulatedAiServer ai, Results results) {
        this.client = client;
        this.gateway = gateway;
        this.ai = ai;
        this.results = results;
    }

    /** The scenario's gateway: learning on, the fixed rule and the sweeper at their defaults. */
    static GatewayProcess start(Processes processes) throws Exception {
        int port = LocalRedisServer.freePort();
        GatewayProcess learning = processes.startGateway(port, port, "gateway-learning.log",
                Map.of("GATEWAY_FALLBACK_LEARN_DURATIONS", "true", "GATEWAY_FALLBACK_CHECK_AFTER", "20s",
                        "GATEWAY_SWEEPER_EVERY", "30s"));
        learning.awaitReady(Duration.ofSeconds(60));
        return learning;
    }

    void run() throws Exception {
        List<Submitted> history = new ArrayList<>();
        for (int i = 0; i < HISTORY_JOBS; i++) {
            history.add(submit(durationMs(i, HISTORY_JOBS), "deliver"));
        }
        for (Submitted job : history) {
            heardAt(job.id()).get(60, TimeUnit.SECONDS);
        }
        List<Submitted> dropped = new ArrayList<>();
        List<Submitted> delivered = new ArrayList<>();
        for (int i = 0; i < JOBS_EACH; i++) {
            dropped.add(submit(durationMs(i, JOBS_EACH), "drop"));
            delivered.add(submit(durationMs(JOBS_EACH - 1 - i, JOBS_EACH), "deliver"));
        }
        List<CompletableFuture<Instant>> droppedHeard = dropped.stream().map(job -> heardAt(job.id())).toList();
        List<CompletableFuture<Instant>> deliveredHeard = delivered.stream().map(job -> heardAt(job.id())).toList();
        CompletableFuture.allOf(droppedHeard.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
        CompletableFuture.allOf(deliveredHeard.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);

        Map<String, String> external = client.externalIds(gateway, ids(dropped, delivered));
        double[] added = new double[JOBS_EACH];
        double[] addedDelivered = new double[JOBS_EACH];
        double[] expectedMs = new double[JOBS_EACH * 2];
        double checksDropped = 0;
        double checksDelivered = 0;
        for (int i = 0; i < JOBS_EACH; i++) {
            added[i] = afterCompletion(external.get(dropped.get(i).id()), droppedHeard.get(i).get());
            addedDelivered[i] = afterCompletion(external.get(delivered.get(i).id()), deliveredHeard.get(i).get());
            checksDropped += ai.statusCalls(external.get(dropped.get(i).id()));
            checksDelivered += ai.statusCalls(external.get(delivered.get(i).id()));
            expectedMs[2 * i] = dropped.get(i).expectedMs();
            expectedMs[2 * i + 1] = delivered.get(i).expectedMs();
        }
        java.util.Arrays.sort(added);
        java.util.Arrays.sort(addedDelivered);
        java.util.Arrays.sort(expectedMs);
        results.put("learned_jobs", HISTORY_JOBS + " learned from, then " + JOBS_EACH + " with the webhook dropped and "
                + JOBS_EACH + " with it delivered, 9.5 to 10.5 s each, one held read per job");
        results.put("learned_expected_duration_ms_p50", Stats.fmt(Stats.percentile(expectedMs, 50)));
        results.putDistribution("learned_lost_webhook_added_ms", added);
        results.putDistribution("learned_delivered_webhook_added_ms", addedDelivered);
        results.put("learned_checks_per_job_webhooks_arrive", Stats.fmt(checksDelivered / JOBS_EACH));
        results.put("learned_checks_per_job_webhook_lost", Stats.fmt(checksDropped / JOBS_EACH));
    }

    /** 9.5 to 10.5 s, spread evenly over {@code count} jobs. */
    private static long durationMs(int i, int count) {
        return 9_500 + Math.round(1_000.0 * i / Math.max(1, count - 1));
    }

    private record Submitted(String id, double expectedMs) {
    }

    private Submitted submit(long durationMs, String webhook) throws Exception {
        byte[] body = ("{\"input\":{\"prompt\":\"bench\",\"simulate\":{\"duration_ms\":" + durationMs
                + ",\"progress_steps\":0,\"webhook\":\"" + webhook + "\"}}}").getBytes(StandardCharsets.UTF_8);
        var response = client.send(gateway, "POST", "/jobs", body).get(30, TimeUnit.SECONDS);
        if (response.statusCode() != 202) {
            throw new IllegalStateException("submit answered " + response.statusCode() + ": " + response.body());
        }
        JsonNode job = GatewayClient.JSON.readTree(response.body());
        JsonNode expected = job.path("delivery").path("expected_at");
        double expectedMs = expected.isTextual() ? Duration.between(Instant.parse(job.path("created_at").asText()),
                Instant.parse(expected.asText())).toMillis() : Double.NaN;
        return new Submitted(job.path("id").asText(), expectedMs);
    }

    /** When a held read (re-held until the job ends) answered with the job terminal. */
    private CompletableFuture<Instant> heardAt(String id) {
        return client.send(gateway, "GET", "/jobs/" + id + "?wait=25", null).thenCompose(response -> {
            String status = GatewayClient.status(response.body());
            return List.of("succeeded", "failed", "cancelled").contains(status)
                    ? CompletableFuture.completedFuture(Instant.now())
                    : heardAt(id);
        });
    }

    private double afterCompletion(String externalId, Instant heard) {
        return Duration.between(ai.completedAt(externalId), heard).toNanos() / 1e6;
    }

    private static List<String> ids(List<Submitted> a, List<Submitted> b) {
        List<String> ids = new ArrayList<>();
        a.forEach(job -> ids.add(job.id()));
        b.forEach(job -> ids.add(job.id()));
        return ids;
    }

    /** This scenario alone: {@code <quarkus-run.jar> [work dir]}; prints its figures. */
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path work = Path.of(args.length > 1 ? args[1] : "target/bench");
        Files.createDirectories(work);
        Results results = new Results();
        try (Processes processes = Processes.startRedisAndSimulator(jar, work);
                GatewayProcess learning = start(processes)) {
            new LearnedChecksScenario(new GatewayClient(), learning, processes.ai(), results).run();
        }
        results.figures().forEach((name, value) -> System.out.println("| " + name + " | " + value + " |"));
        System.exit(0);
    }
}
