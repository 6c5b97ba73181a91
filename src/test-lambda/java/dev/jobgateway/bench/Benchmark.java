package dev.jobgateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.jobgateway.support.GatewayProcess;

/**
 * The benchmark harness behind {@code bench/run.sh}: its own Redis, the simulated AI server and two gateway
 * processes (plain HTTP packaging) on 127.0.0.1, the scenarios below, and a results file with a chart. Each scenario
 * runs by name under a deadline ({@link BenchRun}): the first failure or overrun ends the run with a non-zero exit
 * code and one line naming it, and the results file is still written for the scenarios that ran, marked partial.
 * Sends traffic only to loopback. The Lambda cold-start scenario runs first and reads its artifacts from where
 * bench/run.sh builds them ({@link LambdaColdStartScenario#fromSystemProperties}).
 *
 * <p>
 * Arguments: the gateway's {@code quarkus-run.jar}, the results directory, and a work directory for logs and
 * signed webhooks (default {@code target/bench}).
 */
public final class Benchmark {

    /** Every scenario, in the order they run: the order is part of the results file and of the measurement. */
    static final List<String> SCENARIOS = List.of("coldstart", "billed", "startup", "wakeup", "polling",
            "status-reads", "peer", "metrics-cost", "webhook-ingest", "open-loop", "cluster", "concurrent-waits",
            "onejob", "push", "comfyui-polling", "learned-checks", "output-storage");
    /** The scenarios that run on the run's Redis, simulator and gateways A and B. */
    private static final String[] ON_GATEWAYS = { "startup", "wakeup", "polling", "status-reads", "peer",
            "metrics-cost", "webhook-ingest", "open-loop", "cluster", "concurrent-waits", "onejob", "push",
            "comfyui-polling", "learned-checks" };
    /**
     * The names {@code BENCH_ONLY} took before scenarios had names of their own ({@code status}, {@code webhook}), and
     * what a scenario needs from another: the peer reads the status-reads scenario's job, polling is compared with
     * the wake-ups, the webhook ingest and the cluster rows with the status reads' figures. The open-loop scenario
     * runs alone too: it then measures its own closed-loop maxima.
     */
    private static final Map<String, List<String>> NEEDS = Map.of(
            "status", List.of("status-reads", "peer"),
            "webhook", List.of("status-reads", "webhook-ingest"),
            "peer", List.of("status-reads", "peer"),
            "polling", List.of("wakeup", "polling"),
            "cluster", List.of("status-reads", "webhook-ingest", "cluster"));
    /**
     * Target rows and bounds contributed by scenarios outside Targets (open-loop latency, Lambda billed duration, the
     * cluster rows): one {@code TargetSource.of("what", SomeScenario::targetRows, SomeScenario::bounds)} each.
     */
    static final List<TargetSource> CONTRIBUTED_TARGETS = List.of(
            TargetSource.of("Lambda billed duration", LambdaBilledTargets::targetRows, LambdaBilledTargets::bounds),
            TargetSource.of("open-loop latency", OpenLoopLatencyScenario::targetRows, OpenLoopLatencyScenario::bounds),
            TargetSource.of("Redis Cluster", ClusterScenario::targetRows, ClusterScenario::bounds));

    private static final Duration GATEWAYS_START = Duration.ofMinutes(3);

    private final Path jar;
    private final Path resultsDir;
    private final Path work;
    private final BenchRun run;
    private final Results results = new Results();
    private double[] webhookFirstMs = {};
    private PollingScenario.Polling polling;
    private String statusReadId;

    private Benchmark(Path jar, Path resultsDir, Path work, BenchRun run) {
        this.jar = jar;
        this.resultsDir = resultsDir;
        this.work = work;
        this.run = run;
    }

    public static void main(String[] args) {
        Path work = Path.of(args.length > 2 ? args[2] : "target/bench");
        // -Dbench.only (BENCH_ONLY): comma-separated scenario names, or status (the status reads and the Node.js
        // peer), webhook (the status reads and the webhook ingest): a quick look while working on one path. The
        // figures are then printed, never written to bench/results.
        Set<String> only = new LinkedHashSet<>();
        for (String name : BenchRun.names(System.getProperty("bench.only", ""))) {
            only.addAll(NEEDS.getOrDefault(name, List.of(name)));
        }
        BenchRun run = BenchRun.fromSystemProperties(SCENARIOS, only, work);
        Benchmark benchmark = new Benchmark(Path.of(args[0]), Path.of(args[1]), work, run);
        benchmark.results.put("load_average_at_start", Report.loadAverage());
        run.execute(benchmark::plan, benchmark::report);
    }

    private void plan() {
        run.checkSelection();
        // First, while nothing else of the benchmark runs: a cold start is CPU-bound, and its own Redis is idle.
        run.scenario("coldstart", Duration.ofMinutes(8),
                () -> LambdaColdStartScenario.fromSystemProperties(work, results).run());
        // Also before the gateways: one Lambda instance at a time, with its own Redis and simulator.
        run.scenario("billed", Duration.ofMinutes(6),
                () -> LambdaBilledDurationScenario.fromSystemProperties(work, results).run());
        if (run.anySelected(ON_GATEWAYS)) {
            Processes[] started = new Processes[1];
            try {
                if (run.step("redis and simulator", Duration.ofMinutes(1),
                        () -> started[0] = Processes.startRedisAndSimulator(jar, work))) {
                    onGateways(started[0]);
                }
            } finally {
                if (started[0] != null) {
                    run.always("stopping the gateways, Redis and simulator", Duration.ofMinutes(1),
                            started[0]::close);
                }
            }
        }
        // Its own gateway (output storage on), Redis, simulator and S3-API server: after A and B are gone.
        run.scenario("output-storage", Duration.ofMinutes(5),
                () -> new OutputStorageScenario(jar, work, results).run());
    }

    /**
     * The scenarios on gateways A and B. Start-up runs before A and B exist, and each later scenario runs on gateways
     * warmed by the ones before it.
     */
    private void onGateways(Processes processes) {
        run.scenario("startup", Duration.ofMinutes(3), () -> new StartupScenario(processes, results).run());
        if (!run.step("gateways A and B", GATEWAYS_START, processes::startGateways)) {
            return;
        }
        GatewayClient client = new GatewayClient();
        Wrk wrk = new Wrk(results);
        RedisTools redis = new RedisTools(processes.redisPort(), results);
        GatewayProcess a = processes.a();
        GatewayProcess b = processes.b();
        run.scenario("wakeup", Duration.ofMinutes(5), () -> {
            WakeupScenario wakeups = new WakeupScenario(client, a, b, results);
            wakeups.warmUp();
            webhookFirstMs = wakeups.run();
        });
        run.scenario("polling", Duration.ofMinutes(5),
                () -> polling = new PollingScenario(client, a, b, results).run(webhookFirstMs));
        run.scenario("status-reads", Duration.ofMinutes(5),
                () -> statusReadId = new StatusReadsScenario(client, a, wrk, redis, results).run());
        run.scenario("peer", Duration.ofMinutes(6),
                () -> new PeerScenario(a, wrk, results, work, processes.redisPort()).run(statusReadId));
        // The meters' cost first: its webhook rounds on B also warm B's webhook path up for the ingest scenario,
        // whose CPU per webhook would otherwise include the JIT compiling that path.
        run.scenario("metrics-cost", Duration.ofMinutes(10), () -> {
            try (GatewayProcess withoutMetrics = MetricsCostScenario.startWithoutMetrics(processes)) {
                new MetricsCostScenario(client, b, withoutMetrics, wrk, results, work).run();
            }
        });
        run.scenario("webhook-ingest", Duration.ofMinutes(6),
                () -> new WebhookIngestScenario(client, a, b, wrk, results, work).run());
        // At 25/50/75 % of the closed-loop maxima just measured (NaN when those did not run: it measures its own).
        run.scenario("open-loop", Duration.ofMinutes(6), () -> new OpenLoopLatencyScenario(client, a, b, results)
                .run(results.number("status_rps_200"), results.number("webhook_ingest_rps")));
        // Two gateways of its own on a 3-master cluster; A and B stay idle meanwhile.
        run.scenario("cluster", Duration.ofMinutes(6),
                () -> new ClusterScenario(processes, client, wrk, results, work).run());
        run.scenario("concurrent-waits", Duration.ofMinutes(5),
                () -> new ConcurrentWaitsScenario(client, a, b, redis, results).run());
        run.scenario("onejob", Duration.ofMinutes(5),
                () -> new OneJobWaitsScenario(client, a, b, redis, results).run());
        run.scenario("push", Duration.ofMinutes(6), () -> new PushScenario(client, a, b, redis, results).run());
        run.scenario("comfyui-polling", Duration.ofMinutes(5),
                () -> new ComfyUiPollingScenario(client, a, b, processes.ai(), results).run());
        run.scenario("learned-checks", Duration.ofMinutes(6), () -> {
            try (GatewayProcess learning = LearnedChecksScenario.start(processes)) {
                new LearnedChecksScenario(client, learning, processes.ai(), results).run();
            }
        });
    }

    private void report() throws Exception {
        if (run.partialSelection()) {
            System.out.println(results.toolOutput());
            results.figures().forEach((k, v) -> System.out.println(k + " = " + v));
            System.out.println(results.profiles());
            return;
        }
        new Report(results).write(resultsDir, webhookFirstMs, polling, run, CONTRIBUTED_TARGETS);
    }
}
