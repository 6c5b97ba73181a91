package dev.jobgateway.bench;

import java.util.List;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 2: GET /jobs/{id} and a 304 conditional read under wrk, against HGETALL under redis-benchmark, with
 * the CPU each process spent per request (from /proc), since on one shared machine CPU is what bounds them.
 */
final class StatusReadsScenario {

    private final GatewayClient client;
    private final GatewayProcess a;
    private final Wrk wrk;
    private final RedisTools redis;
    private final Results results;

    StatusReadsScenario(GatewayClient client, GatewayProcess a, Wrk wrk, RedisTools redis, Results results) {
        this.client = client;
        this.a = a;
        this.wrk = wrk;
        this.redis = redis;
        this.results = results;
    }

    /** Returns the id of the job it read, for the peer scenario to read the same hash. */
    String run() throws Exception {
        StatusReadRounds reads = StatusReadRounds.measure(client, a, wrk);
        String id = reads.id();
        String url = reads.url();
        long redisPid = redis.serverPid();
        double plain = reads.rps200();
        double conditional = reads.rps304();
        // The HTTP stack's own ceiling here: a read refused by the API-key filter, before any Redis command.
        wrk.requestsPerSecond(url, List.of(), Wrk.WARM_UP_SECONDS);
        double refused = wrk.requestsPerSecond(url, List.of(), Wrk.SECONDS);
        // This window also covers both 401 runs above: kept as it was measured so far, so that
        // status_gateway_cpu_us_per_request_304 stays comparable with earlier results files.
        double cpuConditional = CpuTime.ms(a.pid()) - reads.cpuMsAt304Start();
        double redisCpuBefore = CpuTime.ms(redisPid);
        double ceiling = redis.benchmark("HGETALL", "jobgw:job:{" + id + "}");
        double redisCpu = CpuTime.ms(redisPid) - redisCpuBefore;
        results.put("status_rps_200", Stats.fmt(plain));
        results.put("status_rps_304", Stats.fmt(conditional));
        results.put("redis_hgetall_rps_ceiling", Stats.fmt(ceiling));
        results.put("ratio_status_200_to_redis", Stats.fmt(plain / ceiling));
        results.put("ratio_status_304_to_redis", Stats.fmt(conditional / ceiling));
        results.put("status_rps_401_no_redis", Stats.fmt(refused));
        results.put("ratio_status_401_no_redis_to_redis", Stats.fmt(refused / ceiling));
        results.put("status_gateway_cores_busy_200", Stats.fmt(reads.cpuMs200() / (Wrk.SECONDS * 1000.0)));
        results.put("status_gateway_cpu_us_per_request_200", Stats.fmt(reads.cpuUsPer200()));
        results.put("status_gateway_cpu_us_per_request_304",
                Stats.fmt(cpuConditional * 1000 / (conditional * Wrk.SECONDS)));
        // The 304 run's own window, without the 401 runs: what a 304 costs against a 200.
        results.put("status_gateway_cpu_us_per_request_304_alone", Stats.fmt(reads.cpuUsPer304()));
        results.put("ratio_status_cpu_304_to_200", Stats.fmt(reads.cpuUsPer304() / reads.cpuUsPer200()));
        results.put("redis_cpu_us_per_hgetall", Stats.fmt(redisCpu * 1000 / RedisTools.BENCHMARK_REQUESTS));
        return id;
    }
}
