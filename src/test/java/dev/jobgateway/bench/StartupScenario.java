package dev.jobgateway.bench;

import java.time.Duration;
import java.util.Arrays;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.GatewayProcess;

/** Scenario 5: process start to first answered request, several runs (a Lambda cold start pays this). */
final class StartupScenario {

    private static final int RUNS = 5;

    private final Processes processes;
    private final Results results;

    StartupScenario(Processes processes, Results results) {
        this.processes = processes;
        this.results = results;
    }

    void run() throws Exception {
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            int port = LocalRedisServer.freePort();
            try (GatewayProcess gateway = processes.startGateway(port, port, "startup.log")) {
                ms[i] = gateway.awaitReady(Duration.ofSeconds(60)).toNanos() / 1e6;
            }
        }
        results.put("startup_ms_runs", Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v)).toArray()));
        results.put("startup_ms_median", Stats.fmt(Stats.percentile(ms, 50)));
    }
}
