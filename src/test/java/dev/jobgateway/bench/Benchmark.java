package dev.jobgateway.bench;

import java.nio.file.Path;

import dev.jobgateway.support.GatewayProcess;

/**
 * The benchmark harness behind {@code bench/run.sh}: its own Redis, the simulated AI server and two gateway
 * processes (plain HTTP packaging) on 127.0.0.1, the scenarios below, and a results file with a chart. Bounded in
 * count and time; sends traffic only to loopback.
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
        double[] webhookFirstMs;
        PollingScenario.Polling polling;
        // The order is part of the results file (figures are listed as measured) and of the measurement: start-up
        // runs before A and B exist, and each later scenario runs on gateways warmed by the ones before it.
        try (Processes processes = Processes.startRedisAndSimulator(jar, work)) {
            new StartupScenario(processes, results).run();
            processes.startGateways();
            GatewayProcess a = processes.a();
            GatewayProcess b = processes.b();
            GatewayClient client = new GatewayClient();
            Wrk wrk = new Wrk(results);
            RedisTools redis = new RedisTools(processes.redisPort(), results);
            WakeupScenario wakeups = new WakeupScenario(client, a, b, results);
            wakeups.warmUp();
            webhookFirstMs = wakeups.run();
            polling = new PollingScenario(client, a, b, results).run(webhookFirstMs);
            new StatusReadsScenario(client, a, wrk, redis, results).run();
            new WebhookIngestScenario(client, a, b, wrk, results, work).run();
            try (GatewayProcess withoutMetrics = MetricsCostScenario.startWithoutMetrics(processes)) {
                new MetricsCostScenario(client, b, withoutMetrics, wrk, results, work).run();
            }
            new ConcurrentWaitsScenario(client, a, b, redis, results).run();
        }
        new Report(results).write(resultsDir, webhookFirstMs, polling);
        // The HTTP client's threads are not daemons: without this the JVM would stay up after the report.
        System.exit(0);
    }
}
