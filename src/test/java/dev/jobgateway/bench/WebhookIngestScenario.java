package dev.jobgateway.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 3: signed webhooks per second on one instance (B), each a verified signature plus a transition. wrk
 * replays webhooks signed in advance, so the load generator spends no CPU on HMACs during the run; each replay is
 * signed for the rate measured before it ({@link SignedReplays}), so a faster machine sends none twice.
 */
final class WebhookIngestScenario {

    private static final int SECONDS = 5;
    /** Webhooks per second the first replay is signed for when the run has no status-read rate to go by. */
    private static final double FIRST_GUESS_PER_SECOND = 10_000;
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

    /**
     * The ratio to Redis needs {@code redis_hgetall_rps_ceiling} from the status-reads scenario (left out without
     * it); the first replay is signed for half the status reads' rate when it is known.
     */
    void run() throws Exception {
        double statusRps = results.number("status_rps_200");
        SignedReplays replays = new SignedReplays(client, a, wrk, work,
                Double.isNaN(statusRps) ? FIRST_GUESS_PER_SECOND : statusRps / 2);
        warmUp(replays);
        long[] versionsBefore = new long[1];
        SignedReplays.Replay replay = replays.replay(b, "ingest", SECONDS, ids -> versionsBefore[0] = versions(ids));
        long applied = versions(replay.ids()) - versionsBefore[0];
        results.put("webhook_ingest_rps", Stats.fmt(replay.rps()));
        // Signed for the rate measured so far in the run; a replay that ran out is made again (SignedReplays).
        results.put("webhook_ingest_completed", replay.sent() + " in " + SECONDS + " s (of " + replay.prepared()
                + " signed for the rate measured before it, attempt " + replay.attempt() + ": none sent twice)");
        results.put("webhook_ingest_non_2xx", Long.toString(replay.non2xx()));
        results.put("webhook_ingest_applied", applied + " (version steps, including requests still in flight "
                + "when wrk stopped; a progress webhook overtaken by a later one is ignored)");
        results.put("webhook_ingest_gateway_cpu_us_per_webhook", Stats.fmt(replay.cpuUsPerWebhook()));
        results.put("webhook_ingest_gateway_cores_busy", Stats.fmt(replay.cpuMs() / (SECONDS * 1000.0)));
        double ceiling = results.number("redis_hgetall_rps_ceiling");
        if (!Double.isNaN(ceiling)) {
            results.put("ratio_webhook_ingest_to_redis", Stats.fmt(replay.rps() / ceiling));
        }
        // The profile comes last, on jobs of its own: a JFR recording on B before the measured run left the
        // measured webhooks costing about four times the warm-up's CPU each (200 against 53 µs in one run).
        Profiler[] profiler = new Profiler[1];
        replays.replay(b, "profiled", Wrk.WARM_UP_SECONDS, ids -> {
            if (profiler[0] == null) {
                profiler[0] = Profiler.start(b.pid(), work, "webhook-ingest");
            }
        });
        profiler[0].stop("Signed webhooks (a replay on B after the measured one, wrk -t2 -c64)", results);
    }

    /**
     * Replays on fresh jobs until B's CPU per webhook settles (at least three rounds, the last two within 15 %), at
     * most {@link #MAX_WARM_UP_ROUNDS}. The JIT compiler's threads are part of the process, so their CPU counts in
     * {@link CpuTime}: measured on a path only one short replay has warmed, a webhook looked several times dearer
     * than it is (384, 163, then 81 µs in three rounds of one run here).
     */
    private void warmUp(SignedReplays replays) throws Exception {
        List<String> rounds = new ArrayList<>();
        double previous = Double.NaN;
        for (int round = 0; round < MAX_WARM_UP_ROUNDS; round++) {
            double us = replays.replay(b, "warm-up-" + round, Wrk.WARM_UP_SECONDS).cpuUsPerWebhook();
            rounds.add(Stats.fmt(us));
            boolean settled = round >= MIN_WARM_UP_ROUNDS - 1 && Math.abs(us - previous) <= 0.15 * previous;
            previous = us;
            if (settled) {
                break;
            }
        }
        results.put("webhook_ingest_warm_up_cpu_us_per_webhook_rounds", String.join(", ", rounds));
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
}
