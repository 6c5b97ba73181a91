package dev.jobgateway.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 3: signed webhooks per second on one instance (B), each a verified signature plus a transition. wrk
 * replays webhooks signed in advance, so the load generator spends no CPU on HMACs during the run.
 */
final class WebhookIngestScenario {

    private static final int SECONDS = 5;
    private static final int JOBS = 200;
    private static final int WEBHOOKS_PER_JOB = 500;
    private static final int MIN_WARM_UP_ROUNDS = 3;
    private static final int MAX_WARM_UP_ROUNDS = 6;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final Wrk wrk;
    private final Results results;
    private final Path work;

    WebhookIngestScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, Wrk wrk, Results results,
            Path work) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.wrk = wrk;
        this.results = results;
        this.work = work;
    }

    /** Needs {@code redis_hgetall_rps_ceiling} from the status-reads scenario for its ratio. */
    void run() throws Exception {
        warmUp();
        List<String> ids = client.submitMany(a, JOBS, GatewayClient.FINISHED_BY_BENCHMARK);
        Path file = signedWebhooks(ids, WEBHOOKS_PER_JOB, work.resolve("webhooks.tsv"));
        int prepared = JOBS * WEBHOOKS_PER_JOB;
        long versionsBefore = versions(ids);
        Replay replay = replay(file, SECONDS);
        String out = replay.out();
        double cpu = replay.cpuMs();
        long sent = replay.sent();
        String non2xx = match(out, "Non-2xx or 3xx responses: (\\d+)");
        double rps = Double.parseDouble(match(out, "Requests/sec:\\s+([0-9.]+)"));
        long applied = versions(ids) - versionsBefore;
        results.put("webhook_ingest_rps", Stats.fmt(rps));
        // The script starts over at its first line when it runs out; with up to 64 requests in flight when wrk
        // stops, sent + 64 within the prepared count means no webhook went twice.
        results.put("webhook_ingest_completed", sent + " in " + SECONDS + " s (of " + prepared
                + " signed; none sent twice: " + (sent + 64 <= prepared ? "yes" : "no") + ")");
        results.put("webhook_ingest_non_2xx", non2xx == null ? "0" : non2xx);
        if (sent + 64 > prepared) {
            throw new IllegalStateException("wrk sent " + sent + " of " + prepared + " webhooks: sign more");
        }
        results.put("webhook_ingest_applied", applied + " (version steps, including requests still in flight "
                + "when wrk stopped; a progress webhook overtaken by a later one is ignored)");
        results.put("webhook_ingest_gateway_cpu_us_per_webhook", Stats.fmt(replay.cpuUsPerWebhook()));
        results.put("webhook_ingest_gateway_cores_busy", Stats.fmt(cpu / (SECONDS * 1000.0)));
        double ceiling = Double.parseDouble(results.get("redis_hgetall_rps_ceiling"));
        results.put("ratio_webhook_ingest_to_redis", Stats.fmt(rps / ceiling));
        // The profile comes last, on jobs of its own: a JFR recording on B before the measured run left the
        // measured webhooks costing about four times the warm-up's CPU each (200 against 53 µs in one run).
        Path profiled = freshWebhooks("webhooks-profiled.tsv");
        Profiler profiler = Profiler.start(b.pid(), work, "webhook-ingest");
        wrk.replay(b.baseUrl(), profiled, Wrk.WARM_UP_SECONDS);
        profiler.stop("Signed webhooks (a replay on B after the measured one, wrk -t2 -c64)", results);
    }

    /**
     * Replays on fresh jobs until B's CPU per webhook settles (at least three rounds, the last two within 15 %), at
     * most
     * {@link #MAX_WARM_UP_ROUNDS}. The JIT compiler's threads are part of the process, so their CPU counts in
     * {@link CpuTime}: measured on a path only one short replay has warmed, a webhook looked several times dearer
     * than it is (384, 163, then 81 µs in three rounds of one run here).
     */
    private void warmUp() throws Exception {
        List<String> rounds = new ArrayList<>();
        double previous = Double.NaN;
        for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
            double us = replay(freshWebhooks("webhooks-warm-up-" + round + ".tsv"), Wrk.WARM_UP_SECONDS)
                    .cpuUsPerWebhook();
            rounds.add(Stats.fmt(us));
            boolean settled = round >= MIN_WARM_UP_ROUNDS - 1 && Math.abs(us - previous) <= 0.15 * previous;
            previous = us;
            if (settled) {
                break;
            }
        }
        results.put("webhook_ingest_warm_up_cpu_us_per_webhook_rounds", String.join(", ", rounds));
    }

    /** 600 progress webhooks for each of 100 new jobs: more than a 4 s replay sends, so none goes twice. */
    private Path freshWebhooks(String name) throws Exception {
        return signedWebhooks(client.submitMany(a, 100, GatewayClient.FINISHED_BY_BENCHMARK), 600, work.resolve(name));
    }

    /** What wrk printed, the webhooks it sent and B's CPU meanwhile. */
    private record Replay(String out, long sent, double cpuMs) {

        double cpuUsPerWebhook() {
            return cpuMs * 1000 / sent;
        }
    }

    private Replay replay(Path file, int seconds) throws Exception {
        double cpuBefore = CpuTime.ms(b.pid());
        String out = wrk.replay(b.baseUrl(), file, seconds);
        return new Replay(out, Long.parseLong(match(out, "(\\d+) requests in")), CpuTime.ms(b.pid()) - cpuBefore);
    }

    /**
     * Progress webhooks for the jobs, {@code perJob} each, signed in advance for wrk (bench/webhooks.lua): round
     * {@code k} gives every job progress {@code k / (perJob + 1)}.
     */
    private Path signedWebhooks(List<String> ids, int perJob, Path file) throws Exception {
        Map<String, String> external = client.externalIds(a, ids);
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

    /** The sum of the jobs' versions (each applied change adds one), read with the batch API, 50 ids a call. */
    private long versions(List<String> ids) throws Exception {
        long sum = 0;
        for (int from = 0; from < ids.size(); from += 50) {
            String batch = String.join(",", ids.subList(from, Math.min(ids.size(), from + 50)));
            for (JsonNode job : GatewayClient.JSON.readTree(client.get(a, "/jobs?ids=" + batch)).path("jobs")) {
                sum += job.path("version").asLong();
            }
        }
        return sum;
    }

    private static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
