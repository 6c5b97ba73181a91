package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 6: what the delivery meters cost on status reads and webhook ingest, in the same run: two gateways of the
 * same build on the same Redis, one with the meters on (the default) and one with {@code GATEWAY_METRICS_ENABLED=false}
 * (Quarkus' own binders are off in both builds; see application.properties). The two are measured in turns, each
 * round on fresh webhooks, so that the machine's load weighs on both alike; the ratio is of the medians.
 *
 * <p>
 * Also runs on its own, without the rest of the benchmark ({@link #main}): the plain-HTTP jar and a work directory.
 */
final class MetricsCostScenario {

    static final int ROUNDS = 5;
    static final int SECONDS = 5;

    private final GatewayClient client;
    private final GatewayProcess on;
    private final GatewayProcess off;
    private final Wrk wrk;
    private final Results results;
    private final Path work;

    MetricsCostScenario(GatewayClient client, GatewayProcess on, GatewayProcess off, Wrk wrk, Results results,
            Path work) {
        this.client = client;
        this.on = on;
        this.off = off;
        this.wrk = wrk;
        this.results = results;
        this.work = work;
    }

    /** Starts the gateway without meters next to the benchmark's; the caller closes it. */
    static GatewayProcess startWithoutMetrics(Processes processes) throws Exception {
        int port = LocalRedisServer.freePort();
        GatewayProcess off = processes.startGateway(port, port, "gateway-no-metrics.log",
                Map.of("GATEWAY_METRICS_ENABLED", "false"));
        off.awaitReady(java.time.Duration.ofSeconds(60));
        return off;
    }

    void run() throws Exception {
        String id = client.finishedJob(on);
        List<String> apiKey = List.of("Authorization: Bearer " + Processes.API_KEY);
        for (GatewayProcess gateway : List.of(on, off)) {
            wrk.requestsPerSecond(gateway.baseUrl() + "/jobs/" + id, apiKey, Wrk.WARM_UP_SECONDS);
        }
        double[] readsOn = new double[ROUNDS];
        double[] readsOff = new double[ROUNDS];
        double[] cpuOn = new double[ROUNDS];
        double[] cpuOff = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean onFirst = round % 2 == 0;
            for (GatewayProcess gateway : onFirst ? List.of(on, off) : List.of(off, on)) {
                double cpuBefore = CpuTime.ms(gateway.pid());
                double rps = wrk.requestsPerSecond(gateway.baseUrl() + "/jobs/" + id, apiKey, SECONDS);
                double cpuUs = (CpuTime.ms(gateway.pid()) - cpuBefore) * 1000 / (rps * SECONDS);
                (gateway == on ? readsOn : readsOff)[round] = rps;
                (gateway == on ? cpuOn : cpuOff)[round] = cpuUs;
            }
        }
        put("status", readsOn, readsOff, cpuOn, cpuOff);

        // Each replay signed for the fastest rate measured so far (a read costs less than a webhook: half of it to
        // begin with), on fresh jobs, so that no webhook goes twice (SignedReplays).
        SignedReplays replays = new SignedReplays(client, on, wrk, work,
                Math.max(Stats.percentile(readsOn, 50), Stats.percentile(readsOff, 50)) / 2);
        for (GatewayProcess gateway : List.of(on, off)) {
            replays.replay(gateway, "metrics-cost-warm-up", Wrk.WARM_UP_SECONDS);
        }
        double[] ingestOn = new double[ROUNDS];
        double[] ingestOff = new double[ROUNDS];
        double[] ingestCpuOn = new double[ROUNDS];
        double[] ingestCpuOff = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean onFirst = round % 2 == 1;
            for (GatewayProcess gateway : onFirst ? List.of(on, off) : List.of(off, on)) {
                SignedReplays.Replay replay = replays.replay(gateway,
                        "metrics-cost-" + (gateway == on ? "on-" : "off-") + round, SECONDS);
                if (replay.non2xx() > 0) {
                    throw new IllegalStateException("webhook replay failed: " + replay.out());
                }
                (gateway == on ? ingestOn : ingestOff)[round] = replay.rps();
                (gateway == on ? ingestCpuOn : ingestCpuOff)[round] = replay.cpuUsPerWebhook();
            }
        }
        put("webhook_ingest", ingestOn, ingestOff, ingestCpuOn, ingestCpuOff);
    }

    /**
     * The rates and the gateway's CPU per request of each run, and the ratios of their medians: on a shared machine
     * the CPU per request is the steadier of the two (another process's load changes the rate more than the work).
     */
    private void put(String name, double[] withMetrics, double[] without, double[] cpuWith, double[] cpuWithout) {
        String prefix = "metrics_cost_" + name;
        results.put(prefix + "_rps_with_metrics_runs", show(withMetrics));
        results.put(prefix + "_rps_without_metrics_runs", show(without));
        results.put(prefix + "_rps_ratio_with_to_without", ratio(withMetrics, without));
        results.put(prefix + "_cpu_us_per_request_with_metrics_runs", show(cpuWith));
        results.put(prefix + "_cpu_us_per_request_without_metrics_runs", show(cpuWithout));
        results.put(prefix + "_cpu_per_request_ratio_with_to_without", ratio(cpuWith, cpuWithout));
    }

    private static String ratio(double[] a, double[] b) {
        return String.format(java.util.Locale.ROOT, "%.3f", Stats.percentile(a, 50) / Stats.percentile(b, 50));
    }

    private static String show(double[] values) {
        List<String> shown = new ArrayList<>();
        for (double v : values) {
            shown.add(Stats.fmt(v));
        }
        return String.join(", ", shown);
    }

    /**
     * Only this scenario: {@code java -cp ... dev.jobgateway.bench.MetricsCostScenario <quarkus-run.jar> <work dir>};
     * prints the figures (bench/run.sh runs it with the rest and writes them to the results file).
     */
    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        Path work = Path.of(args.length > 1 ? args[1] : "target/bench");
        Files.createDirectories(work);
        Results results = new Results();
        try (Processes processes = Processes.startRedisAndSimulator(jar, work)) {
            processes.startGateways();
            try (GatewayProcess off = startWithoutMetrics(processes)) {
                new MetricsCostScenario(new GatewayClient(), processes.b(), off, new Wrk(results), results, work)
                        .run();
            }
        }
        results.figures().forEach((name, value) -> System.out.println(name + ": " + value));
        System.exit(0);
    }
}
