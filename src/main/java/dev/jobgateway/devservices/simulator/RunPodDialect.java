package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * RunPod's serverless API under {@code /runpod}, with its quirks: {@code Authorization: Bearer}; {@code POST
 * /v2/{endpoint}/run} answering {@code {"id", "status": "IN_QUEUE"}}, and refusing (400) a {@code policy} RunPod does
 * not take; {@code policy.executionTimeout} honoured from the moment a worker takes the job (a job running past it is
 * {@code TIMED_OUT}); {@code policy.ttl} honoured over the job's whole life (still queued when it passes: {@code
 * TIMED_OUT}, never run; running: removed, its status 404); {@code IN_PROGRESS} with the worker's progress in
 * {@code output}; {@code FAILED} with {@code error} the JSON string a worker's uncaught exception becomes, traceback,
 * hostname and worker id included; {@code GET /v2/{endpoint}/status/{id}} under a rate limit per endpoint (429 beyond
 * it; 2,000 per 10 s by default) and answering 404 once a finished job's retention (30 min) has passed;
 * {@code POST /v2/{endpoint}/cancel/{id}}; one webhook, at the end, the status object, unsigned and without any auth
 * header, tried 3 times 10 s apart. The spacing, retention and limit are settings, so that tests stay fast.
 *
 * <p>
 * Sources: runpod/docs {@code serverless/endpoints/send-requests.mdx} (policy, webhook, rate limits, retention; "TTL
 * is a hard limit"), {@code serverless/endpoints/job-states.mdx} (TIMED_OUT "expired before it was picked up by a
 * worker"), {@code serverless/endpoints/operation-reference.mdx} (the bodies), runpod/runpod-python v1.12.0
 * {@code runpod/serverless/modules/rp_job.py} {@code run_job} (the FAILED error) and {@code rp_progress.py} (the
 * progress update).
 */
public final class RunPodDialect implements Dialect {

    private final SimulatedAiServer server;
    private final String key;
    private volatile long webhookSpacingMs = 10_000;
    private volatile int webhookAttempts = 3;
    private volatile Duration retention = Duration.ofMinutes(30);
    private volatile int statusLimit = 2_000;
    private volatile Duration statusWindow = Duration.ofSeconds(10);
    /** The id of the simulated worker, as {@code RUNPOD_POD_ID} gives it to runpod-python (docs' example workerId). */
    static final String WORKER_ID = "oqk7ao1uomckye";
    /** send-requests.mdx, "Execution policies": executionTimeout "Must be > 5000 ms" (earlier: "greater than 5 s"). */
    static final long MIN_EXECUTION_TIMEOUT_EXCLUSIVE_MS = 5_000;
    /** send-requests.mdx: ttl "Min 10 sec" (earlier: "greater than or equal to 10 seconds"). */
    static final long MIN_TTL_MS = 10_000;
    /** send-requests.mdx: "Both ttl and executionTimeout have a maximum of 7 days". */
    static final long MAX_POLICY_MS = Duration.ofDays(7).toMillis();
    /** send-requests.mdx: ttl's default, 24 h. */
    static final long DEFAULT_TTL_MS = Duration.ofHours(24).toMillis();
    /** When each status call came (epoch ms), answered or refused, for tests that count them per window. */
    private final List<Long> statusCallTimes = new ArrayList<>();
    private final AtomicInteger throttled = new AtomicInteger();

    RunPodDialect(SimulatedAiServer server, String key) {
        this.server = server;
        this.key = key;
    }

    /** The pause between the attempts of the webhook (RunPod: 10 s). */
    public RunPodDialect webhookSpacing(Duration spacing) {
        this.webhookSpacingMs = Math.max(1, spacing.toMillis());
        return this;
    }

    /** How long a finished job's status is kept before it answers 404 (RunPod: 30 min). */
    public RunPodDialect retention(Duration retention) {
        this.retention = retention;
        return this;
    }

    /** Status calls allowed per endpoint per window before 429 (RunPod: 2,000 per 10 s). */
    public RunPodDialect statusLimit(int limit, Duration window) {
        this.statusLimit = limit;
        this.statusWindow = window;
        return this;
    }

    /** When every status call came (epoch ms), oldest first. */
    public synchronized List<Long> statusCallTimes() {
        return List.copyOf(statusCallTimes);
    }

    /** Status calls answered 429. */
    public int throttled() {
        return throttled.get();
    }

    /** The most status calls received within any one window of {@code window}. */
    public synchronized int mostStatusCallsWithin(Duration window) {
        int most = 0;
        int first = 0;
        for (int last = 0; last < statusCallTimes.size(); last++) {
            while (statusCallTimes.get(last) - statusCallTimes.get(first) >= window.toMillis()) {
                first++;
            }
            most = Math.max(most, last - first + 1);
        }
        return most;
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (!("Bearer " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            server.countRejectedSubmit();
            server.respond(exchange, 401, server.error("Unauthorized"));
            return;
        }
        if (method.equals("POST") && path.size() == 3 && path.get(0).equals("v2") && path.get(2).equals("run")) {
            run(exchange, path.get(1));
        } else if (method.equals("GET") && path.size() == 4 && path.get(0).equals("v2")
                && path.get(2).equals("status")) {
            status(exchange, path.get(3));
        } else if (method.equals("POST") && path.size() == 4 && path.get(0).equals("v2")
                && path.get(2).equals("cancel")) {
            server.countCancel();
            SimJob job = job(path.get(3));
            if (job == null) {
                server.respond(exchange, 404, server.error("job not found"));
                return;
            }
            job.cancel("cancelled");
            server.respond(exchange, 200, server.mapper().createObjectNode().put("id", job.id).put("status",
                    word(job)));
        } else {
            server.respond(exchange, 404, server.error("not found"));
        }
    }

    private void run(HttpExchange exchange, String endpoint) throws IOException {
        JsonNode body = server.readJson(exchange);
        JsonNode input = body == null ? null : body.get("input");
        if (input == null || !input.isObject()) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, server.error("input is required"));
            return;
        }
        String refusal = refusePolicy(body.path("policy"));
        if (refusal != null) {
            // The docs give the limits and "400 Bad Request: check your request format and parameters", not the body:
            // this one is assumed.
            server.countRejectedSubmit();
            server.respond(exchange, 400, server.error(refusal));
            return;
        }
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(input);
        } catch (RuntimeException e) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, server.error("input.simulate is not understood: " + e.getMessage()));
            return;
        }
        String webhook = body.path("webhook").asText(null);
        int attempt = server.countSubmit(String.valueOf(webhook));
        if (attempt <= plan.rejectSubmits()) {
            server.respond(exchange, 429, server.bytes(server.error("rate limit exceeded")), "application/json",
                    Map.of("Retry-After", "1"));
            return;
        }
        String id = UUID.randomUUID() + "-u1";
        SimJob job = server.register(new SimJob(server, this, id, input, webhook == null ? null : URI.create(webhook),
                plan), exchange);
        job.facts.put("endpoint", endpoint);
        job.facts.put("execution_timeout_ms", body.path("policy").path("executionTimeout").asLong(0));
        long ttl = body.path("policy").path("ttl").asLong(DEFAULT_TTL_MS);
        if (body.path("policy").has("ttl")) {
            job.facts.put("ttl_ms", ttl);
        }
        // The ttl runs from the submit, over the queue and the run alike (send-requests.mdx, "TTL vs. execution
        // timeout").
        job.later(() -> expire(job), ttl);
        server.answerSubmit(exchange, plan, attempt, job, 200,
                () -> server.mapper().createObjectNode().put("id", id).put("status", word(job)));
    }

    /** Why RunPod refuses this {@code policy}, or null if it takes it (send-requests.mdx, "Execution policies"). */
    static String refusePolicy(JsonNode policy) {
        JsonNode timeout = policy.get("executionTimeout");
        if (timeout != null && (!timeout.canConvertToLong() || timeout.asLong() <= MIN_EXECUTION_TIMEOUT_EXCLUSIVE_MS
                || timeout.asLong() > MAX_POLICY_MS)) {
            return "policy.executionTimeout must be more than 5000 ms and at most 7 days";
        }
        JsonNode ttl = policy.get("ttl");
        if (ttl != null && (!ttl.canConvertToLong() || ttl.asLong() < MIN_TTL_MS || ttl.asLong() > MAX_POLICY_MS)) {
            return "policy.ttl must be at least 10000 ms and at most 7 days";
        }
        return null;
    }

    /**
     * The job's ttl passed: a job no worker has taken never runs and is {@code TIMED_OUT} ("expired before it was
     * picked up by a worker", job-states.mdx); a running one is removed, and its status answers 404 ("If TTL expires
     * while a job is running, the job is immediately removed and status checks return 404", send-requests.mdx).
     * Whether RunPod sends the webhook for either is not documented: none is sent here, so only a status call tells.
     */
    private void expire(SimJob job) {
        synchronized (job) {
            if (job.isTerminal()) {
                return;
            }
            job.facts.put("expired", true);
            if (job.status.equals("queued")) {
                job.cancel("timed_out");
            } else {
                job.facts.put("removed", true);
                job.cancel("timed_out");
            }
        }
    }

    private void status(HttpExchange exchange, String id) throws IOException {
        SimJob job = job(id);
        long now = System.currentTimeMillis();
        boolean limited;
        synchronized (this) {
            statusCallTimes.add(now);
            long since = now - statusWindow.toMillis();
            long recent = statusCallTimes.stream().filter(at -> at > since).count();
            limited = recent > statusLimit;
        }
        if (limited) {
            throttled.incrementAndGet();
            server.respond(exchange, 429, server.error("rate limit exceeded"));
            return;
        }
        if (server.countStatusCall(job)) {
            server.respond(exchange, 503, server.error("service unavailable"));
            return;
        }
        if (job == null || expired(job) || job.facts.path("removed").asBoolean(false)) {
            server.respond(exchange, 404, server.error("job not found"));
            return;
        }
        server.respond(exchange, 200, snapshot(job));
    }

    private boolean expired(SimJob job) {
        Instant completed = job.completedAt;
        return completed != null && Instant.now().isAfter(completed.plus(retention));
    }

    private SimJob job(String id) {
        SimJob job = server.job(id);
        return job != null && job.dialect == this ? job : null;
    }

    @Override
    public boolean startsWithoutProgress() {
        return true;
    }

    /**
     * A worker took the job: its execution timeout starts now ("Maximum time the job can actively run once a worker
     * picks it up", send-requests.mdx). RunPod sends one webhook, at the end.
     */
    @Override
    public void started(SimJob job) {
        long executionTimeout = job.facts.path("execution_timeout_ms").asLong(0);
        if (executionTimeout > 0) {
            job.later(() -> job.cancel("timed_out"), executionTimeout);
        }
    }

    @Override
    public void progressed(SimJob job) {
        // The worker's progress_update: seen in the status object's output, no webhook.
    }

    @Override
    public void finished(SimJob job) {
        if (job.webhookUrl == null || job.facts.path("expired").asBoolean(false)) {
            return;
        }
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(snapshot(job)), SimulatedAiServer.newMessageId(), true,
                true, (id, at, body) -> Map.of(), webhookAttempts, webhookSpacingMs));
    }

    @Override
    public JsonNode output(SimJob job) {
        return server.mapper().createObjectNode().set("images", server.mapper().createArrayNode().add(
                server.mapper().createObjectNode().put("url", server.runpodUri() + "/files/" + job.id + ".png")));
    }

    /** The status object: the same body for {@code /status} and the webhook. */
    ObjectNode snapshot(SimJob job) {
        synchronized (job) {
            ObjectNode node = server.mapper().createObjectNode().put("id", job.id).put("status", word(job));
            node.put("delayTime", job.startedAt == null ? 0
                    : Duration.between(job.createdAt, job.startedAt).toMillis());
            if (job.completedAt != null && job.startedAt != null) {
                node.put("executionTime", Duration.between(job.startedAt, job.completedAt).toMillis());
            }
            if (job.output != null) {
                node.set("output", job.output);
            } else if (job.status.equals("running") && job.progress != null) {
                // rp_progress.py: progress_update(job, progress) sends {"status": "IN_PROGRESS", "output": progress};
                // runpod-python's own test sends "50%".
                node.put("output", Math.round(job.progress * 100) + "%");
            }
            if (job.status.equals("failed")) {
                node.put("error", workerError(job.errorMessage));
                node.put("workerId", WORKER_ID);
            }
            return node;
        }
    }

    /**
     * The {@code error} of a job whose handler raised, as runpod-python's {@code rp_job.run_job} builds it: {@code
     * json.dumps} of {@code error_type}, {@code error_message}, {@code error_traceback}, {@code hostname} ({@code
     * RUNPOD_POD_HOSTNAME}), {@code worker_id} ({@code RUNPOD_POD_ID}) and {@code runpod_version}, Python's separators.
     */
    String workerError(String message) {
        String text = message == null ? "" : message;
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("error_type", "<class 'RuntimeError'>");
        fields.put("error_message", text);
        fields.put("error_traceback", "Traceback (most recent call last):\n  File \"/runpod-volume/handler.py\", "
                + "line 41, in handler\n    images = pipe(**job[\"input\"]).images\nRuntimeError: " + text + "\n");
        fields.put("hostname", WORKER_ID + "-64410f2b");
        fields.put("worker_id", WORKER_ID);
        fields.put("runpod_version", "1.12.0");
        StringBuilder json = new StringBuilder("{");
        fields.forEach((name, value) -> json.append(json.length() > 1 ? ", " : "").append('"').append(name)
                .append("\": ").append(pythonString(value)));
        return json.append('}').toString();
    }

    /**
     * A JSON string as Python's {@code json.dumps} writes it (with {@code ensure_ascii}: non-ASCII characters escaped).
     */
    private String pythonString(String value) {
        try {
            return server.mapper().writer().with(JsonWriteFeature.ESCAPE_NON_ASCII).writeValueAsString(value);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String word(SimJob job) {
        return switch (job.status) {
            case "queued" -> "IN_QUEUE";
            case "running" -> "IN_PROGRESS";
            case "succeeded" -> "COMPLETED";
            case "cancelled" -> "CANCELLED";
            case "timed_out" -> "TIMED_OUT";
            default -> "FAILED";
        };
    }
}
