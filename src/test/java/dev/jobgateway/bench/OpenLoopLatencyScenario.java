package dev.jobgateway.bench;

import static dev.jobgateway.bench.Stats.fmt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.support.GatewayProcess;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * Latency under a steady arrival rate, at 25 %, 50 % and 75 % of the closed-loop maximum, with the open-loop
 * generator ({@link OpenLoop}): wrk's p99 comes from a closed loop that stops sending while the gateway stalls, so
 * its tail leaves out the requests a stall delays. Four kinds of request:
 * <ul>
 * <li>{@code status_read}: GET /jobs/{id} (200) on A, at fractions of {@code status_rps_200};
 * <li>{@code webhook_ack}: signed progress webhooks to B, at fractions of the webhook ingest rate, until B's
 * acknowledgement;
 * <li>{@code wakeup}: completion webhooks to B at fractions of the ingest rate, each job's wait held on A; from the
 * webhook's intended send time to the wait's answer on A;
 * <li>{@code floor}: a read refused by A's API-key filter (401, no Redis) at the wake-up's rates, and once at half the
 * status read maximum: what this machine and generator answer at best at the same rate.
 * </ul>
 * Figures: {@code open_loop_<kind>_<25|50|75>pct_<offered_rps|achieved_rps|answered|errors|ms_p50|ms_p90|ms_p99|
 * ms_p999|ms_max|send_lag_ms_p99>}.
 */
final class OpenLoopLatencyScenario {

    static final int[] LOAD_PERCENTS = { 25, 50, 75 };
    private static final Duration STEP = Duration.ofSeconds(8);
    private static final Duration WARM_UP = Duration.ofSeconds(2);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
    /** Waits held at once for one wake-up step: at high rates the step is shorter than {@link #STEP}. */
    private static final int MAX_WAKEUP_JOBS = 6_000;
    private static final int WAIT_CHUNK = 1_000;
    private static final int WEBHOOK_JOBS = 200;
    private static final int CONNECTIONS = 256;
    private static final IntPredicate SUCCESS = s -> s / 100 == 2;

    private final GatewayClient client;
    private final GatewayProcess a;
    private final GatewayProcess b;
    private final Results results;

    OpenLoopLatencyScenario(GatewayClient client, GatewayProcess a, GatewayProcess b, Results results) {
        this.client = client;
        this.a = a;
        this.b = b;
        this.results = results;
    }

    /**
     * {@code statusMaxRps}: {@code status_rps_200} of the same run; {@code webhookMaxRps}: {@code webhook_ingest_rps}.
     * Either may be NaN (run alone): then a closed loop of this generator measures it first, briefly.
     */
    void run(double statusMaxRps, double webhookMaxRps) throws Exception {
        long started = System.nanoTime();
        try (OpenLoop generator = new OpenLoop(CONNECTIONS)) {
            String id = client.finishedJob(a);
            OpenLoop.Action read = generator.request(a.port(), HttpMethod.GET, "/jobs/" + id, withKey(), null);
            OpenLoop.Action refused = generator.request(a.port(), HttpMethod.GET, "/jobs/" + id,
                    MultiMap.caseInsensitiveMultiMap(), null);
            if (!(statusMaxRps > 0)) {
                generator.run(1_000, WARM_UP, ANSWER_TIMEOUT, ok(200), read);
                statusMaxRps = generator.maxRps(64, Duration.ofSeconds(3), ok(200), read);
                results.put("open_loop_status_read_max_rps_own_closed_loop", fmt(statusMaxRps));
            }
            if (!(webhookMaxRps > 0)) {
                webhookMaxRps = generator.maxRps(64, Duration.ofSeconds(3), SUCCESS,
                        progressWebhooks(generator, 3 * 20_000));
                results.put("open_loop_webhook_ack_max_rps_own_closed_loop", fmt(webhookMaxRps));
            }
            results.put("open_loop_status_read_max_rps", fmt(statusMaxRps));
            results.put("open_loop_webhook_max_rps", fmt(webhookMaxRps));

            generator.run(statusMaxRps * 0.25, WARM_UP, ANSWER_TIMEOUT, ok(200), read);
            for (int percent : LOAD_PERCENTS) {
                put("status_read_" + percent + "pct",
                        generator.run(statusMaxRps * percent / 100, STEP, ANSWER_TIMEOUT, ok(200), read));
            }
            put("floor_status_50pct", generator.run(statusMaxRps / 2, STEP, ANSWER_TIMEOUT, ok(401), refused));

            generator.run(webhookMaxRps * 0.25, WARM_UP, ANSWER_TIMEOUT, SUCCESS,
                    progressWebhooks(generator, (int) (webhookMaxRps * 0.25 * WARM_UP.toSeconds()) + 1));
            for (int percent : LOAD_PERCENTS) {
                double rps = webhookMaxRps * percent / 100;
                OpenLoop.Action webhooks = progressWebhooks(generator, (int) Math.ceil(rps * STEP.toSeconds()) + 1);
                put("webhook_ack_" + percent + "pct", generator.run(rps, STEP, ANSWER_TIMEOUT, SUCCESS,
                        webhooks));
            }

            wakeups(generator, webhookMaxRps * 0.25, 1_000); // warm-up, not reported
            for (int percent : LOAD_PERCENTS) {
                double rps = webhookMaxRps * percent / 100;
                int jobs = (int) Math.min(MAX_WAKEUP_JOBS, Math.round(rps * STEP.toSeconds()));
                put("wakeup_" + percent + "pct", wakeups(generator, rps, jobs));
                Duration same = Duration.ofNanos((long) (jobs / rps * 1e9));
                put("floor_" + percent + "pct", generator.run(rps, same, ANSWER_TIMEOUT, ok(401), refused));
            }
        }
        results.put("open_loop_scenario_seconds", fmt((System.nanoTime() - started) / 1e9));
    }

    /** The answers with this status are the ones measured; any other is an error. */
    private static IntPredicate ok(int status) {
        return s -> s == status;
    }

    private void put(String name, OpenLoop.Run run) {
        String prefix = "open_loop_" + name + "_";
        results.put(prefix + "offered_rps", fmt(run.offeredRps()));
        results.put(prefix + "achieved_rps", fmt(run.achievedRps()));
        results.put(prefix + "answered", run.answered() + " / " + run.scheduled());
        results.put(prefix + "errors", Long.toString(run.errors()));
        results.put(prefix + "ms_p50", fmt(run.ms(50)));
        results.put(prefix + "ms_p90", fmt(run.ms(90)));
        results.put(prefix + "ms_p99", fmt(run.ms(99)));
        results.put(prefix + "ms_p999", fmt(run.ms(99.9)));
        results.put(prefix + "ms_max", fmt(run.maxMs()));
        results.put(prefix + "send_lag_ms_p99", fmt(run.sendLag().getValueAtPercentile(99) / 1000.0));
        results.addToolOutput(List.of("open-loop", name), run.summary());
    }

    private static MultiMap withKey() {
        return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + Processes.API_KEY);
    }

    /**
     * {@code count} progress webhooks for {@link #WEBHOOK_JOBS} new jobs, signed now (the generator then spends no
     * CPU on HMACs while it measures); webhook {@code i} is round {@code i / jobs} of job {@code i % jobs}, so each
     * job's progress only grows. Past {@code count} an action answers 0 (an error): the step is sized by its rate.
     */
    private OpenLoop.Action progressWebhooks(OpenLoop generator, int count) throws Exception {
        List<String> ids = client.submitMany(a, WEBHOOK_JOBS, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(a, ids);
        int rounds = count / ids.size() + 1;
        List<RequestWithBody> signed = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String id = ids.get(i % ids.size());
            signed.add(webhookRequest(
                    SignedWebhook.of(id, external.get(id), "running", (double) (i / ids.size() + 1) / (rounds + 1))));
        }
        HttpClient http = generator.http();
        return index -> index < signed.size() ? OpenLoop.send(http, signed.get(index).options(),
                signed.get(index).body()) : Future.succeededFuture(0);
    }

    private record RequestWithBody(RequestOptions options, Buffer body) {
    }

    private RequestWithBody webhookRequest(SignedWebhook webhook) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("Content-Type", "application/json")
                .add(StandardWebhook.ID_HEADER, webhook.id())
                .add(StandardWebhook.TIMESTAMP_HEADER, webhook.timestamp())
                .add(StandardWebhook.SIGNATURE_HEADER, webhook.signature());
        return new RequestWithBody(new RequestOptions().setHost("127.0.0.1").setPort(b.port())
                .setMethod(HttpMethod.POST).setURI(webhook.path()).setHeaders(headers), Buffer.buffer(webhook.body()));
    }

    /**
     * {@code jobs} jobs, each with a wait held on A; then their completion webhooks to B at {@code rps}. Each action
     * sends one webhook and completes when that job's wait is answered on A (200 with the job succeeded), so the
     * latency runs from the webhook's intended send time to the answer, and a webhook B refuses shows as a wait
     * never answered in time (an error).
     */
    private OpenLoop.Run wakeups(OpenLoop generator, double rps, int jobs) throws Exception {
        List<String> ids = client.submitMany(a, jobs, GatewayClient.FINISHED_BY_BENCHMARK);
        Map<String, String> external = client.externalIds(a, ids);
        List<RequestWithBody> completions = new ArrayList<>(jobs);
        for (String id : ids) {
            completions.add(webhookRequest(SignedWebhook.of(id, external.get(id), "succeeded", null)));
        }
        List<Promise<Integer>> answers = new ArrayList<>(jobs);
        HttpClient waits = generator.client(jobs + 16);
        try {
            // In chunks, each registered before the next: 6,000 waits sent at once made A answer about 2,000 of them
            // 503 (its shared Redis connection keeps at most 2,048 commands in flight).
            for (int from = 0; from < ids.size(); from += WAIT_CHUNK) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + WAIT_CHUNK));
                generator.onLoop(() -> {
                    for (String id : chunk) {
                        Promise<Integer> answer = Promise.promise();
                        answers.add(answer);
                        RequestOptions wait = new RequestOptions().setHost("127.0.0.1").setPort(a.port())
                                .setMethod(HttpMethod.GET).setURI("/jobs/" + id + "?wait=25").setHeaders(withKey());
                        waits.request(wait).compose(request -> request.send())
                                .compose(response -> response.body().map(body -> response.statusCode() == 200
                                        && GatewayClient.status(body.toString()).equals("succeeded") ? 200
                                                : response.statusCode() == 200 ? 0 : response.statusCode()))
                                .onComplete(answer);
                    }
                    return Future.succeededFuture();
                }, Duration.ofSeconds(30));
                // Every wait registered on A before the next chunk, and all of them before the first webhook.
                client.awaitWaiters(a, from + chunk.size(), Duration.ofSeconds(60),
                        () -> answers.stream().anyMatch(p -> p.future().isComplete()));
            }
            HttpClient http = generator.http();
            return generator.run(rps, Duration.ofNanos((long) (jobs / rps * 1e9)), ANSWER_TIMEOUT, ok(200),
                    index -> {
                        if (index >= jobs) {
                            return Future.succeededFuture(0); // a rounding of the step's length: an error, not a throw
                        }
                        RequestWithBody webhook = completions.get(index);
                        OpenLoop.send(http, webhook.options(), webhook.body());
                        return answers.get(index).future();
                    });
        } finally {
            waits.close();
        }
    }

    /** Markdown rows {@code | target | this run | met |} for the Targets section. */
    static String targetRows(Results results) {
        StringBuilder md = new StringBuilder();
        double readP99 = results.number("open_loop_status_read_50pct_ms_p99");
        double readFloorP99 = results.number("open_loop_floor_status_50pct_ms_p99");
        md.append(row("status read p99 at 50 % of the maximum rate (open loop) ≤ 2× the floor's p99 at that rate",
                "p99 " + fmt(readP99) + " ms at " + results.get("open_loop_status_read_50pct_offered_rps")
                        + " rps offered (" + results.get("open_loop_status_read_50pct_achieved_rps")
                        + " sent); 401 floor p99 " + fmt(readFloorP99) + " ms; errors "
                        + results.get("open_loop_status_read_50pct_errors"),
                readP99 <= 2 * readFloorP99 && clean(results, "status_read_50pct")));
        double ackP99 = results.number("open_loop_webhook_ack_50pct_ms_p99");
        double floorP99 = results.number("open_loop_floor_50pct_ms_p99");
        md.append(row("webhook acknowledgement p99 at 50 % of the ingest rate (open loop) ≤ 2× the floor's p99 at "
                + "that rate",
                "p99 " + fmt(ackP99) + " ms at " + results.get("open_loop_webhook_ack_50pct_offered_rps")
                        + " webhooks/s offered; 401 floor p99 " + fmt(floorP99) + " ms; errors "
                        + results.get("open_loop_webhook_ack_50pct_errors"),
                ackP99 <= 2 * floorP99 && clean(results, "webhook_ack_50pct")));
        double wakeP99 = results.number("open_loop_wakeup_50pct_ms_p99");
        md.append(row("wake-up p99 at 50 % of the ingest rate (open loop, waits on A, webhooks to B) ≤ 3× the floor's "
                + "p99 at that rate (a wake-up is two requests and a Redis hop)",
                "p99 " + fmt(wakeP99) + " ms (p50 " + results.get("open_loop_wakeup_50pct_ms_p50") + ", max "
                        + results.get("open_loop_wakeup_50pct_ms_max") + ") at "
                        + results.get("open_loop_wakeup_50pct_offered_rps") + " webhooks/s; 401 floor p99 "
                        + fmt(floorP99) + " ms; errors " + results.get("open_loop_wakeup_50pct_errors"),
                wakeP99 <= 3 * floorP99 && clean(results, "wakeup_50pct")));
        return md.toString();
    }

    /** Markdown bullets: what bounds the open-loop latencies of this run. */
    static String bounds(Results results) {
        StringBuilder md = new StringBuilder();
        md.append("- Open-loop latency rises with the load: status read p99 ")
                .append(series(results, "status_read")).append(" ms, webhook acknowledgement p99 ")
                .append(series(results, "webhook_ack")).append(" ms, wake-up p99 ").append(series(results, "wakeup"))
                .append(" ms at 25/50/75 % of the maximum. The maxima are closed-loop rates with every core busy, so "
                        + "75 % leaves the gateway, Redis and the generator little idle CPU: requests arriving "
                        + "during a GC pause, a JIT compilation or a burst wait behind it, and the open loop counts "
                        + "that wait for each of them.\n");
        md.append("- The floor (a 401 before any Redis command) at the wake-up's rates: p99 ")
                .append(series(results, "floor")).append(" ms; at half the status read maximum ")
                .append(results.get("open_loop_floor_status_50pct_ms_p99"))
                .append(" ms. Nothing this gateway does is answered faster on this machine with this generator; a "
                        + "wake-up adds a second request (the webhook to B), B's Redis transition and the change "
                        + "feed to A.\n");
        md.append("- The generator shares the two cores: its send lag p99 (how late a request left against its "
                + "intended time; included in every latency) was ")
                .append(lagSeries(results, "status_read")).append(" ms for the status reads, ")
                .append(lagSeries(results, "wakeup"))
                .append(" ms for the wake-ups. Where it is near the latency itself, the machine, not the gateway, "
                        + "bounds the figure.\n");
        md.append("- Wake-up steps hold at most " + MAX_WAKEUP_JOBS + " waits at once, so at high rates a step is "
                + "shorter than " + STEP.toSeconds() + " s (" + results.get("open_loop_wakeup_75pct_answered")
                + " answered at 75 %): its p99.9 rests on few samples.\n");
        return md.toString();
    }

    private static boolean clean(Results results, String step) {
        return results.number("open_loop_" + step + "_errors") == 0;
    }

    private static String series(Results results, String kind) {
        List<String> values = new ArrayList<>();
        for (int percent : LOAD_PERCENTS) {
            values.add(String.valueOf(results.get("open_loop_" + kind + "_" + percent + "pct_ms_p99")));
        }
        return String.join(" / ", values);
    }

    private static String lagSeries(Results results, String kind) {
        List<String> values = new ArrayList<>();
        for (int percent : LOAD_PERCENTS) {
            values.add(String.valueOf(results.get("open_loop_" + kind + "_" + percent + "pct_send_lag_ms_p99")));
        }
        return String.join(" / ", values);
    }

    private static String row(String target, String figure, boolean met) {
        return String.format(Locale.ROOT, "| %s | %s | %s |%n", target, figure, met ? "yes" : "**no**");
    }
}
