package dev.jobgateway.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.GatewayProcess;

/**
 * Status reads (200 and 304) and webhook ingest on a local Redis Cluster (3 masters, the tests' own
 * {@link LocalRedisCluster} from the same binary as the standalone Redis), with two gateways of their own on it
 * configured as docs/deploy.md says, measured as {@link StatusReadsScenario} and {@link WebhookIngestScenario} measure
 * the standalone ones, in the same run: the ratios to standalone are what the cluster costs. Runs after those two
 * (it reads their figures).
 */
final class ClusterScenario {

    private final Processes processes;
    private final GatewayClient client;
    private final Wrk wrk;
    private final Results results;
    private final Path work;

    ClusterScenario(Processes processes, GatewayClient client, Wrk wrk, Results results, Path work) {
        this.processes = processes;
        this.client = client;
        this.wrk = wrk;
        this.results = results;
        this.work = work;
    }

    void run() throws Exception {
        // No replicas: the standalone rows have none either, and two more servers would only take CPU from both.
        try (LocalRedisCluster cluster = LocalRedisCluster.start(3, 0, Duration.ofSeconds(5), List.of())) {
            cluster.awaitHealthy(Duration.ofSeconds(30));
            int portA = LocalRedisServer.freePort();
            int portB = LocalRedisServer.freePort();
            GatewayProcess a = processes.startGateway(portA, portB, "gateway-cluster-a.log", settings(cluster));
            GatewayProcess b = processes.startGateway(portB, portB, "gateway-cluster-b.log", settings(cluster));
            try {
                a.awaitReady(Duration.ofSeconds(60));
                b.awaitReady(Duration.ofSeconds(60));
                statusReads(a);
                webhookIngest(a, b);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /** What GatewayProcess.env sets for a cluster (its seeds, the cluster client, no TCP reconnects). */
    private static Map<String, String> settings(LocalRedisCluster cluster) {
        return Map.of("REDIS_URL", cluster.hosts(), "QUARKUS_REDIS_HOSTS", cluster.hosts(),
                "QUARKUS_REDIS_CLIENT_TYPE", "cluster", "QUARKUS_REDIS_TCP_RECONNECT_ATTEMPTS", "0");
    }

    private void statusReads(GatewayProcess a) throws Exception {
        StatusReadRounds reads = StatusReadRounds.measure(client, a, wrk);
        results.put("cluster_status_rps_200", Stats.fmt(reads.rps200()));
        results.put("cluster_status_rps_304", Stats.fmt(reads.rps304()));
        results.put("cluster_status_gateway_cpu_us_per_request_200", Stats.fmt(reads.cpuUsPer200()));
        results.put("cluster_status_gateway_cpu_us_per_request_304", Stats.fmt(reads.cpuUsPer304()));
        ratio("ratio_cluster_to_standalone_status_rps_200", "cluster_status_rps_200", "status_rps_200");
        ratio("ratio_cluster_to_standalone_status_rps_304", "cluster_status_rps_304", "status_rps_304");
        ratio("ratio_cluster_to_standalone_status_cpu_200", "cluster_status_gateway_cpu_us_per_request_200",
                "status_gateway_cpu_us_per_request_200");
        // The standalone 304 row of its own window (the other one also covers the 401 runs).
        ratio("ratio_cluster_to_standalone_status_cpu_304", "cluster_status_gateway_cpu_us_per_request_304",
                "status_gateway_cpu_us_per_request_304_alone");
    }

    /** {@link WebhookIngestScenario} on the cluster's gateways, its figures kept under {@code cluster_} names. */
    private void webhookIngest(GatewayProcess a, GatewayProcess b) throws Exception {
        Results own = new Results();
        // Its ratio to the HGETALL ceiling is not one of ours: the standalone ceiling keeps it from failing.
        String ceiling = results.get("redis_hgetall_rps_ceiling");
        own.put("redis_hgetall_rps_ceiling", ceiling == null ? "NaN" : ceiling);
        Path files = Files.createDirectories(work.resolve("cluster"));
        new WebhookIngestScenario(client, a, b, wrk, own, files).run();
        results.put("cluster_webhook_ingest_rps", own.get("webhook_ingest_rps"));
        results.put("cluster_webhook_ingest_non_2xx", own.get("webhook_ingest_non_2xx"));
        results.put("cluster_webhook_ingest_gateway_cpu_us_per_webhook",
                own.get("webhook_ingest_gateway_cpu_us_per_webhook"));
        ratio("ratio_cluster_to_standalone_webhook_ingest_rps", "cluster_webhook_ingest_rps", "webhook_ingest_rps");
        ratio("ratio_cluster_to_standalone_webhook_cpu", "cluster_webhook_ingest_gateway_cpu_us_per_webhook",
                "webhook_ingest_gateway_cpu_us_per_webhook");
    }

    private void ratio(String name, String cluster, String standalone) {
        String base = results.get(standalone);
        if (base != null) {
            results.put(name, Stats.fmt(Double.parseDouble(results.get(cluster)) / Double.parseDouble(base)));
        }
    }

    /** The cluster rows of the Targets table (none is a target of its own: they say what a cluster costs). */
    static String targetRows(Results results) {
        if (results.get("cluster_status_rps_200") == null) {
            return "";
        }
        return row("status reads on a Redis Cluster (3 masters) against standalone, same run",
                results.get("cluster_status_rps_200") + " rps 200 (" + orDash(results,
                        "ratio_cluster_to_standalone_status_rps_200")
                        + "× standalone), " + results.get("cluster_status_rps_304") + " rps 304 ("
                        + orDash(results, "ratio_cluster_to_standalone_status_rps_304") + "×); CPU per read "
                        + results.get("cluster_status_gateway_cpu_us_per_request_200") + " µs ("
                        + orDash(results, "ratio_cluster_to_standalone_status_cpu_200") + "×), per 304 "
                        + results.get("cluster_status_gateway_cpu_us_per_request_304") + " µs ("
                        + orDash(results, "ratio_cluster_to_standalone_status_cpu_304") + "×)")
                + row("webhook ingest on a Redis Cluster against standalone, same run",
                        results.get("cluster_webhook_ingest_rps") + " webhooks/s ("
                                + orDash(results, "ratio_cluster_to_standalone_webhook_ingest_rps")
                                + "× standalone); CPU per webhook "
                                + results.get("cluster_webhook_ingest_gateway_cpu_us_per_webhook") + " µs ("
                                + orDash(results, "ratio_cluster_to_standalone_webhook_cpu") + "×)");
    }

    /** What bounds the cluster rows, for the "What bounds these figures" list. */
    static String bounds(Results results) {
        if (results.get("cluster_status_rps_200") == null) {
            return "";
        }
        return "- Redis Cluster: the reads and scripts are pipelined on one cluster connection (a connection per "
                + "node) that requests share, as on standalone Redis, but each is routed by its keys' slot and the "
                + "slot map is fetched again every second while commands flow; the other commands go through the "
                + "pooled cluster client, each borrowing a connection to every node (docs/performance.md, "
                + "\"Pipelining on a Redis Cluster\"). CPU per read "
                + results.get("cluster_status_gateway_cpu_us_per_request_200") + " µs against "
                + results.get("status_gateway_cpu_us_per_request_200") + " µs standalone; per webhook "
                + results.get("cluster_webhook_ingest_gateway_cpu_us_per_webhook") + " µs against "
                + results.get("webhook_ingest_gateway_cpu_us_per_webhook") + " µs. The three masters share the "
                + "same two cores with wrk and the gateways.\n";
    }

    private static String orDash(Results results, String name) {
        String value = results.get(name);
        return value == null ? "–" : value;
    }

    private static String row(String target, String measured) {
        return "| " + target + " | " + measured + " | (no target) |\n";
    }
}
