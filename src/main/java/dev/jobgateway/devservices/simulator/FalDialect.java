package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * fal's queue API under {@code /fal}, with its quirks: {@code Authorization: Key}; a submit to the model id (with its
 * subpath) and {@code ?fal_webhook=}, answered with a {@code request_id} and a {@code gateway_request_id} that differs
 * from it (and changes again when the request starts, as fal's internal retries do); status, result and cancel only
 * under the app (the model id without its subpath: a URL that keeps it is 404); {@code IN_QUEUE} with
 * {@code queue_position}, {@code IN_PROGRESS}, {@code COMPLETED} (202 until then), the outcome only in the result;
 * no progress webhooks, one terminal POST ({@code OK} with the payload, {@code ERROR}, or {@code payload: null} with
 * {@code payload_error}) signed with Ed25519 ({@link FalSigning}) and retried; 429 with {@code Retry-After} when
 * throttled.
 */
final class FalDialect implements Dialect {

    private final SimulatedAiServer server;
    private final String key;
    private final FalSigning signing;

    FalDialect(SimulatedAiServer server, String key, String userId) {
        this.server = server;
        this.key = key;
        this.signing = new FalSigning(userId);
    }

    FalSigning signing() {
        return signing;
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (method.equals("GET") && path.equals(List.of(".well-known", "jwks.json"))) {
            Map.Entry<Integer, String> jwks = signing.jwks();
            server.respond(exchange, jwks.getKey(), jwks.getValue().getBytes(StandardCharsets.UTF_8),
                    "application/json", Map.of());
            return;
        }
        if (!("Key " + key).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            server.countRejectedSubmit();
            server.respond(exchange, 401, detail("Authentication is required to access this application."));
            return;
        }
        int requests = path.indexOf("requests");
        if (requests < 0 && method.equals("POST") && path.size() >= 2) {
            submit(exchange, String.join("/", path));
            return;
        }
        if (requests != 2 || path.size() < 4) {
            server.respond(exchange, 404, detail("Not Found"));
            return;
        }
        String app = path.get(0) + "/" + path.get(1);
        SimJob job = server.job(path.get(3));
        if (job == null || job.dialect != this || !job.facts.path("app").asText().equals(app)) {
            if (path.size() == 5 && path.get(4).equals("status")) {
                server.countStatusCall(null);
            }
            server.respond(exchange, 404, detail("Request not found"));
            return;
        }
        if (method.equals("GET") && path.size() == 5 && path.get(4).equals("status")) {
            if (server.countStatusCall(job)) {
                server.respond(exchange, 503, detail("Service Unavailable"));
                return;
            }
            status(exchange, job);
        } else if (method.equals("GET") && path.size() == 4) {
            result(exchange, job);
        } else if (method.equals("PUT") && path.size() == 5 && path.get(4).equals("cancel")) {
            server.countCancel();
            if (job.cancel("cancelled")) {
                server.respond(exchange, 202, server.mapper().createObjectNode().put("status",
                        "CANCELLATION_REQUESTED"));
            } else {
                server.respond(exchange, 400, server.mapper().createObjectNode().put("status", "ALREADY_COMPLETED"));
            }
        } else {
            server.respond(exchange, 405, detail("Method Not Allowed"));
        }
    }

    private void submit(HttpExchange exchange, String model) throws IOException {
        JsonNode input = server.readJson(exchange);
        String webhook = query(exchange.getRequestURI().getRawQuery(), "fal_webhook");
        if (input == null || !input.isObject()) {
            server.countRejectedSubmit();
            server.respond(exchange, 422, detail("The request body must be a JSON object."));
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
        int attempt = server.countSubmit(String.valueOf(webhook));
        if (attempt <= plan.rejectSubmits()) {
            server.respond(exchange, 429, server.bytes(detail("Rate limit exceeded")), "application/json",
                    Map.of("Retry-After", "1"));
            return;
        }
        String[] parts = model.split("/");
        String app = parts[0] + "/" + parts[1];
        SimJob job = server.register(new SimJob(server, this, UUID.randomUUID().toString(), input,
                webhook == null ? null : URI.create(webhook), plan), exchange);
        job.facts.put("app", app);
        job.facts.put("model", model);
        job.facts.put("gateway_request_id", UUID.randomUUID().toString());
        // Built before the job can start: a start gives it a new gateway_request_id, the answer keeps the first.
        ObjectNode answer = server.mapper().createObjectNode()
                .put("request_id", job.id)
                .put("gateway_request_id", job.facts.path("gateway_request_id").asText())
                .put("response_url", requestUrl(job))
                .put("status_url", requestUrl(job) + "/status")
                .put("cancel_url", requestUrl(job) + "/cancel")
                .put("queue_position", plan.queuePosition());
        server.answerSubmit(exchange, plan, attempt, job, 200, () -> answer);
    }

    private String requestUrl(SimJob job) {
        return server.falUri() + "/" + job.facts.path("app").asText() + "/requests/" + job.id;
    }

    private void status(HttpExchange exchange, SimJob job) throws IOException {
        ObjectNode answer = server.mapper().createObjectNode();
        synchronized (job) {
            switch (job.status) {
                case "queued" -> answer.put("status", "IN_QUEUE").put("queue_position", job.plan.queuePosition());
                case "running" -> answer.put("status", "IN_PROGRESS").putArray("logs").addObject()
                        .put("message", "step").put("level", "INFO").put("timestamp", job.startedAt.toString());
                default -> answer.put("status", "COMPLETED").putArray("logs");
            }
        }
        answer.put("response_url", requestUrl(job));
        server.respond(exchange, answer.path("status").asText().equals("COMPLETED") ? 200 : 202, answer);
    }

    private void result(HttpExchange exchange, SimJob job) throws IOException {
        synchronized (job) {
            if (!job.isTerminal()) {
                server.respond(exchange, 400, detail("Request is still in progress"));
            } else if (job.status.equals("succeeded") && job.plan.payloadError()) {
                server.respond(exchange, 200, "PNG... not JSON".getBytes(StandardCharsets.UTF_8), "text/plain",
                        Map.of());
            } else if (job.status.equals("succeeded")) {
                server.respond(exchange, 200, job.output);
            } else if (job.status.equals("cancelled")) {
                server.respond(exchange, 400, server.bytes(detail("Request was cancelled")), "application/json",
                        Map.of("X-Fal-Error-Type", "request_cancelled"));
            } else {
                server.respond(exchange, 422, server.bytes(validationError(job)), "application/json",
                        Map.of("X-Fal-Error-Type", "validation_error"));
            }
        }
    }

    @Override
    public boolean startsWithoutProgress() {
        return true;
    }

    @Override
    public void started(SimJob job) {
        // fal retried the request internally: a new gateway_request_id, the same request_id.
        job.facts.put("gateway_request_id", UUID.randomUUID().toString());
    }

    @Override
    public void progressed(SimJob job) {
        // fal sends no progress webhooks: only the status endpoint tells.
    }

    @Override
    public void finished(SimJob job) {
        if (job.status.equals("cancelled") || job.webhookUrl == null) {
            return;
        }
        ObjectNode body = server.mapper().createObjectNode()
                .put("request_id", job.id)
                .put("gateway_request_id", job.facts.path("gateway_request_id").asText());
        if (job.status.equals("succeeded") && job.plan.payloadError()) {
            body.put("status", "OK").putNull("payload");
            body.put("payload_error", "Response payload is not valid JSON: Expecting value: line 1 column 1");
        } else if (job.status.equals("succeeded")) {
            body.put("status", "OK").set("payload", job.output);
        } else {
            body.put("status", "ERROR").put("error", "Invalid status code: 422").set("payload", validationError(job));
        }
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(body), job.id, true, true,
                (messageId, timestamp, bytes) -> signing.headers(job.id, timestamp, bytes)));
    }

    @Override
    public JsonNode output(SimJob job) {
        ObjectNode payload = server.mapper().createObjectNode();
        payload.putArray("images").addObject()
                .put("url", server.falUri() + "/files/" + job.id + ".png")
                .put("content_type", "image/png").put("file_name", job.id + ".png").put("file_size", 1_048_576)
                .put("width", 1024).put("height", 1024);
        payload.put("seed", 42);
        payload.putArray("has_nsfw_concepts").add(false);
        payload.put("prompt", job.input.path("prompt").asText(""));
        return payload;
    }

    private ObjectNode validationError(SimJob job) {
        ObjectNode error = server.mapper().createObjectNode();
        error.putArray("detail").addObject().put("msg", job.errorMessage == null ? "The request did not start."
                : job.errorMessage).put("type", "value_error").putArray("loc").add("body");
        return error;
    }

    private ObjectNode detail(String detail) {
        return server.mapper().createObjectNode().put("detail", detail);
    }

    private static String query(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
