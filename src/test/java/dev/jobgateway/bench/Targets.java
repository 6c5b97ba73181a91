package dev.jobgateway.bench;

import static dev.jobgateway.bench.Stats.fmt;

/** The "Targets" section: the project's targets against this run's figures, with what bounds the ones missed. */
final class Targets {

    private Targets() {
    }

    static String markdown(Results results) {
        double wakeP99 = results.number("wakeup_ms_p99");
        double wakeAckP99 = results.number("wakeup_after_ack_ms_p99");
        double floorP99 = results.number("floor_rtt_ms_p99");
        double ratioP50 = results.number("ratio_added_latency_poll3s_to_webhook_p50");
        double ratioMean = results.number("ratio_added_latency_poll3s_to_webhook_mean");
        double statusRatio = results.number("ratio_status_200_to_redis");
        double connections = results.number("waits_redis_connections_instance_a");
        String heap = results.get("waits_heap_used_after_gc_mib_before_during");
        double heapDuring = Double.parseDouble(heap.substring(heap.indexOf("->") + 2).trim());
        StringBuilder md = new StringBuilder("## Targets\n\n| target | this run | met |\n|---|---|---|\n");
        md.append(row("wake-up p99 ≤ 5 ms across instances",
                "p99 " + fmt(wakeP99) + " ms from sending the webhook to B, " + fmt(wakeAckP99)
                        + " ms from B's acknowledgement; a request that touches no Redis: p99 " + fmt(floorP99) + " ms",
                wakeP99 <= 5));
        md.append(row("≥ 300× less added latency than polling every 3 s",
                fmt(ratioP50) + "× at p50, " + fmt(ratioMean) + "× on the mean", ratioP50 >= 300 && ratioMean >= 300));
        md.append(row("status rps ≥ 0.35× the Redis HGETALL ceiling",
                fmt(statusRatio) + "× (" + results.get("status_rps_200") + " vs "
                        + results.get("redis_hgetall_rps_ceiling") + " rps; 304: "
                        + results.get("ratio_status_304_to_redis") + "×)",
                statusRatio >= 0.35));
        double floorRatio = results.number("status_rps_200") / results.number("status_rps_401_no_redis");
        md.append(row("status 200 rps ≥ 0.75× the gateway's own HTTP floor (a 401 refused before Redis)",
                fmt(floorRatio) + "× (" + results.get("status_rps_200") + " vs "
                        + results.get("status_rps_401_no_redis") + " rps)",
                floorRatio >= 0.75));
        double peer200 = results.number("ratio_gateway_200_to_peer_200");
        double peer304 = results.number("ratio_gateway_304_to_peer_200");
        double cpu304 = results.number("ratio_status_cpu_304_to_200");
        md.append(row("status 200 rps ≥ 1.2× the Node.js + ioredis peer's 200 (same run, alternating rounds)",
                fmt(peer200) + "× (" + results.get("peer_gateway_200_rps") + " vs " + results.get("peer_node_200_rps")
                        + " rps; p99 " + results.get("peer_gateway_200_p99_ms") + " vs "
                        + results.get("peer_node_200_p99_ms") + " ms)",
                peer200 >= 1.2));
        md.append(row("304 rps ≥ 1.3× the peer's 200", fmt(peer304) + "× (" + results.get("peer_gateway_304_rps")
                + " vs " + results.get("peer_node_200_rps") + " rps; p99 " + results.get("peer_gateway_304_p99_ms")
                + " ms)", peer304 >= 1.3));
        md.append(row("gateway CPU per 304 ≤ 0.6× per 200", fmt(cpu304) + "× ("
                + results.get("status_gateway_cpu_us_per_request_304_alone") + " vs "
                + results.get("status_gateway_cpu_us_per_request_200") + " µs; in the peer rounds "
                + results.get("peer_gateway_304_cpu_us_per_request") + " vs "
                + results.get("peer_gateway_200_cpu_us_per_request") + " µs)", cpu304 <= 0.6));
        double webhookRatio = results.number("webhook_ingest_gateway_cpu_us_per_webhook")
                / results.number("status_gateway_cpu_us_per_request_200");
        md.append(row("gateway CPU per signed webhook ≤ 1.5× per status read (one Redis round trip per webhook)",
                fmt(webhookRatio) + "× (" + results.get("webhook_ingest_gateway_cpu_us_per_webhook") + " vs "
                        + results.get("status_gateway_cpu_us_per_request_200") + " µs)",
                webhookRatio <= 1.5));
        double lostP50 = results.number("learned_lost_webhook_added_ms_p50");
        double checksArrive = results.number("learned_checks_per_job_webhooks_arrive");
        md.append(row("a lost webhook of a ~10 s job (after warm-up) reaches its waiting client ≤ 2 s late at p50",
                "p50 " + fmt(lostP50) + " ms, p95 " + results.get("learned_lost_webhook_added_ms_p95")
                        + " ms after the AI server finished (expected duration "
                        + results.get("learned_expected_duration_ms_p50") + " ms; the fixed rule alone: about 20 s)",
                lostP50 <= 2_000));
        md.append(row("≤ 0.2 upstream checks per job when webhooks all arrive",
                fmt(checksArrive) + " per job (" + results.get("learned_checks_per_job_webhook_lost")
                        + " per job whose webhook was lost)",
                checksArrive <= 0.2));
        md.append(row("10,000 waits on ≤ 8 Redis connections", fmt(connections) + " connections", connections <= 8));
        md.append(row("10,000 waits with heap ≤ 256 MB", fmt(heapDuring) + " MiB heap in use after GC",
                heapDuring <= 256));
        double coldRatio = results.number("ratio_lambda_cold_start_gateway_to_bare");
        md.append(row("Lambda cold start ≤ 1.3× a bare quarkus-amazon-lambda-http app's (same run)",
                fmt(coldRatio) + "× (median " + results.get("lambda_cold_start_wall_ms_gateway_median") + " vs "
                        + results.get("lambda_cold_start_wall_ms_bare_median") + " ms over "
                        + results.get("lambda_cold_start_runs") + " alternating starts each, process start to the "
                        + "first answer; CPU " + results.get("lambda_cold_start_cpu_ms_gateway_median") + " vs "
                        + results.get("lambda_cold_start_cpu_ms_bare_median") + " ms: "
                        + results.get("ratio_lambda_cold_start_cpu_gateway_to_bare") + ")",
                coldRatio <= 1.3));
        md.append("\n");
        md.append("What bounds these figures on this machine (measured in this run):\n\n");
        md.append("- Wake-up: the floor of this machine and client is a request the gateway refuses before any Redis "
                + "command: p50 " + results.get("floor_rtt_ms_p50") + " ms, p99 " + fmt(floorP99) + " ms. The webhook "
                + "itself (signature, atomic transition) takes p50 " + results.get("webhook_rtt_ms_p50") + " ms, and "
                + "the hand-off from B's acknowledgement to A's answer p50 " + results.get("wakeup_after_ack_ms_p50")
                + " ms, p99 " + fmt(wakeAckP99) + " ms. The tail is scheduling on two cores shared by the "
                + "benchmark's own client, two JVMs, Redis and the simulator: the floor alone is above 5 ms at p99. "
                + "(B publishes the change before it writes its answer, so A's answer can reach the client before "
                + "B's acknowledgement: times after the acknowledgement can be negative.)\n");
        md.append("- Status throughput: the gateway used " + results.get("status_gateway_cores_busy_200")
                + " of the 2 cores under wrk, " + results.get("status_gateway_cpu_us_per_request_200")
                + " µs of CPU per read (HTTP, API key, HGETALL, JSON), against Redis's "
                + results.get("redis_cpu_us_per_hgetall") + " µs per HGETALL, with wrk and Redis on the same two "
                + "cores. A read the API-key filter refuses before any Redis command (401) reaches "
                + results.get("status_rps_401_no_redis") + " rps ("
                + results.get("ratio_status_401_no_redis_to_redis") + "× the ceiling): that is the HTTP stack's "
                + "share; the rest is the read itself (one Redis round trip, pipelined on the connection requests "
                + "share, and the job's JSON written from its fields).\n");
        md.append("- Conditional reads: a 304 cost " + results.get("status_gateway_cpu_us_per_request_304_alone")
                + " µs against " + results.get("status_gateway_cpu_us_per_request_200") + " µs per 200 and "
                + results.get("peer_gateway_401_cpu_us_per_request") + " µs per 401 (refused before any Redis "
                + "command): a 304 skips the JSON but still pays the HTTP exchange, the API-key check and a Redis "
                + "round trip (an HMGET of the job's head), which the 401 shows to be most of a read's cost.\n");
        md.append("- Against the peer (bench/peer, Node.js http + ioredis, one process): it spent "
                + results.get("peer_node_200_cpu_us_per_request") + " µs of CPU per 200 against the gateway's "
                + results.get("peer_gateway_200_cpu_us_per_request") + " µs; refusals (401): gateway "
                + results.get("peer_gateway_401_rps") + " rps vs peer " + results.get("peer_node_401_rps") + " rps ("
                + results.get("ratio_gateway_401_to_peer_401") + "). Same JSON on both sides: "
                + results.get("peer_same_json_as_gateway") + ". The gateway's own code (dev.jobgateway) is on the "
                + "stack in " + results.get("profile_status_200_own_code_share") + " of its CPU samples under that "
                + "load (Profiles below): the rest is RESTEasy Reactive, Vert.x and Netty (HTTP and the Redis "
                + "client's connection), Mutiny and the JDK, which bound the gateway's figure against a peer "
                + "with less machinery between socket and Redis.\n");
        md.append("- Webhook ingest: " + results.get("webhook_ingest_gateway_cpu_us_per_webhook")
                + " µs of gateway CPU per webhook (" + results.get("webhook_ingest_gateway_cores_busy")
                + " cores busy under wrk) against " + results.get("status_gateway_cpu_us_per_request_200")
                + " µs per status read: a webhook is verified (HMAC), parsed and applied in one Lua script that "
                + "checks it matches the job, updates the job, its timeline and the dedupe marker and publishes the "
                + "change; the Profiles section shows where its CPU goes. Its warm-up rounds on B cost "
                + results.get("webhook_ingest_warm_up_cpu_us_per_webhook_rounds") + " µs per webhook (the JIT's "
                + "threads are part of the process), and the meters' cost scenario, on the same B just before, "
                + results.get("metrics_cost_webhook_ingest_cpu_us_per_request_with_metrics_runs")
                + " µs per webhook in its rounds.\n");
        md.append("- Lambda cold start: both zips run under AWS's runtime interface client with the java21 runtime's "
                + "flags (C1 only, serial GC), each start in a fresh process, so a start is mostly class loading and "
                + "first-time code: classes loaded up to the first answer, gateway "
                + results.get("lambda_cold_start_classes_loaded_gateway") + ", bare app "
                + results.get("lambda_cold_start_classes_loaded_bare") + "; Quarkus reported boot "
                + results.get("lambda_cold_start_quarkus_boot_ms_gateway_median") + " vs "
                + results.get("lambda_cold_start_quarkus_boot_ms_bare_median") + " ms (medians). The gap is the "
                + "extensions more than the gateway's beans: the Redis client, health and JSON logging (the OpenAPI "
                + "document is a committed static file, read on its first request: no OpenAPI extension in the "
                + "build, docs/performance.md). The gateway's own start-up beans (configuration checks that "
                + "fail a misconfigured instance before it serves) took about 80 ms; the Redis connection, REST "
                + "clients and the S3 client are opened on first use, so the first answer pays for one Redis "
                + "connection. function.zip: " + results.get("lambda_function_zip_bytes_gateway_bare")
                + " bytes (gateway / bare).\n\n");
        return md.toString();
    }

    private static String row(String target, String measured, boolean met) {
        return "| " + target + " | " + measured + " | " + (met ? "yes" : "no") + " |\n";
    }
}
