package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.jobgateway.providers.StandardWebhook;

/**
 * The generic protocol (SPEC.md): {@code POST /jobs} (honouring {@code Idempotency-Key}), {@code GET /jobs/{id}},
 * {@code POST /jobs/{id}/cancel}, and a Standard Webhooks signed webhook for every change, each retried on failure.
 */
final class GenericDialect implements Dialect {

    private final SimulatedAiServer server;
    private final String secret;
    private final Map<String, SimJob> byIdempotencyKey = new java.util.concurrent.ConcurrentHashMap<>();

    GenericDialect(SimulatedAiServer server, String secret) {
        this.server = server;
        this.secret = secret;
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (method.equals("POST") && path.size() == 1 && path.get(0).equals("jobs")) {
            submit(exchange);
        } else if (method.equals("GET") && path.size() == 2 && path.get(0).equals("jobs")) {
            SimJob job = server.job(path.get(1));
            if (server.countStatusCall(job)) {
                server.respond(exchange, 503, server.error("simulated status outage"));
                return;
            }
            if (job == null || job.dialect != this) {
                server.respond(exchange, 404, server.error("no such job"));
                return;
            }
            ObjectNode answer = describe(job);
            if (job.plan.statusProgress() != null) {
                answer.put("progress", job.plan.statusProgress());
            }
            server.respond(exchange, 200, answer);
        } else if (method.equals("POST") && path.size() == 3 && path.get(0).equals("jobs")
                && path.get(2).equals("cancel")) {
            server.countCancel();
            SimJob job = server.job(path.get(1));
            if (job == null || job.dialect != this) {
                server.respond(exchange, 404, server.error("no such job"));
                return;
            }
            job.cancel("cancelled");
            server.respond(exchange, 200, describe(job));
        } else {
            server.respond(exchange, 404, server.error("no such endpoint"));
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        JsonNode body = server.readJson(exchange);
        JsonNode input = body == null ? null : body.get("input");
        String webhookUrl = body == null ? null : body.path("webhook_url").asText(null);
        if (input == null || !input.isObject() || webhookUrl == null) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, server.error("input object and webhook_url are required"));
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
        int attempt = server.countSubmit(webhookUrl);
        if (attempt <= plan.rejectSubmits()) {
            server.respond(exchange, 503, server.error("simulated overload"));
            return;
        }
        String idempotencyKey = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        SimJob known = idempotencyKey == null ? null : byIdempotencyKey.get(idempotencyKey);
        if (known != null) {
            // A retry of a submit this server took already: the same job, no second generation.
            server.respond(exchange, 200, server.mapper().createObjectNode().put("id", known.id).put("status",
                    "queued"));
            return;
        }
        // Like a real AI server, the job is taken before a slow answer: a caller that times out has still started it.
        URI url = plan.fixedWebhookUrl() ? withoutJobId(URI.create(webhookUrl)) : URI.create(webhookUrl);
        SimJob job = server.register(new SimJob(server, this, "sim_" + UUID.randomUUID(), input, url, plan), exchange);
        if (idempotencyKey != null) {
            byIdempotencyKey.put(idempotencyKey, job);
        }
        server.answerSubmit(exchange, plan, attempt, job, 201,
                () -> server.mapper().createObjectNode().put("id", job.id).put("status", "queued"));
    }

    /** {@code .../webhooks/generic/{job id}?token=...} without the job id and token: one URL for every job. */
    private static URI withoutJobId(URI perJobUrl) {
        String path = perJobUrl.getPath();
        return perJobUrl.resolve(path.substring(0, path.lastIndexOf('/')));
    }

    @Override
    public boolean startsWithoutProgress() {
        return false;
    }

    @Override
    public void started(SimJob job) {
        // The generic protocol reports progress, not a start of its own.
    }

    @Override
    public void progressed(SimJob job) {
        report(job);
    }

    @Override
    public void finished(SimJob job) {
        report(job);
    }

    @Override
    public JsonNode output(SimJob job) {
        // input.simulate.output "data_url": the image inline, as Cog-style servers without file storage send it.
        String url = job.input != null && job.input.path("simulate").path("output").asText("").equals("data_url")
                ? "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(SimFiles.png(
                        job.input.path("simulate").path("output_bytes").asInt(0)))
                : server.baseUri() + "/images/" + job.id + ".png";
        return server.mapper().createObjectNode().set("images", server.mapper().createArrayNode().add(
                server.mapper().createObjectNode().put("url", url)
                        .put("width", 1024).put("height", 1024)));
    }

    private ObjectNode describe(SimJob job) {
        synchronized (job) {
            // The generic protocol has no "aborted": a job that never started failed.
            String status = job.status.equals("aborted") ? "failed" : job.status;
            ObjectNode node = server.mapper().createObjectNode().put("id", job.id).put("status", status);
            node.set("output", job.output);
            node.put("error_message", job.errorMessage);
            if (job.progress == null) {
                node.putNull("progress");
            } else {
                node.put("progress", job.progress);
            }
            return node;
        }
    }

    private void report(SimJob job) {
        ObjectNode payload = describe(job);
        payload.remove("id");
        payload.put("job_id", job.id);
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(payload), SimulatedAiServer.newMessageId(),
                job.isTerminal(), true, this::sign));
    }

    private Map<String, String> sign(String messageId, long timestamp, byte[] body) {
        return Map.of(StandardWebhook.ID_HEADER, messageId,
                StandardWebhook.TIMESTAMP_HEADER, Long.toString(timestamp),
                StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, messageId, timestamp, body));
    }
}
