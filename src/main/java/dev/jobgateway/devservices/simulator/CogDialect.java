package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * A Cog server under {@code /cog}, with its quirks: {@code PUT /predictions/{id}} ({@code Prefer: respond-async}: 202
 * with the prediction's state), idempotent by id (a repeat attaches to the prediction, whatever it carries, and
 * answers its current state: no second generation); {@code 409} when every slot is busy ({@code reject_submits});
 * no {@code GET} of a prediction (405); {@code POST /predictions/{id}/cancel}; {@code GET /health-check}. Webhooks
 * for the events filtered in, each the full prediction at sending time: {@code start}, {@code output} per progress
 * step, {@code completed}; only the terminal one retried (12 attempts with backoff); unsigned, with
 * {@code Authorization: Bearer} when the server has a {@code WEBHOOK_AUTH_TOKEN}. Outputs are file URLs (a server
 * with an upload URL), or a {@code data:} URL of {@code data_url_bytes}.
 */
final class CogDialect implements Dialect {

    private static final List<String> ALL_EVENTS = List.of("start", "output", "logs", "completed");
    private static final int TERMINAL_ATTEMPTS = 12;

    private final SimulatedAiServer server;
    private final String webhookToken;

    CogDialect(SimulatedAiServer server, String webhookToken) {
        this.server = server;
        this.webhookToken = webhookToken == null || webhookToken.isBlank() ? null : webhookToken;
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (path.equals(List.of("health-check")) && method.equals("GET")) {
            server.respond(exchange, 200, server.mapper().createObjectNode().put("status", "READY"));
        } else if (path.size() == 2 && path.get(0).equals("predictions") && method.equals("PUT")) {
            put(exchange, path.get(1));
        } else if (path.size() == 2 && path.get(0).equals("predictions")) {
            server.respond(exchange, 405, detail("Method Not Allowed"));
        } else if (path.size() == 3 && path.get(0).equals("predictions") && path.get(2).equals("cancel")
                && method.equals("POST")) {
            server.countCancel();
            SimJob job = job(path.get(1));
            if (job == null) {
                server.respond(exchange, 404, detail("Not Found"));
                return;
            }
            job.cancel("cancelled");
            server.respond(exchange, 200, server.mapper().createObjectNode());
        } else {
            server.respond(exchange, 404, detail("Not Found"));
        }
    }

    private void put(HttpExchange exchange, String id) throws IOException {
        JsonNode body = server.readJson(exchange);
        SimJob known = job(id);
        if (known != null) {
            // Idempotent: the prediction of this id, as it is now. This is also the gateway's only status call.
            if (server.countStatusCall(known)) {
                server.respond(exchange, 503, detail("Service Unavailable"));
                return;
            }
            server.respond(exchange, 202, snapshot(known));
            return;
        }
        JsonNode input = body == null ? null : body.get("input");
        if (input == null || !input.isObject()) {
            server.countRejectedSubmit();
            server.respond(exchange, 422, detail("input is required"));
            return;
        }
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(input);
        } catch (RuntimeException e) {
            server.countRejectedSubmit();
            server.respond(exchange, 422, detail("input.simulate is not understood: " + e.getMessage()));
            return;
        }
        String webhook = body.path("webhook").asText(null);
        int attempt = server.countSubmit(String.valueOf(webhook));
        if (attempt <= plan.rejectSubmits()) {
            server.respond(exchange, 409, detail("Already running a prediction"));
            return;
        }
        SimJob job = server.register(new SimJob(server, this, id, input, webhook == null ? null : URI.create(webhook),
                plan), exchange);
        ArrayNode events = job.facts.putArray("events");
        JsonNode filter = body.get("webhook_events_filter");
        if (filter != null && filter.isArray()) {
            filter.forEach(events::add);
        } else {
            ALL_EVENTS.forEach(events::add);
        }
        job.facts.put("logs", "");
        server.answerSubmit(exchange, plan, attempt, job, 202, () -> snapshot(job));
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
        synchronized (job) {
            job.facts.put("logs", job.facts.path("logs").asText() + "Running prediction...\n");
        }
        send(job, "start");
    }

    @Override
    public void progressed(SimJob job) {
        synchronized (job) {
            job.facts.put("logs", job.facts.path("logs").asText() + Math.round(job.progress * 100) + "%\n");
        }
        send(job, "logs");
    }

    @Override
    public void finished(SimJob job) {
        send(job, "completed");
    }

    @Override
    public JsonNode output(SimJob job) {
        int bytes = job.plan.dataUrlBytes();
        if (bytes > 0) {
            byte[] image = new byte[bytes * 3 / 4];
            return server.mapper().getNodeFactory().textNode("data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(image));
        }
        return server.mapper().createArrayNode().add(server.cogUri() + "/files/" + job.id + "-0.png");
    }

    private void send(SimJob job, String event) {
        if (job.webhookUrl == null) {
            return;
        }
        boolean wanted = false;
        for (JsonNode name : job.facts.path("events")) {
            wanted |= name.asText().equals(event);
        }
        if (!wanted) {
            return;
        }
        boolean terminal = event.equals("completed");
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(snapshot(job)), SimulatedAiServer.newMessageId(),
                terminal, terminal, this::headers, terminal ? TERMINAL_ATTEMPTS : 1, 0));
    }

    private Map<String, String> headers(String messageId, long timestamp, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", "cog-worker/0.9.0");
        if (webhookToken != null) {
            headers.put("Authorization", "Bearer " + webhookToken);
        }
        return headers;
    }

    /** The prediction as it is now (Replicate's shape). */
    ObjectNode snapshot(SimJob job) {
        synchronized (job) {
            ObjectNode node = server.mapper().createObjectNode();
            node.put("id", job.id);
            node.set("input", job.input);
            node.set("output", job.output);
            node.put("error", job.status.equals("failed") ? job.errorMessage : null);
            node.put("logs", job.facts.path("logs").asText());
            node.put("status", switch (job.status) {
                case "queued" -> "starting";
                case "running" -> "processing";
                case "cancelled" -> "canceled";
                case "succeeded" -> "succeeded";
                default -> "failed";
            });
            node.put("created_at", job.createdAt.toString());
            node.put("started_at", job.startedAt == null ? null : job.startedAt.toString());
            node.put("completed_at", job.completedAt == null ? null : job.completedAt.toString());
            if (job.completedAt != null && job.startedAt != null) {
                node.putObject("metrics").put("predict_time",
                        Duration.between(job.startedAt, job.completedAt).toMillis() / 1000.0);
            }
            return node;
        }
    }

    private ObjectNode detail(String detail) {
        return server.mapper().createObjectNode().put("detail", detail);
    }
}
