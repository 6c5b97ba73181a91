package dev.jobgateway.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    static final int ROUNDS = 3;
    static final int SECONDS = 5;
    private static final int JOBS = 100;
    private static final int WEBHOOKS_PER_JOB = 400;

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
        String id = client.submitMany(on, 1, "\"webhook\":\"deliver\",\"duration_ms\":10").get(0);
        client.get(on, "/jobs/" + id + "?wait=5");
        List<String> apiKey = List.of("Authorization: Bearer " + Processes.API_KEY);
        for (GatewayProcess gateway : List.of(on, off)) {
            wrk.requestsPerSecond(gateway.baseUrl() + "/jobs/" + id, apiKey, Wrk.WARM_UP_SECONDS);
        }
        double[] readsOn = new double[ROUNDS];
        double[] readsOff = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean onFirst = round % 2 == 0;
            for (GatewayProcess gateway : onFirst ? List.of(on, off) : List.of(off, on)) {
                double rps = wrk.requestsPerSecond(gateway.baseUrl() + "/jobs/" + id, apiKey, SECONDS);
                (gateway == on ? readsOn : readsOff)[round] = rps;
            }
        }
        put("status", readsOn, readsOff);

        for (GatewayProcess gateway : List.of(on, off)) {
            wrk.replay(gateway.baseUrl(), signed(JOBS / 2, WEBHOOKS_PER_JOB / 2, "warm-up"), Wrk.WARM_UP_SECONDS);
        }
        double[] ingestOn = new double[ROUNDS];
        double[] ingestOff = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            boolean onFirst = round % 2 == 1;
            for (GatewayProcess gateway : onFirst ? List.of(on, off) : List.of(off, on)) {
                Path file = signed(JOBS, WEBHOOKS_PER_JOB, (gateway == on ? "on-" : "off-") + round);
                String out = wrk.replay(gateway.baseUrl(), file, SECONDS);
                Matcher rps = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(out);
                if (!rps.find() || out.contains("Non-2xx")) {
                    throw new IllegalStateException("webhook replay failed: " + out);
                }
                (gateway == on ? ingestOn : ingestOff)[round] = Double.parseDouble(rps.group(1));
            }
        }
        put("webhook_ingest", ingestOn, ingestOff);
    }

    private void put(String name, double[] withMetrics, double[] without) {
        double on = Stats.percentile(withMetrics, 50);
        double off = Stats.percentile(without, 50);
        results.put("metrics_cost_" + name + "_rps_with_metrics_runs", show(withMetrics));
        results.put("metrics_cost_" + name + "_rps_without_metrics_runs", show(without));
        results.put("metrics_cost_" + name + "_rps_ratio_with_to_without",
                String.format(java.util.Locale.ROOT, "%.3f", on / off));
    }

    /** Progress webhooks for fresh jobs, signed in advance (as the webhook-ingest scenario does). */
    private Path signed(int jobs, int perJob, String name) throws Exception {
        List<String> ids = client.submitMany(on, jobs, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(on, ids);
        Path file = work.resolve("metrics-cost-webhooks-" + name + ".tsv");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int k = 1; k <= perJob; k++) {
                for (String id : ids) {
                    out.write(SignedWebhook.of(id, external.get(id), "running", (double) k / (perJob + 1))
                            .tsvLine());
                }
            }
        }
        return file;
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
