package dev.jobgateway.bench;

import java.nio.file.Path;

import dev.jobgateway.support.GatewayProcess;

/**
 * The benchmark harness behind {@code bench/run.sh}: its own Redis, the simulated AI server and two gateway
 * processes (plain HTTP packaging) on 127.0.0.1, the scenarios below, and a results file with a chart. Bounded in
 * count and time; sends traffic only to loopback. The Lambda cold-start scenario runs first and reads its artifacts
 * from where bench/run.sh builds them ({@link LambdaColdStartScenario#fromSystemProperties}).
 *
 * <p>
 * Arguments: the gateway's {@code quarkus-run.jar}, the results directory, and a work directory for logs and
 * signed webhooks (default {@code target/bench}).
 */
public final class Benchmark {

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path resultsDir = Path.of(args[1]);
        Path work = Path.of(args.length > 2 ? args[2] : "target/bench");
        Results results = new Results();
        // -Dbench.only=status runs the status reads and the Node.js peer only, =webhook the status reads (for the
        // per-read figures it is compared with) and the webhook ingest only, =onejob the 10,000 held reads of one
        // job only, =push the 1,000 subscribed browsers against 1,000 held reads only, =coldstart the Lambda cold
        // starts only:
        // a quick look while working on one path. The figures are then printed, never written to bench/results.
        String only = System.getProperty("bench.only", "");
        boolean partial = !only.isEmpty();
        if (only.isEmpty() || only.equals("coldstart")) {
            // First, while nothing else of the benchmark runs: a cold start is CPU-bound, and its own Redis is idle.
            LambdaColdStartScenario.fromSystemProperties(work, results).run();
        }
        if (only.equals("coldstart")) {
            results.figures().forEach((k, v) -> System.out.println(k + " = " + v));
            System.exit(0);
        }
        double[] webhookFirstMs = {};
        PollingScenario.Polling polling = null;
        // The order is part of the results file (figures are listed as measured) and of the measurement: start-up
        // runs before A and B exist, and each later scenario runs on gateways warmed by the ones before it.
        try (Processes processes = Processes.startRedisAndSimulator(jar, work)) {
            if (!partial) {
                new StartupScenario(processes, results).run();
            }
            processes.startGateways();
            GatewayProcess a = processes.a();
            GatewayProcess b = processes.b();
            GatewayClient client = new GatewayClient();
            Wrk wrk = new Wrk(results);
            RedisTools redis = new RedisTools(processes.redisPort(), results);
            if (only.equals("status")) {
                String id = new StatusReadsScenario(client, a, wrk, redis, results).run();
                new PeerScenario(a, wrk, results, work, processes.redisPort()).run(id);
            } else if (only.equals("webhook")) {
                new StatusReadsScenario(client, a, wrk, redis, results).run();
                new WebhookIngestScenario(client, a, b, wrk, results, work).run();
            } else if (only.equals("onejob")) {
                new OneJobWaitsScenario(client, a, b, redis, results).run();
            } else if (only.equals("push")) {
                new PushScenario(client, a, b, redis, results).run();
            } else if (partial) {
                throw new IllegalArgumentException(
                        "bench.only is status, webhook, onejob, push or coldstart, not " + only);
            } else {
                WakeupScenario wakeups = new WakeupScenario(client, a, b, results);
                wakeups.warmUp();
                webhookFirstMs = wakeups.run();
                polling = new PollingScenario(client, a, b, results).run(webhookFirstMs);
                String id = new StatusReadsScenario(client, a, wrk, redis, results).run();
                new PeerScenario(a, wrk, results, work, processes.redisPort()).run(id);
                // The meters' cost first: its webhook rounds on B also warm B's webhook path up for the ingest
                // scenario, whose CPU per webhook would otherwise include the JIT compiling that path.
                try (GatewayProcess withoutMetrics = MetricsCostScenario.startWithoutMetrics(processes)) {
                    new MetricsCostScenario(client, b, withoutMetrics, wrk, results, work).run();
                }
                new WebhookIngestScenario(client, a, b, wrk, results, work).run();
                new ConcurrentWaitsScenario(client, a, b, redis, results).run();
                new OneJobWaitsScenario(client, a, b, redis, results).run();
                new PushScenario(client, a, b, redis, results).run();
                new ComfyUiPollingScenario(client, a, b, processes.ai(), results).run();
                try (GatewayProcess learning = LearnedChecksScenario.start(processes)) {
                    new LearnedChecksScenario(client, learning, processes.ai(), results).run();
                }
            }
        }
        if (partial) {
            System.out.println(results.toolOutput());
            results.figures().forEach((k, v) -> System.out.println(k + " = " + v));
            System.out.println(results.profiles());
        } else {
            // Its own gateway (output storage on), Redis, simulator and S3-API server: after A and B are gone.
            new OutputStorageScenario(jar, work, results).run();
            new Report(results).write(resultsDir, webhookFirstMs, polling);
        }
        // The HTTP client's threads are not daemons: without this the JVM would stay up after the report.
        System.exit(0);
    }
}
