package dev.jobgateway.bench;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.jobgateway.support.GatewayProcess;

/**
 * Replays of progress webhooks signed in advance (wrk with bench/webhooks.lua), each file sized from the rate measured
 * so far in the run, so that no webhook goes twice on a machine of any speed: bench/webhooks.lua starts its file over
 * when wrk sends more than it holds, and a repeated webhook is a cheap duplicate, not an ingest. A replay that still
 * ran out (the machine went faster than any earlier replay) is discarded and made again on fresh jobs, signed for the
 * rate it measured; {@link #MAX_ATTEMPTS} such replays in a row fail the scenario with the figures.
 */
final class SignedReplays {

    /** wrk's connections ({@link Wrk#replay}): up to this many requests are still in flight when it stops. */
    static final int IN_FLIGHT = 64;
    /** Webhooks signed per second of replay, over the fastest rate measured so far. */
    private static final double HEADROOM = 1.3;
    private static final int MAX_ATTEMPTS = 3;
    private static final int JOBS = 200;

    /** Called with a replay's jobs before wrk sends their webhooks (to read their versions, say). */
    interface BeforeReplay {
        void accept(List<String> ids) throws Exception;
    }

    /** What wrk printed, the webhooks it sent of those signed, the target's CPU meanwhile, and the jobs. */
    record Replay(String out, long sent, long prepared, double cpuMs, double rps, List<String> ids, int attempt) {

        double cpuUsPerWebhook() {
            return cpuMs * 1000 / sent;
        }

        /** 2xx or 3xx answers only (wrk's "Non-2xx or 3xx responses" line is absent). */
        long non2xx() {
            String count = match(out, "Non-2xx or 3xx responses: (\\d+)");
            return count == null ? 0 : Long.parseLong(count);
        }
    }

    private final GatewayClient client;
    private final GatewayProcess submitTo;
    private final Wrk wrk;
    private final Path work;
    private double perSecond;

    /**
     * @param submitTo the gateway the jobs are submitted to (any instance of the run: they share Redis)
     * @param firstGuess webhooks per second to sign for before any replay measured the rate
     */
    SignedReplays(GatewayClient client, GatewayProcess submitTo, Wrk wrk, Path work, double firstGuess) {
        this.client = client;
        this.submitTo = submitTo;
        this.wrk = wrk;
        this.work = work;
        this.perSecond = firstGuess;
    }

    /** A replay of {@code seconds} on fresh jobs, with {@code name} for its file under the work directory. */
    Replay replay(GatewayProcess target, String name, int seconds) throws Exception {
        return replay(target, name, seconds, ids -> {
        });
    }

    Replay replay(GatewayProcess target, String name, int seconds, BeforeReplay before) throws Exception {
        String overran = "";
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            long prepared = (long) Math.ceil(perSecond * seconds * HEADROOM) + 2L * IN_FLIGHT;
            int perJob = (int) Math.ceil((double) prepared / JOBS);
            List<String> ids = client.submitMany(submitTo, JOBS, GatewayClient.FINISHED_BY_BENCHMARK);
            Path file = sign(ids, perJob, work.resolve("webhooks-" + name + ".tsv"));
            before.accept(ids);
            double cpuBefore = CpuTime.ms(target.pid());
            String out = wrk.replay(target.baseUrl(), file, seconds);
            double cpuMs = CpuTime.ms(target.pid()) - cpuBefore;
            String sentText = match(out, "(\\d+) requests in");
            String rpsText = match(out, "Requests/sec:\\s+([0-9.]+)");
            if (sentText == null || rpsText == null) {
                throw new IllegalStateException("wrk printed no request count for " + name + ": " + out.strip());
            }
            long sent = Long.parseLong(sentText);
            long signed = (long) perJob * JOBS;
            perSecond = Math.max(perSecond, (double) sent / seconds);
            if (sent + IN_FLIGHT <= signed) {
                Files.deleteIfExists(file);
                return new Replay(out, sent, signed, cpuMs, Double.parseDouble(rpsText), ids, attempt);
            }
            overran += (overran.isEmpty() ? "" : ", ") + sent + " of " + signed;
            System.out.println("bench: " + name + ": wrk sent " + sent + " of " + signed + " signed webhooks in "
                    + seconds + " s, so some went twice; again on fresh jobs, signed for "
                    + Stats.fmt(perSecond) + " per second");
        }
        throw new IllegalStateException("wrk sent more webhooks than were signed " + MAX_ATTEMPTS + " times in a row ("
                + overran + ") for " + name + ": the rate kept rising past " + HEADROOM + "x the fastest measured");
    }

    /** The fastest rate a replay has measured (or the first guess): webhooks per second. */
    double perSecond() {
        return perSecond;
    }

    /**
     * Progress webhooks for the jobs, {@code perJob} each, signed in advance for wrk (bench/webhooks.lua): round
     * {@code k} gives every job progress {@code k / (perJob + 1)}.
     */
    private Path sign(List<String> ids, int perJob, Path file) throws Exception {
        Map<String, String> external = client.externalIds(submitTo, ids);
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

    static String match(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
