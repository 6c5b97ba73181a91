package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * RunPod's serverless API under {@code /runpod}, with its quirks: {@code Authorization: Bearer}; {@code POST
 * /v2/{endpoint}/run} answering {@code {"id", "status": "IN_QUEUE"}}; {@code policy.executionTimeout} honoured (a job
 * running past it is {@code TIMED_OUT}); {@code GET /v2/{endpoint}/status/{id}} under a rate limit per endpoint (429
 * beyond it; 2,000 per 10 s by default) and answering 404 once a finished job's retention (30 min) has passed;
 * {@code POST /v2/{endpoint}/cancel/{id}}; one webhook, at the end, the status object, unsigned and without any auth
 * header, tried 3 times 10 s apart. The spacing, retention and limit are settings, so that tests stay fast.
 */
public final class RunPodDialect implements Dialect {

    private final SimulatedAiServer server;
    private final String key;
    private volatile long webhookSpacingMs = 10_000;
    private volatile int webhookAttempts = 3;
    private volatile Duration retention = Duration.ofMinutes(30);
    private volatile int statusLimit = 2_000;
    private volatile Duration statusWindow = Duration.ofSeconds(10);
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
        long executionTimeout = body.path("policy").path("executionTimeout").asLong(0);
        job.facts.put("execution_timeout_ms", executionTimeout);
        server.answerSubmit(exchange, plan, attempt, job, 200,
                () -> server.mapper().createObjectNode().put("id", id).put("status", word(job)), () -> {
                    if (executionTimeout > 0) {
                        // The execution timeout counts from the start; the sim's jobs start at once.
                        job.later(() -> job.cancel("timed_out"), executionTimeout);
                    }
                });
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
        if (job == null || expired(job)) {
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

    @Override
    public void started(SimJob job) {
        // RunPod sends one webhook, at the end.
    }

    @Override
    public void progressed(SimJob job) {
        // Progress is the worker's own business (progress_update), not in the status object.
    }

    @Override
    public void finished(SimJob job) {
        if (job.webhookUrl == null) {
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
            }
            if (job.status.equals("failed")) {
                node.put("error", job.errorMessage);
            }
            return node;
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
