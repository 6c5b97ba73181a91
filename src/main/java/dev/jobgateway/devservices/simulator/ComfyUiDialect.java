package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * ComfyUI's HTTP API under {@code /comfyui} (every route also under {@code /comfyui/api/}, as ComfyUI serves them),
 * with its quirks: no webhooks at all; {@code POST /prompt} takes a caller-chosen {@code prompt_id} and answers
 * {@code {prompt_id, number, node_errors}}, or 400 with {@code error} and {@code node_errors} for a graph it cannot
 * run (a node type it does not know; a {@code CheckpointLoaderSimple} whose {@code ckpt_name} is not a
 * {@code .safetensors} file, or is {@code missing.safetensors}); {@code GET /history/{id}} is {@code {}} until the
 * prompt ends, then holds its outputs and {@code status} ({@code status_str} {@code success} or {@code error} with an
 * {@code execution_error} or {@code execution_interrupted} message); {@code GET /queue} lists
 * {@code queue_running} and {@code queue_pending} as {@code [number, prompt_id, prompt, extra_data, outputs]}, pending
 * not in order; {@code POST /queue {"delete": [...]}} drops queued prompts; {@code POST /interrupt} stops what runs
 * (only the named prompt when the body names one); {@code GET /view} serves a small PNG. The history lives in memory:
 * {@code POST /comfyui/internal/restart} (the simulator's own knob) forgets every prompt, queued ones too. The
 * {@code simulate} knobs ride in {@code extra_data.simulate}; {@code ignore_prompt_id} makes the server name the prompt
 * itself, as older servers do, and {@code queued_ms} keeps it pending that long before it runs.
 */
final class ComfyUiDialect implements Dialect {

    /** A 1x1 transparent PNG. */
    static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
    private static final Set<String> KNOWN_NODES = Set.of("CheckpointLoaderSimple", "CLIPTextEncode",
            "EmptyLatentImage", "KSampler", "VAEDecode", "SaveImage", "PreviewImage", "LoadImage");

    private final SimulatedAiServer server;
    private final AtomicInteger numbers = new AtomicInteger();
    private final AtomicInteger queueCalls = new AtomicInteger();
    private final AtomicInteger historyCalls = new AtomicInteger();
    private final AtomicInteger restarts = new AtomicInteger();
    private final Map<String, SimJob> prompts = new ConcurrentHashMap<>();

    ComfyUiDialect(SimulatedAiServer server) {
        this.server = server;
    }

    int queueCalls() {
        return queueCalls.get();
    }

    int historyCalls() {
        return historyCalls.get();
    }

    /** ComfyUI restarted: every prompt it had, in its history or its queue, is forgotten. */
    void restart() {
        restarts.incrementAndGet();
        for (SimJob job : prompts.values()) {
            synchronized (job) {
                job.facts.put("lost", true);
                job.forget();
            }
        }
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (!path.isEmpty() && path.get(0).equals("api")) {
            path = path.subList(1, path.size());
        }
        String route = String.join("/", path);
        if (method.equals("POST") && route.equals("prompt")) {
            submit(exchange);
        } else if (method.equals("GET") && path.size() == 2 && path.get(0).equals("history")) {
            history(exchange, path.get(1));
        } else if (method.equals("GET") && route.equals("history")) {
            allHistory(exchange);
        } else if (method.equals("GET") && route.equals("queue")) {
            queueCalls.incrementAndGet();
            server.respond(exchange, 200, queue());
        } else if (method.equals("POST") && route.equals("queue")) {
            deleteFromQueue(exchange);
        } else if (method.equals("POST") && route.equals("interrupt")) {
            interrupt(exchange);
        } else if (method.equals("GET") && route.equals("view")) {
            view(exchange);
        } else if (method.equals("POST") && route.equals("internal/restart")) {
            restart();
            server.respond(exchange, 200, server.mapper().createObjectNode().put("restarted", true));
        } else {
            server.respond(exchange, 404, "404: Not Found".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
        }
    }

    private void submit(HttpExchange exchange) throws IOException {
        JsonNode body = server.readJson(exchange);
        JsonNode graph = body == null ? null : body.get("prompt");
        if (graph == null || !graph.isObject()) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, invalid("invalid_prompt", "Invalid prompt", "no prompt given",
                    server.mapper().createObjectNode()));
            return;
        }
        JsonNode extra = body.path("extra_data");
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(extra.isObject() ? extra : null);
        } catch (RuntimeException e) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, invalid("invalid_prompt", "extra_data.simulate is not understood",
                    e.getMessage(), server.mapper().createObjectNode()));
            return;
        }
        ObjectNode refusal = validate(graph);
        if (refusal != null) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, refusal);
            return;
        }
        boolean ignoreId = extra.path("simulate").path("ignore_prompt_id").asBoolean(false);
        String given = body.path("prompt_id").asText("");
        String id = ignoreId || given.isBlank() ? UUID.randomUUID().toString() : given;
        int attempt = server.countSubmit(given.isBlank() ? id : given);
        if (attempt <= plan.rejectSubmits()) {
            // ComfyUI itself never throttles; a proxy in front of it may.
            server.respond(exchange, 429, server.bytes(server.error("Too Many Requests")), "application/json",
                    Map.of("Retry-After", "1"));
            return;
        }
        SimJob existing = prompts.get(id);
        if (existing != null && !lost(existing)) {
            // The same id again (a retried submit): the prompt it names, not a second run (unconfirmed for ComfyUI).
            server.respond(exchange, 200, answer(existing));
            return;
        }
        SimJob job = server.register(new SimJob(server, this, id, body, null, plan), exchange);
        job.facts.put("number", numbers.getAndIncrement());
        job.facts.set("graph", graph);
        prompts.put(id, job);
        server.answerSubmit(exchange, plan, attempt, job, 200, () -> answer(job));
    }

    private ObjectNode answer(SimJob job) {
        ObjectNode answer = server.mapper().createObjectNode().put("prompt_id", job.id)
                .put("number", job.facts.path("number").asInt());
        answer.putObject("node_errors");
        return answer;
    }

    /** ComfyUI's validation: node types it knows, and the checkpoint files it has. */
    private ObjectNode validate(JsonNode graph) {
        ObjectNode nodeErrors = server.mapper().createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> nodes = graph.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String type = node.getValue().path("class_type").asText("");
            if (type.isEmpty()) {
                return invalid("invalid_prompt", "Cannot execute because a node is missing the class_type property.",
                        "Node ID '#" + node.getKey() + "'", nodeErrors);
            }
            if (!KNOWN_NODES.contains(type)) {
                return invalid("invalid_prompt", "Cannot execute because node " + type + " does not exist.",
                        "Node ID '#" + node.getKey() + "'", nodeErrors);
            }
            String checkpoint = node.getValue().path("inputs").path("ckpt_name").asText(null);
            if (type.equals("CheckpointLoaderSimple") && checkpoint != null
                    && (!checkpoint.endsWith(".safetensors") || checkpoint.equals("missing.safetensors"))) {
                ObjectNode error = nodeErrors.putObject(node.getKey());
                error.putArray("errors").addObject().put("type", "value_not_in_list")
                        .put("message", "Value not in list")
                        .put("details", "ckpt_name: '" + checkpoint + "' not in ['sd_xl_base_1.0.safetensors']");
                error.putArray("dependent_outputs");
                error.put("class_type", type);
            }
        }
        return nodeErrors.isEmpty() ? null
                : invalid("prompt_outputs_failed_validation", "Prompt outputs failed validation", "", nodeErrors);
    }

    private ObjectNode invalid(String type, String message, String details, ObjectNode nodeErrors) {
        ObjectNode body = server.mapper().createObjectNode();
        body.putObject("error").put("type", type).put("message", message).put("details", details)
                .putObject("extra_info");
        body.set("node_errors", nodeErrors);
        return body;
    }

    private void history(HttpExchange exchange, String id) throws IOException {
        historyCalls.incrementAndGet();
        SimJob job = prompts.get(id);
        if (server.countStatusCall(job)) {
            server.respond(exchange, 503, server.error("Service Unavailable"));
            return;
        }
        ObjectNode answer = server.mapper().createObjectNode();
        if (job != null) {
            synchronized (job) {
                ObjectNode entry = entry(job);
                if (entry != null) {
                    answer.set(id, entry);
                }
            }
        }
        server.respond(exchange, 200, answer);
    }

    private void allHistory(HttpExchange exchange) throws IOException {
        ObjectNode answer = server.mapper().createObjectNode();
        for (SimJob job : prompts.values()) {
            synchronized (job) {
                ObjectNode entry = entry(job);
                if (entry != null) {
                    answer.set(job.id, entry);
                }
            }
        }
        server.respond(exchange, 200, answer);
    }

    /** The history entry of a prompt that ended (and is not forgotten), else null. */
    private ObjectNode entry(SimJob job) {
        if (lost(job) || !job.isTerminal() || job.facts.path("deleted").asBoolean(false)) {
            return null;
        }
        ObjectNode entry = server.mapper().createObjectNode();
        entry.set("prompt", queueItem(job));
        ObjectNode outputs = entry.putObject("outputs");
        ObjectNode status = entry.putObject("status");
        ArrayNode messages = status.putArray("messages");
        long started = job.createdAt.toEpochMilli();
        messages.addArray().add("execution_start").addObject().put("prompt_id", job.id).put("timestamp", started);
        switch (job.status) {
            case "succeeded" -> {
                outputs.setAll((ObjectNode) job.output);
                status.put("status_str", "success").put("completed", true);
                messages.addArray().add("execution_success").addObject().put("prompt_id", job.id)
                        .put("timestamp", job.completedAt.toEpochMilli());
            }
            case "cancelled" -> {
                status.put("status_str", "error").put("completed", false);
                messages.addArray().add("execution_interrupted").addObject().put("prompt_id", job.id)
                        .put("node_id", "3").put("node_type", "KSampler").putArray("executed");
            }
            default -> {
                status.put("status_str", "error").put("completed", false);
                ObjectNode error = messages.addArray().add("execution_error").addObject();
                error.put("prompt_id", job.id).put("node_id", "3").put("node_type", "KSampler")
                        .put("exception_message", job.errorMessage == null ? "The prompt did not run."
                                : job.errorMessage)
                        .put("exception_type", "RuntimeError").put("timestamp", job.completedAt.toEpochMilli());
                error.putArray("traceback").add("Traceback (most recent call last): ...");
                error.putArray("executed").add("4");
            }
        }
        entry.putObject("meta");
        return entry;
    }

    private ObjectNode queue() {
        ObjectNode answer = server.mapper().createObjectNode();
        ArrayNode running = answer.putArray("queue_running");
        List<SimJob> pending = new ArrayList<>();
        for (SimJob job : prompts.values()) {
            synchronized (job) {
                if (lost(job)) {
                    continue;
                }
                if (job.status.equals("running")) {
                    running.add(queueItem(job));
                } else if (job.status.equals("queued")) {
                    pending.add(job);
                }
            }
        }
        // ComfyUI's pending list is a heap's array: not in order. Reversed is one such order.
        pending.sort(Comparator.comparingInt((SimJob job) -> job.facts.path("number").asInt()).reversed());
        ArrayNode queued = answer.putArray("queue_pending");
        pending.forEach(job -> queued.add(queueItem(job)));
        return answer;
    }

    private ArrayNode queueItem(SimJob job) {
        ArrayNode item = server.mapper().createArrayNode();
        item.add(job.facts.path("number").asInt()).add(job.id).add(job.facts.path("graph"));
        item.addObject().put("client_id", job.input.path("client_id").asText(""));
        item.addArray().add("9");
        return item;
    }

    private void deleteFromQueue(HttpExchange exchange) throws IOException {
        JsonNode body = server.readJson(exchange);
        server.countCancel();
        for (JsonNode id : body == null ? server.mapper().createArrayNode() : body.path("delete")) {
            SimJob job = prompts.get(id.asText());
            if (job == null) {
                continue;
            }
            synchronized (job) {
                if (!lost(job) && job.status.equals("queued")) {
                    // Deleted before it ran: it never reaches the history.
                    job.facts.put("deleted", true);
                    job.cancel("cancelled");
                }
            }
        }
        server.respond(exchange, 200, new byte[0], "application/json", Map.of());
    }

    private void interrupt(HttpExchange exchange) throws IOException {
        JsonNode body = server.readJson(exchange);
        String only = body == null ? null : body.path("prompt_id").asText(null);
        server.countCancel();
        for (SimJob job : prompts.values()) {
            synchronized (job) {
                if (!lost(job) && job.status.equals("running") && (only == null || only.equals(job.id))) {
                    job.cancel("cancelled");
                }
            }
        }
        server.respond(exchange, 200, new byte[0], "application/json", Map.of());
    }

    private void view(HttpExchange exchange) throws IOException {
        String filename = query(exchange.getRequestURI().getRawQuery(), "filename");
        for (SimJob job : prompts.values()) {
            synchronized (job) {
                if (job.output != null && !lost(job) && filename != null
                        && job.output.toString().contains("\"" + filename + "\"")) {
                    server.respond(exchange, 200, PNG, "image/png", Map.of());
                    return;
                }
            }
        }
        server.respond(exchange, 404, "404: Not Found".getBytes(StandardCharsets.UTF_8), "text/plain", Map.of());
    }

    private static boolean lost(SimJob job) {
        return job.facts.path("lost").asBoolean(false);
    }

    @Override
    public boolean startsWithoutProgress() {
        return true;
    }

    @Override
    public void started(SimJob job) {
        // No webhooks: the queue and the history tell.
    }

    @Override
    public void progressed(SimJob job) {
        // ComfyUI tells progress only on its WebSocket, which the gateway does not use.
    }

    @Override
    public void finished(SimJob job) {
        // No webhooks: the history tells.
    }

    @Override
    public JsonNode output(SimJob job) {
        ObjectNode outputs = server.mapper().createObjectNode();
        outputs.putObject("9").putArray("images").addObject()
                .put("filename", "ComfyUI_" + job.id.replaceAll("[^A-Za-z0-9]", "") + "_00001_.png")
                .put("subfolder", "").put("type", "output");
        return outputs;
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
