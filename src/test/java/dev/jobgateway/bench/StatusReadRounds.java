package dev.jobgateway.bench;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.support.GatewayProcess;

/**
 * One finished job read with wrk as a 200 and then, with its ETag, as a 304, the gateway's CPU taken over each round:
 * what the standalone status reads and the cluster rows measure alike, so that their figures compare.
 *
 * @param cpuMsAt304Start the gateway's CPU when the 304 round started, for a window that goes on past it
 */
record StatusReadRounds(String id, String url, String apiKey, double rps200, double cpuMs200, double rps304,
        double cpuMs304, double cpuMsAt304Start) {

    static StatusReadRounds measure(GatewayClient client, GatewayProcess gateway, Wrk wrk) throws Exception {
        String id = client.finishedJob(gateway);
        JsonNode job = GatewayClient.JSON.readTree(client.get(gateway, "/jobs/" + id));
        String etag = "\"" + job.path("version").asText() + "\"";
        String url = gateway.baseUrl() + "/jobs/" + id;
        String apiKey = "Authorization: Bearer " + Processes.API_KEY;
        List<String> conditionalHeaders = List.of(apiKey, "If-None-Match: " + etag);
        // Both paths warmed up: with the 200 alone warm, the measured 304 round ran on code the JIT had not compiled
        // yet (2026-12-07: 14,639 rps and 93 µs of CPU per 304 against 22,778 rps and 55 µs in the warm peer rounds).
        wrk.requestsPerSecond(url, List.of(apiKey), Wrk.WARM_UP_SECONDS);
        wrk.requestsPerSecond(url, conditionalHeaders, Wrk.WARM_UP_SECONDS);
        double cpuBefore = CpuTime.ms(gateway.pid());
        double plain = wrk.requestsPerSecond(url, List.of(apiKey), Wrk.SECONDS);
        double cpuPlain = CpuTime.ms(gateway.pid()) - cpuBefore;
        double at304Start = CpuTime.ms(gateway.pid());
        double conditional = wrk.requestsPerSecond(url, conditionalHeaders, Wrk.SECONDS);
        double cpuConditional = CpuTime.ms(gateway.pid()) - at304Start;
        return new StatusReadRounds(id, url, apiKey, plain, cpuPlain, conditional, cpuConditional, at304Start);
    }

    double cpuUsPer200() {
        return cpuMs200 * 1000 / (rps200 * Wrk.SECONDS);
    }

    double cpuUsPer304() {
        return cpuMs304 * 1000 / (rps304 * Wrk.SECONDS);
    }
}
