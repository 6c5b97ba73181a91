package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.ProviderCase;

/**
 * Scenario: ComfyUI, which sends no webhooks, at the default cadence (a poll per job per second while someone waits).
 * 20 prompts of 2 to 4 s (spread, so completions fall at every phase of the poll interval), each waited on by four
 * clients, two on A and two on B. Measured: the time from the simulator's completion of a prompt to each waiting
 * client's answer, and the upstream calls each job cost (ComfyUI's {@code /history/{id}} per job, its
 * {@code /queue} shared, both counted by the simulator). Runs alone with {@link #main}.
 */
final class ComfyUiPollingScenario {

    private static final int JOBS = 20;
    private static final int WAITS_PER_JOB = 4;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final SimulatedAiServer ai;
    private final Results results;

    ComfyUiPollingScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, SimulatedAiServer ai,
            Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.ai = ai;
        this.results = results;
    }

    void run() throws Exception {
        int historyBefore = ai.comfyuiHistoryCalls();
        int queueBefore = ai.comfyuiQueueCalls();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            long duration = 2_000 + i * 2_000L / JOBS;
            String body = GatewayClient.JSON.writeValueAsString(ProviderCase.COMFYUI.body(Map.of("prompt", "bench",
                    "simulate", Map.of("duration_ms", duration, "progress_steps", 0))));
            var response = client.send(a, "POST", "/jobs", body.getBytes(StandardCharsets.UTF_8))
                    .get(30, TimeUnit.SECONDS);
            if (response.statusCode() != 202) {
                throw new IllegalStateException("submit answered " + response.statusCode() + ": " + response.body());
            }
            ids.add(GatewayClient.field(response.body(), "id"));
        }
        Map<String, String> external = client.externalIds(a, ids);
        Map<String, List<Instant>> answeredAt = new ConcurrentHashMap<>();
        List<CompletableFuture<?>> waits = new ArrayList<>();
        for (String id : ids) {
            for (int w = 0; w < WAITS_PER_JOB; w++) {
                waits.add(client.send(w % 2 == 0 ? a : b, "GET", "/jobs/" + id + "?wait=25", null)
                        .thenAccept(response -> {
                            Instant now = Instant.now();
                            if (GatewayClient.status(response.body()).equals("succeeded")) {
                                answeredAt.computeIfAbsent(id, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                                        .add(now);
                            }
                        }));
            }
        }
        CompletableFuture.allOf(waits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Double> late = new ArrayList<>();
        double polls = 0;
        for (String id : ids) {
            Instant completed = ai.completedAt(external.get(id));
            for (Instant at : answeredAt.getOrDefault(id, List.of())) {
                late.add(Duration.between(completed, at).toNanos() / 1e6);
            }
            polls += ai.statusCalls(external.get(id));
        }
        double[] sorted = late.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int answers = sorted.length;
        double historyPerJob = (ai.comfyuiHistoryCalls() - historyBefore) / (double) JOBS;
        double queuePerJob = (ai.comfyuiQueueCalls() - queueBefore) / (double) JOBS;
        results.put("comfyui_waits_answered", answers + " / " + JOBS * WAITS_PER_JOB);
        results.putDistribution("comfyui_answer_after_completion_ms", sorted);
        results.put("comfyui_history_calls_per_job", Stats.fmt(polls / JOBS));
        results.put("comfyui_queue_calls_per_job", Stats.fmt(queuePerJob));
        results.put("comfyui_upstream_calls_per_job", Stats.fmt(historyPerJob + queuePerJob));
        results.put("comfyui_job_duration_s", "2 to 4 (mean 3), 4 waits each (2 on A, 2 on B), poll interval 1 s");
    }

    /** This scenario alone: {@code <quarkus-run.jar> [work dir]}; prints its figures. */
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path work = Path.of(args.length > 1 ? args[1] : "target/bench");
        Results results = new Results();
        try (Processes processes = Processes.startRedisAndSimulator(jar, work)) {
            processes.startGateways();
            GatewayClient client = new GatewayClient();
            ComfyUiPollingScenario scenario = new ComfyUiPollingScenario(client, processes.a(), processes.b(),
                    processes.ai(), results);
            // A first round warms the JIT of both gateways; the second is the one reported.
            scenario.run();
            Results measured = new Results();
            new ComfyUiPollingScenario(client, processes.a(), processes.b(), processes.ai(), measured).run();
            measured.figures().forEach((name, value) -> System.out.println("| " + name + " | " + value + " |"));
        }
        System.exit(0);
    }
}
