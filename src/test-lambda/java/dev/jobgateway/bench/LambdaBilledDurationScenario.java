package dev.jobgateway.bench;

import static dev.jobgateway.bench.Stats.fmt;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntFunction;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.lambda.BilledDuration;
import dev.jobgateway.lambda.ColdStarts;
import dev.jobgateway.lambda.HttpApiEvents;
import dev.jobgateway.lambda.WarmFunction;
import dev.jobgateway.lambda.WarmFunction.Invocation;
import dev.jobgateway.providers.StandardWebhook;

/**
 * Scenario: warm Lambda invocations of each of the gateway's functions, timed as Lambda bills them, against a bare
 * {@code quarkus-amazon-lambda-http} app answering a constant ({@code bench/bare-lambda}). Both {@code function.zip}s
 * run unpacked under AWS's runtime interface client with the java21 runtime's flags ({@link WarmFunction}); each
 * invocation's billed duration is taken by the Runtime API emulator, from the event handed to the runtime to its
 * response, rounded up to the next ms ({@link dev.jobgateway.lambda.BilledDuration}), never by the client's round trip.
 *
 * <p>
 * As serverless.yml deploys them, the submit, webhook and status functions are three instances of the one zip, started
 * one after another (one gateway JVM at a time), with a real Redis and the simulated AI server: {@code POST /jobs}
 * (handed to the AI server), a signed webhook for each of those jobs ({@code running}, then {@code succeeded}), then on
 * the status function {@code GET /jobs/{id}} (200), the same with {@code If-None-Match} (304) and the scheduled sweep's
 * own event ({@code deploy/sweep-event.json}; nothing is due, as in most sweeps). Invocations are sequential (one at a
 * time per instance, as on Lambda); after a warm-up of each path, every measured gateway invocation is followed by one
 * of the bare app, which stays up for the whole scenario, so that the machine's load weighs on both alike.
 *
 * <p>
 * Sized by count and bounded by time: each function's measured invocations stop at {@link #INVOCATIONS} or when its
 * {@link #PHASE_BUDGET} is spent, and a phase that measured fewer than {@link #MIN_INVOCATIONS} fails the run with the
 * reason. Runs alone too ({@link #main}).
 */
final class LambdaBilledDurationScenario {

    /** Measured invocations per function ({@code -Dbench.lambda.billed.invocations}). */
    static final int INVOCATIONS = Integer.getInteger("bench.lambda.billed.invocations", 300);
    /** Unmeasured invocations of each path first (C1-compiled code, connections open, caches filled). */
    static final int WARM_UP = Integer.getInteger("bench.lambda.billed.warmup", 100);
    /** Wall time one function's warm-up and measurement may take before its measurement stops. */
    static final Duration PHASE_BUDGET = Duration.ofSeconds(Long.getLong("bench.lambda.billed.phase-seconds", 25));
    /** Fewer measured invocations than this give no p99 worth the name: the phase fails instead. */
    static final int MIN_INVOCATIONS = Math.min(50, INVOCATIONS);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Object> INPUT = Map.of("prompt", "a lighthouse at dusk",
            // no webhook from the simulator: this scenario sends the job's webhooks itself, signed as the AI server
            // signs them
            "simulate", Map.of("duration_ms", 600_000, "webhook", "drop"));

    private final Path gatewayZip;
    private final Path bareZip;
    private final Path runtimeClient;
    private final Path sweepEvent;
    private final Path work;
    private final Results results;

    LambdaBilledDurationScenario(Path gatewayZip, Path bareZip, Path runtimeClient, Path sweepEvent, Path work,
            Results results) {
        this.gatewayZip = gatewayZip;
        this.bareZip = bareZip;
        this.runtimeClient = runtimeClient;
        this.sweepEvent = sweepEvent;
        this.work = work;
        this.results = results;
    }

    /**
     * The artifacts where bench/run.sh builds them (as {@link LambdaColdStartScenario}), and serverless.yml's sweep.
     */
    static LambdaBilledDurationScenario fromSystemProperties(Path work, Results results) {
        LambdaArtifacts artifacts = LambdaArtifacts.fromSystemProperties();
        return new LambdaBilledDurationScenario(artifacts.gatewayZip(), artifacts.bareZip(), artifacts.runtimeClient(),
                Path.of(System.getProperty("bench.lambda.sweep-event", "deploy/sweep-event.json")), work, results);
    }

    void run() throws Exception {
        Path root = work.resolve("lambda-billed");
        Path gatewayRoot = ColdStarts.unpack(gatewayZip, root.resolve("gateway-task"));
        Path bareRoot = ColdStarts.unpack(bareZip, root.resolve("bare-task"));
        Path logs = root.resolve("logs");
        String sweep = Files.readString(sweepEvent);
        String bareEvent = HttpApiEvents.get("/hello");
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        SimulatedAiServer ai = new SimulatedAiServer(LocalRedisServer.freePort(), Processes.SECRET);
        try (AutoCloseable stopRedis = redis::stop; AutoCloseable stopAi = ai::stop) {
            ai.start();
            Map<String, String> env = gatewayEnv(redis, ai);
            try (WarmFunction bare = WarmFunction.start("bare", bareRoot, runtimeClient,
                    Map.of("DISABLE_SIGNAL_HANDLERS", "true"), logs, bareEvent, 200)) {
                Phase bareSide = new Phase("bare");
                for (int i = 0; i < WARM_UP; i++) {
                    expect(bare.invoke(bareEvent), 200, "bare");
                }
                Map<String, Phase> phases = new LinkedHashMap<>();
                List<String> ids = new ArrayList<>();
                Map<String, String> externalIds = new HashMap<>();
                try (WarmFunction submit = start("submit", gatewayRoot, env, logs)) {
                    phases.put("submit", measure("submit", submit, bare, bareEvent, bareSide, Integer.MAX_VALUE,
                            i -> HttpApiEvents.submit(Processes.API_KEY, INPUT), (i, answer) -> {
                                expect(answer, 202, "submit");
                                ids.add(JSON.readTree(answer.body()).path("id").asText());
                            }));
                    // Not measured: the AI server's id of each job the webhooks go to (two webhooks a job).
                    for (String id : ids.subList(0, Math.min(ids.size(), (WARM_UP + INVOCATIONS + 1) / 2))) {
                        externalIds.put(id, externalId(submit, id));
                    }
                }
                List<String> finished = new ArrayList<>();
                List<String> webhookJobs = ids.subList(0, externalIds.size());
                try (WarmFunction webhook = start("webhook", gatewayRoot, env, logs)) {
                    phases.put("webhook", measure("webhook", webhook, bare, bareEvent, bareSide, 2 * webhookJobs.size(),
                            i -> signedWebhook(webhookJobs.get(i / 2), externalIds.get(webhookJobs.get(i / 2)),
                                    i % 2 == 0 ? "running" : "succeeded"),
                            (i, answer) -> {
                                expect(answer, 200, "webhook");
                                String outcome = JSON.readTree(answer.body()).path("outcome").asText();
                                if (!outcome.equals("applied")) {
                                    throw new IllegalStateException("webhook " + i + " was " + outcome
                                            + ", not applied: " + answer.body());
                                }
                                if (i % 2 == 1) {
                                    finished.add(webhookJobs.get(i / 2));
                                }
                            }));
                }
                Map<String, String> etags = new HashMap<>();
                try (WarmFunction status = start("status", gatewayRoot, env, logs)) {
                    phases.put("status_read",
                            measure("status_read", status, bare, bareEvent, bareSide, Integer.MAX_VALUE,
                                    i -> HttpApiEvents.job(Processes.API_KEY, finished.get(i % finished.size()), null),
                                    (i, answer) -> {
                                        expect(answer, 200, "status read");
                                        etags.put(finished.get(i % finished.size()), answer.header("etag"));
                                    }));
                    phases.put("status_304",
                            measure("status_304", status, bare, bareEvent, bareSide, Integer.MAX_VALUE, i -> {
                                String id = finished.get(i % finished.size());
                                return HttpApiEvents.job(Processes.API_KEY, id, etags.get(id));
                            }, (i, answer) -> expect(answer, 304, "status 304")));
                    phases.put("sweep",
                            measure("sweep", status, bare, bareEvent, bareSide, Integer.MAX_VALUE, i -> sweep,
                                    (i, answer) -> {
                                        expect(answer, 200, "sweep");
                                        if (!JSON.readTree(answer.body()).has("due")) {
                                            throw new IllegalStateException("not a sweep report: " + answer.body());
                                        }
                                    }));
                }
                put(phases, bareSide);
            }
        }
    }

    /** What serverless.yml's functions get that matters here (LambdaRuntimeContractIT's set), on this run's servers. */
    private static Map<String, String> gatewayEnv(LocalRedisServer redis, SimulatedAiServer ai) {
        Map<String, String> env = new HashMap<>();
        env.put("REDIS_URL", redis.uri().toString());
        env.put("GATEWAY_PROVIDERS_GENERIC_URL", ai.baseUri().toString());
        env.put("GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS", Processes.SECRET);
        env.put("GATEWAY_PUBLIC_BASE_URL", "https://bench.execute-api.us-east-1.amazonaws.com");
        env.put("GATEWAY_API_KEYS", Processes.API_KEY + "=bench");
        env.put("GATEWAY_CONFIG_REVISION", "1");
        env.put("DISABLE_SIGNAL_HANDLERS", "true");
        // As the HTTP benchmark's gateways: the jobs end by this scenario's webhooks, so no fallback check of the
        // jobs still queued (the sweeps then find nothing due, as most scheduled sweeps do).
        env.put("GATEWAY_FALLBACK_CHECK_AFTER", "10m");
        env.put("GATEWAY_FALLBACK_LEARN_DURATIONS", "false");
        return Map.copyOf(env);
    }

    /** One of serverless.yml's functions: a fresh instance of the gateway's zip, its first event a readiness check. */
    private WarmFunction start(String function, Path taskRoot, Map<String, String> env, Path logs) throws Exception {
        Map<String, String> named = new HashMap<>(env);
        named.put("AWS_LAMBDA_FUNCTION_NAME", "job-gateway-bench-" + function);
        return WarmFunction.start(function, taskRoot, runtimeClient, named, logs, HttpApiEvents.get("/q/health/ready"),
                200);
    }

    // --- measuring ----------------------------------------------------------------------------------------------

    /** One function's (or the bare app's) measured invocations, and the CPU its process spent on them. */
    static final class Phase {
        final String name;
        final List<BilledDuration> durations = new ArrayList<>();
        double cpuMs;

        Phase(String name) {
            this.name = name;
        }

        double[] billedMs() {
            return durations.stream().mapToDouble(BilledDuration::billedMillis).sorted().toArray();
        }

        double[] durationMs() {
            return durations.stream().mapToDouble(BilledDuration::durationMillis).sorted().toArray();
        }
    }

    interface Check {
        void accept(int index, Invocation answer) throws Exception;
    }

    /**
     * {@link #WARM_UP} invocations, then up to {@link #INVOCATIONS} measured ones (fewer if {@code available} events
     * run out or {@link #PHASE_BUDGET} is spent), each followed by a measured bare invocation.
     */
    private static Phase measure(String fn, WarmFunction function, WarmFunction bare, String bareEvent,
            Phase bareSide, int available, IntFunction<String> event, Check check) throws Exception {
        long deadline = System.nanoTime() + PHASE_BUDGET.toNanos();
        int warmUp = Math.min(WARM_UP, available / 4);
        int index = 0;
        for (; index < warmUp; index++) {
            check.accept(index, function.invoke(event.apply(index)));
        }
        Phase phase = new Phase(fn);
        double cpuBefore = CpuTime.ms(function.pid());
        double bareCpuBefore = CpuTime.ms(bare.pid());
        for (; index < available && phase.durations.size() < INVOCATIONS
                && System.nanoTime() < deadline; index++) {
            Invocation answer = function.invoke(event.apply(index));
            check.accept(index, answer);
            phase.durations.add(answer.billed());
            bareSide.durations.add(expect(bare.invoke(bareEvent), 200, "bare").billed());
        }
        int measured = phase.durations.size();
        phase.cpuMs = CpuTime.ms(function.pid()) - cpuBefore;
        bareSide.cpuMs += CpuTime.ms(bare.pid()) - bareCpuBefore;
        if (measured < MIN_INVOCATIONS) {
            throw new IllegalStateException("Lambda billed duration: only " + measured + " measured invocations of "
                    + fn + " in " + PHASE_BUDGET.toSeconds() + " s (at least " + MIN_INVOCATIONS
                    + " needed; events available " + available + "): the machine is too loaded for this scenario");
        }
        System.out.printf(Locale.ROOT, "lambda billed duration: %s %d invocations, billed p50 %s ms%n", fn,
                measured, fmt(Stats.percentile(phase.billedMs(), 50)));
        return phase;
    }

    private static Invocation expect(Invocation answer, int status, String what) {
        if (answer.statusCode() != status) {
            throw new IllegalStateException(
                    what + " answered " + answer.statusCode() + " (expected " + status + "): " + answer.body());
        }
        return answer;
    }

    /** The AI server's id for a job, from its timeline's hand-off entry. */
    private static String externalId(WarmFunction function, String id) throws Exception {
        Invocation answer = expect(function.invoke(HttpApiEvents.timeline(Processes.API_KEY, id)), 200, "timeline");
        for (JsonNode event : JSON.readTree(answer.body()).path("events")) {
            if (event.path("type").asText().equals("handed_to_ai_server")) {
                return event.path("details").path("external_id").asText();
            }
        }
        throw new IllegalStateException("No hand-off in the timeline of " + id + ": " + answer.body());
    }

    private static String signedWebhook(String jobId, String externalId, String status) {
        SignedWebhook webhook = SignedWebhook.of(jobId, externalId, status, status.equals("running") ? 0.5 : null);
        return HttpApiEvents.webhook("generic", jobId, webhook.body(),
                Map.of(StandardWebhook.ID_HEADER, webhook.id(), StandardWebhook.TIMESTAMP_HEADER, webhook.timestamp(),
                        StandardWebhook.SIGNATURE_HEADER, webhook.signature()));
    }

    // --- figures ------------------------------------------------------------------------------------------------

    private void put(Map<String, Phase> phases, Phase bare) {
        results.put("lambda_billed_invocations", phases.values().stream()
                .map(p -> p.name + " " + p.durations.size()).toList() + " measured after " + WARM_UP
                + " warm-up each (fewer where a function's events ran out), one at a time; bare "
                + bare.durations.size() + ", one after each");
        double[] bareBilled = bare.billedMs();
        double[] bareDuration = bare.durationMs();
        for (Map.Entry<String, Phase> entry : phases.entrySet()) {
            String fn = entry.getKey();
            Phase phase = entry.getValue();
            double[] billed = phase.billedMs();
            double[] duration = phase.durationMs();
            results.put("lambda_billed_ms_" + fn + "_p50", whole(Stats.percentile(billed, 50)));
            results.put("lambda_billed_ms_" + fn + "_p99", whole(Stats.percentile(billed, 99)));
            results.put("lambda_billed_ms_" + fn + "_mean", fmt(Stats.mean(billed)));
            results.put("lambda_duration_ms_" + fn + "_p50", fmt(Stats.percentile(duration, 50)));
            results.put("lambda_duration_ms_" + fn + "_p99", fmt(Stats.percentile(duration, 99)));
            results.put("lambda_cpu_ms_per_invocation_" + fn, fmt(phase.cpuMs / phase.durations.size()));
        }
        results.put("lambda_billed_ms_bare_p50", whole(Stats.percentile(bareBilled, 50)));
        results.put("lambda_billed_ms_bare_p99", whole(Stats.percentile(bareBilled, 99)));
        results.put("lambda_billed_ms_bare_mean", fmt(Stats.mean(bareBilled)));
        results.put("lambda_duration_ms_bare_p50", fmt(Stats.percentile(bareDuration, 50)));
        results.put("lambda_duration_ms_bare_p99", fmt(Stats.percentile(bareDuration, 99)));
        results.put("lambda_cpu_ms_per_invocation_bare", fmt(bare.cpuMs / bare.durations.size()));
        for (Map.Entry<String, Phase> entry : phases.entrySet()) {
            String fn = entry.getKey();
            results.put("ratio_lambda_billed_" + fn + "_to_bare_p50",
                    ratio(Stats.percentile(entry.getValue().billedMs(), 50), Stats.percentile(bareBilled, 50)));
            results.put("ratio_lambda_duration_" + fn + "_to_bare_p50",
                    ratio(Stats.percentile(entry.getValue().durationMs(), 50), Stats.percentile(bareDuration, 50)));
        }
    }

    /** Billed ms are whole ms. */
    private static String whole(double billedMs) {
        return Long.toString(Math.round(billedMs));
    }

    private static String ratio(double value, double base) {
        return String.format(Locale.ROOT, "%.2fx", value / base);
    }

    /**
     * Only this scenario: {@code java -cp ... dev.jobgateway.bench.LambdaBilledDurationScenario [work dir]}, with the
     * artifacts built (bench/run.sh, or BENCH_ONLY=billed) and optionally the {@code -Dbench.lambda.*} properties
     * above; prints the figures, the target rows and the bounds.
     */
    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "target/bench");
        Files.createDirectories(work);
        Results results = new Results();
        int exit = 0;
        try {
            fromSystemProperties(work, results).run();
            results.figures().forEach((name, value) -> System.out.println(name + ": " + value));
            System.out.println(LambdaBilledTargets.targetRows(results));
            System.out.println(LambdaBilledTargets.bounds(results));
        } catch (Exception e) {
            System.err.println("Lambda billed duration failed: " + e);
            e.printStackTrace();
            exit = 1;
        }
        // The HTTP clients' threads are not daemons.
        System.exit(exit);
    }
}
