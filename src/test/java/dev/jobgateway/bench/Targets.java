package dev.jobgateway.bench;

import static dev.jobgateway.bench.Stats.fmt;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The "Targets" section: the project's targets against this run's figures, each row with its figure and, where
 * missed, what bounds it; then what bounds the figures on this machine, measured in the same run. A target whose
 * figures are missing (its scenario was not selected, or failed) reads "not measured in this run". Scenarios with
 * targets of their own contribute rows and bounds as {@link TargetSource}s.
 */
final class Targets {

    /**
     * Wake-up p99 against the floor's p99 (a request refused before any Redis command, measured between the
     * wake-ups): a wake-up is the webhook's own HTTP exchange plus the hand-off to the held read, so two floors
     * (docs/performance.md).
     */
    static final double WAKE_UP_TO_FLOOR_P99 = 2.0;
    static final String NOT_MEASURED = "not measured in this run";

    private Targets() {
    }

    static String markdown(Results results) {
        return markdown(results, List.of());
    }

    static String markdown(Results r, List<TargetSource> contributed) {
        StringBuilder md = new StringBuilder("## Targets\n\n| target | this run | met |\n|---|---|---|\n");
        double wakeP99 = r.number("wakeup_ms_p99");
        double floorP99 = r.number("floor_rtt_ms_p99");
        double wakeRatio = wakeP99 / floorP99;
        md.append(row(r, "wake-up p99 ≤ " + fmt(WAKE_UP_TO_FLOOR_P99) + "× the floor's p99 (a request refused "
                + "before any Redis command, same run, same client)",
                keys("wakeup_ms_p99", "floor_rtt_ms_p99", "wakeup_ms_p50", "floor_rtt_ms_p50"),
                () -> fmt(wakeRatio) + "× (p99 " + fmt(wakeP99) + " ms from sending the webhook to B, floor p99 "
                        + fmt(floorP99) + " ms; p50 " + v(r, "wakeup_ms_p50") + " vs " + v(r, "floor_rtt_ms_p50")
                        + " ms; " + v(r, "wakeup_after_ack_ms_p99") + " ms p99 from B's acknowledgement)",
                wakeRatio <= WAKE_UP_TO_FLOOR_P99,
                "the tail is scheduling on cores shared by the client, both JVMs and Redis (Wake-up below)"));
        double ratioP50 = r.number("ratio_added_latency_poll3s_to_webhook_p50");
        double ratioMean = r.number("ratio_added_latency_poll3s_to_webhook_mean");
        md.append(row(r, "≥ 300× less added latency than polling every 3 s",
                keys("ratio_added_latency_poll3s_to_webhook_p50", "ratio_added_latency_poll3s_to_webhook_mean"),
                () -> fmt(ratioP50) + "× at p50, " + fmt(ratioMean) + "× on the mean",
                ratioP50 >= 300 && ratioMean >= 300, "the wake-up's own latency (first row)"));
        double statusRatio = r.number("ratio_status_200_to_redis");
        md.append(row(r, "status rps ≥ 0.35× the Redis HGETALL ceiling",
                keys("ratio_status_200_to_redis", "status_rps_200", "redis_hgetall_rps_ceiling"),
                () -> fmt(statusRatio) + "× (" + v(r, "status_rps_200") + " vs " + v(r, "redis_hgetall_rps_ceiling")
                        + " rps; 304: " + v(r, "ratio_status_304_to_redis") + "×)",
                statusRatio >= 0.35, "the gateway's CPU per read, on cores shared with wrk and Redis (Status "
                        + "throughput below)"));
        double floorRatio = r.number("status_rps_200") / r.number("status_rps_401_no_redis");
        md.append(row(r, "status 200 rps ≥ 0.75× the gateway's own HTTP floor (a 401 refused before Redis)",
                keys("status_rps_200", "status_rps_401_no_redis"),
                () -> fmt(floorRatio) + "× (" + v(r, "status_rps_200") + " vs " + v(r, "status_rps_401_no_redis")
                        + " rps)",
                floorRatio >= 0.75, "the read's Redis round trip and JSON on top of the HTTP exchange (Status "
                        + "throughput below)"));
        double peer200 = r.number("ratio_gateway_200_to_peer_200");
        md.append(row(r, "status 200 rps ≥ 1.5× the Node.js + ioredis peer's 200 (same run, alternating rounds)",
                keys("ratio_gateway_200_to_peer_200"),
                () -> fmt(peer200) + "× (" + v(r, "peer_gateway_200_rps") + " vs " + v(r, "peer_node_200_rps")
                        + " rps; p99 " + v(r, "peer_gateway_200_p99_ms") + " vs " + v(r, "peer_node_200_p99_ms")
                        + " ms)",
                peer200 >= 1.5, "CPU per read: the gateway's " + v(r, "peer_gateway_200_cpu_us_per_request")
                        + " µs vs the peer's " + v(r, "peer_node_200_cpu_us_per_request") + " µs (Against the peer "
                        + "below)"));
        double peer304 = r.number("ratio_gateway_304_to_peer_200");
        md.append(row(r, "304 rps ≥ 1.3× the peer's 200", keys("ratio_gateway_304_to_peer_200"),
                () -> fmt(peer304) + "× (" + v(r, "peer_gateway_304_rps") + " vs " + v(r, "peer_node_200_rps")
                        + " rps; p99 " + v(r, "peer_gateway_304_p99_ms") + " ms)",
                peer304 >= 1.3, "a 304's own CPU (Conditional reads below)"));
        double cpu304 = r.number("ratio_status_cpu_304_to_200");
        md.append(row(r, "gateway CPU per 304 ≤ 0.6× per 200", keys("ratio_status_cpu_304_to_200"),
                () -> fmt(cpu304) + "× (" + v(r, "status_gateway_cpu_us_per_request_304_alone") + " vs "
                        + v(r, "status_gateway_cpu_us_per_request_200") + " µs; in the peer rounds "
                        + v(r, "peer_gateway_304_cpu_us_per_request") + " vs "
                        + v(r, "peer_gateway_200_cpu_us_per_request") + " µs)",
                cpu304 <= 0.6, "a 304 still pays the HTTP exchange, the key check and a Redis round trip: a 401 "
                        + "costs " + v(r, "peer_gateway_401_cpu_us_per_request") + " µs (Conditional reads below)"));
        double webhookRatio = r.number("webhook_ingest_gateway_cpu_us_per_webhook")
                / r.number("status_gateway_cpu_us_per_request_200");
        md.append(row(r, "gateway CPU per signed webhook ≤ 1.5× per status read (one Redis round trip per webhook)",
                keys("webhook_ingest_gateway_cpu_us_per_webhook", "status_gateway_cpu_us_per_request_200"),
                () -> fmt(webhookRatio) + "× (" + v(r, "webhook_ingest_gateway_cpu_us_per_webhook") + " vs "
                        + v(r, "status_gateway_cpu_us_per_request_200") + " µs)",
                webhookRatio <= 1.5, "HMAC, JSON and the transition script (Webhook ingest below, and its "
                        + "profile)"));
        double lostP50 = r.number("learned_lost_webhook_added_ms_p50");
        md.append(row(r, "a lost webhook of a ~10 s job (after warm-up) reaches its waiting client ≤ 2 s late at p50",
                keys("learned_lost_webhook_added_ms_p50"),
                () -> "p50 " + fmt(lostP50) + " ms, p95 " + v(r, "learned_lost_webhook_added_ms_p95")
                        + " ms after the AI server finished (expected duration "
                        + v(r, "learned_expected_duration_ms_p50") + " ms; the fixed rule alone: about 20 s)",
                lostP50 <= 2_000, "the learned check's margin over the expected duration"));
        double checksArrive = r.number("learned_checks_per_job_webhooks_arrive");
        md.append(row(r, "≤ 0.2 upstream checks per job when webhooks all arrive",
                keys("learned_checks_per_job_webhooks_arrive"),
                () -> fmt(checksArrive) + " per job (" + v(r, "learned_checks_per_job_webhook_lost")
                        + " per job whose webhook was lost)",
                checksArrive <= 0.2, "checks due before the webhooks arrive"));
        double connections = r.number("waits_redis_connections_instance_a");
        md.append(row(r, "10,000 waits on ≤ 8 Redis connections", keys("waits_redis_connections_instance_a"),
                () -> fmt(connections) + " connections", connections <= 8, "the Redis client's pool"));
        double heapDuring = heapDuring(r);
        md.append(row(r, "10,000 waits with heap ≤ 256 MB",
                Double.isNaN(heapDuring) ? new String[] { "waits_heap_used_after_gc_mib_before_during" }
                        : new String[0],
                () -> fmt(heapDuring) + " MiB heap in use after GC", heapDuring <= 256, "the waits' own objects"));
        double coldRatio = r.number("ratio_lambda_cold_start_gateway_to_bare");
        md.append(row(r, "Lambda cold start ≤ 1.3× a bare quarkus-amazon-lambda-http app's (same run)",
                keys("ratio_lambda_cold_start_gateway_to_bare"),
                () -> fmt(coldRatio) + "× (median " + v(r, "lambda_cold_start_wall_ms_gateway_median") + " vs "
                        + v(r, "lambda_cold_start_wall_ms_bare_median") + " ms over " + v(r, "lambda_cold_start_runs")
                        + " alternating starts each, process start to the first answer; CPU "
                        + v(r, "lambda_cold_start_cpu_ms_gateway_median") + " vs "
                        + v(r, "lambda_cold_start_cpu_ms_bare_median") + " ms: "
                        + v(r, "ratio_lambda_cold_start_cpu_gateway_to_bare") + ")",
                coldRatio <= 1.3, "classes loaded and first-time code of the extensions (Lambda cold start below)"));
        for (TargetSource source : contributed) {
            md.append(contributed(source.name(), () -> source.rows().apply(r),
                    "| " + source.name() + " | " + NOT_MEASURED + " | — |\n"));
        }
        md.append("\n");
        md.append("What bounds these figures on this machine (measured in this run):\n\n");
        md.append(bounds(r));
        for (TargetSource source : contributed) {
            md.append(contributed(source.name(), () -> source.bounds().apply(r), ""));
        }
        md.append("\n");
        return md.toString();
    }

    /** A contributed piece, or {@code otherwise} when it cannot be rendered from this run's figures. */
    private static String contributed(String name, Supplier<String> piece, String otherwise) {
        try {
            String text = piece.get();
            if (text == null || text.isBlank()) {
                return otherwise;
            }
            return text.endsWith("\n") ? text : text + "\n";
        } catch (RuntimeException e) {
            System.err.println("bench: the targets of " + name + " could not be rendered: " + BenchRun.oneLine(e));
            return otherwise;
        }
    }

    private static String bounds(Results r) {
        StringBuilder md = new StringBuilder();
        if (present(r, "floor_rtt_ms_p99", "webhook_rtt_ms_p50", "wakeup_after_ack_ms_p99")) {
            md.append("- Wake-up: the floor of this machine and client is a request the gateway refuses before any "
                    + "Redis command: p50 " + v(r, "floor_rtt_ms_p50") + " ms, p99 " + v(r, "floor_rtt_ms_p99")
                    + " ms. The webhook itself (signature, atomic transition) takes p50 " + v(r, "webhook_rtt_ms_p50")
                    + " ms, p99 " + v(r, "webhook_rtt_ms_p99") + " ms, and the hand-off from B's acknowledgement to "
                    + "A's answer p50 " + v(r, "wakeup_after_ack_ms_p50") + " ms, p99 "
                    + v(r, "wakeup_after_ack_ms_p99") + " ms. The tail is scheduling on cores shared by the "
                    + "benchmark's own client, two JVMs, Redis and the simulator, which is why the target is a "
                    + "multiple of the floor measured alongside. (B publishes the change before it writes its "
                    + "answer, so A's answer can reach the client before B's acknowledgement: times after the "
                    + "acknowledgement can be negative.)\n");
        }
        if (present(r, "status_gateway_cpu_us_per_request_200", "status_rps_401_no_redis",
                "redis_cpu_us_per_hgetall")) {
            md.append("- Status throughput: the gateway used " + v(r, "status_gateway_cores_busy_200")
                    + " cores under wrk, " + v(r, "status_gateway_cpu_us_per_request_200")
                    + " µs of CPU per read (HTTP, API key, HGETALL, JSON), against Redis's "
                    + v(r, "redis_cpu_us_per_hgetall") + " µs per HGETALL, with wrk and Redis on the same "
                    + Runtime.getRuntime().availableProcessors() + " cores. A read the API-key filter refuses before "
                    + "any Redis command (401) reaches " + v(r, "status_rps_401_no_redis") + " rps ("
                    + v(r, "ratio_status_401_no_redis_to_redis") + "× the ceiling): that is the HTTP stack's "
                    + "share; the rest is the read itself (one Redis round trip, pipelined on the connection requests "
                    + "share, and the job's JSON written from its fields).\n");
        }
        if (present(r, "status_gateway_cpu_us_per_request_304_alone", "status_gateway_cpu_us_per_request_200",
                "peer_gateway_401_cpu_us_per_request")) {
            md.append("- Conditional reads: a 304 cost " + v(r, "status_gateway_cpu_us_per_request_304_alone")
                    + " µs against " + v(r, "status_gateway_cpu_us_per_request_200") + " µs per 200 and "
                    + v(r, "peer_gateway_401_cpu_us_per_request") + " µs per 401 (refused before any Redis "
                    + "command): a 304 skips the JSON but still pays the HTTP exchange, the API-key check and a Redis "
                    + "round trip (an HMGET of the job's head), which the 401 shows to be most of a read's cost.\n");
        }
        if (present(r, "peer_node_200_cpu_us_per_request", "peer_gateway_200_cpu_us_per_request")) {
            md.append("- Against the peer (bench/peer, Node.js http + ioredis, one process): it spent "
                    + v(r, "peer_node_200_cpu_us_per_request") + " µs of CPU per 200 against the gateway's "
                    + v(r, "peer_gateway_200_cpu_us_per_request") + " µs; refusals (401): gateway "
                    + v(r, "peer_gateway_401_rps") + " rps vs peer " + v(r, "peer_node_401_rps") + " rps ("
                    + v(r, "ratio_gateway_401_to_peer_401") + "). Same JSON on both sides: "
                    + v(r, "peer_same_json_as_gateway") + ". The gateway's own code (dev.jobgateway) is on the "
                    + "stack in " + v(r, "profile_status_200_own_code_share") + " of its CPU samples under that "
                    + "load (Profiles below): the rest is RESTEasy Reactive, Vert.x and Netty (HTTP and the Redis "
                    + "client's connection), Mutiny and the JDK, which bound the gateway's figure against a peer "
                    + "with less machinery between socket and Redis.\n");
        }
        if (present(r, "webhook_ingest_gateway_cpu_us_per_webhook", "status_gateway_cpu_us_per_request_200")) {
            md.append("- Webhook ingest: " + v(r, "webhook_ingest_gateway_cpu_us_per_webhook")
                    + " µs of gateway CPU per webhook (" + v(r, "webhook_ingest_gateway_cores_busy")
                    + " cores busy under wrk) against " + v(r, "status_gateway_cpu_us_per_request_200")
                    + " µs per status read: a webhook is verified (HMAC), parsed and applied in one Lua script that "
                    + "checks it matches the job, updates the job, its timeline and the dedupe marker and publishes "
                    + "the change; the Profiles section shows where its CPU goes. Its warm-up rounds on B cost "
                    + v(r, "webhook_ingest_warm_up_cpu_us_per_webhook_rounds") + " µs per webhook (the JIT's "
                    + "threads are part of the process), and the meters' cost scenario, on the same B just before, "
                    + v(r, "metrics_cost_webhook_ingest_cpu_us_per_request_with_metrics_runs")
                    + " µs per webhook in its rounds.\n");
        }
        if (present(r, "lambda_cold_start_classes_loaded_gateway",
                "lambda_cold_start_quarkus_boot_ms_gateway_median")) {
            md.append("- Lambda cold start: both zips run under AWS's runtime interface client with the java21 "
                    + "runtime's flags (C1 only, serial GC), each start in a fresh process, so a start is mostly class "
                    + "loading and first-time code: classes loaded up to the first answer, gateway "
                    + v(r, "lambda_cold_start_classes_loaded_gateway") + ", bare app "
                    + v(r, "lambda_cold_start_classes_loaded_bare") + "; Quarkus reported boot "
                    + v(r, "lambda_cold_start_quarkus_boot_ms_gateway_median") + " vs "
                    + v(r, "lambda_cold_start_quarkus_boot_ms_bare_median") + " ms (medians). The gap is the "
                    + "extensions more than the gateway's beans: the Redis client, health and JSON logging (the "
                    + "OpenAPI document is a committed static file, read on its first request: no OpenAPI extension "
                    + "in the build, docs/performance.md). The gateway's own start-up beans (configuration checks "
                    + "that fail a misconfigured instance before it serves) took about 80 ms; the Redis connection, "
                    + "REST clients and the S3 client are opened on first use, so the first answer pays for one "
                    + "Redis connection. function.zip: " + v(r, "lambda_function_zip_bytes_gateway_bare")
                    + " bytes (gateway / bare).\n");
        }
        return md.toString();
    }

    /**
     * One row: "not measured in this run" when a figure it needs is missing; else its figure, and "yes", or "no"
     * with what bounds it.
     */
    private static String row(Results r, String target, String[] needs, Supplier<String> measured, boolean met,
            String bound) {
        if (!present(r, needs)) {
            return "| " + target + " | " + NOT_MEASURED + " | — |\n";
        }
        return "| " + target + " | " + measured.get() + " | " + (met ? "yes" : "no: bounded by " + bound) + " |\n";
    }

    private static String[] keys(String... keys) {
        return keys;
    }

    /** Whether every figure is there (a distribution without samples is not). */
    private static boolean present(Results r, String... keys) {
        return Arrays.stream(keys).map(r::get).allMatch(value -> value != null && !value.equals(Results.NO_SAMPLES));
    }

    /** A figure as written, or "?" when this run has none. */
    private static String v(Results r, String key) {
        String value = r.get(key);
        return value == null ? "?" : value;
    }

    /** The heap in use during the 10,000 waits, from {@code "<before> -> <during>"}; NaN when missing. */
    private static double heapDuring(Results r) {
        String heap = r.get("waits_heap_used_after_gc_mib_before_during");
        if (heap == null || !heap.contains("->")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(heap.substring(heap.indexOf("->") + 2).trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
