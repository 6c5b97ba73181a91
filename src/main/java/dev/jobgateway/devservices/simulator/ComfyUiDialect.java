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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * ComfyUI's HTTP API under {@code /comfyui} (every route also under {@code /comfyui/api/}, as ComfyUI serves them),
 * with its quirks: no webhooks at all; {@code POST /prompt} takes a caller-chosen {@code prompt_id}, which must be a
 * UUID in canonical lowercase form (400 {@code invalid_prompt_id} otherwise), with <em>no duplicate check</em>: the
 * same
 * id again queues a second run of the graph (counted per id, {@link #runs}), and the history keeps the run that
 * finished last; it answers {@code {prompt_id, number, node_errors}}, or 400 with {@code error} and {@code node_errors}
 * as {@code execution.validate_prompt} builds them for a graph it cannot run (a node without {@code class_type}, a
 * node type it does not know, no output node, a {@code CheckpointLoaderSimple} whose {@code ckpt_name} is not a
 * {@code .safetensors} file, or is {@code missing.safetensors}); {@code GET /history/{id}} is {@code {}} until the
 * prompt ends, then holds its outputs and {@code status} ({@code status_str} {@code success} or {@code error} with an
 * {@code execution_error} or {@code execution_interrupted} message); {@code GET /queue} lists
 * {@code queue_running} and {@code queue_pending} as {@code [number, prompt_id, prompt, extra_data, outputs]}, pending
 * not in order; {@code POST /queue {"delete": [...]}} drops queued prompts; {@code POST /interrupt} stops what runs
 * (only the named prompt when the body names one); {@code GET /view} serves a small PNG. The history lives in memory:
 * {@code POST /comfyui/internal/restart} (the simulator's own knob) forgets every prompt, queued ones too. The
 * {@code simulate} knobs ride in {@code extra_data.simulate}; {@code ignore_prompt_id} makes the server name the prompt
 * itself (and accept any id), as older servers do, and {@code queued_ms} keeps it pending that long before it runs.
 *
 * <p>
 * Sources: Comfy-Org/ComfyUI (formerly comfyanonymous/ComfyUI) {@code server.py} {@code post_prompt} at 002c3fb9 (the
 * caller's id checked by {@code comfy_execution/jobs.py validate_job_id}, then queued with no duplicate check) and
 * 5e14d797 (the same 400 bodies), {@code execution.py} at 04e2a914 ({@code validate_prompt}, {@code validate_inputs},
 * {@code PromptQueue.task_done} writing {@code history[prompt_id]}, {@code delete_queue_item} deleting the first match
 * only). Newer servers refuse an id that is pending or running with 409 (server.py at 5e14d797; unit test
 * {@code tests-unit/execution_test/test_prompt_queue_duplicate_ids.py} at 6a069e36) but still run it again once it has
 * finished; the harsher behaviour is simulated.
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
    /** Every run queued under each prompt id, oldest first (ComfyUI has no duplicate check). */
    private final Map<String, List<SimJob>> prompts = new ConcurrentHashMap<>();
    private static final String CHECKPOINT = "sd_xl_base_1.0.safetensors";
    /** CheckpointLoaderSimple's {@code ckpt_name} input config in {@code nodes.py}, as validation echoes it. */
    private static final String CHECKPOINT_TOOLTIP = "The name of the checkpoint (model) to load.";
    private static final Set<String> OUTPUT_NODES = Set.of("SaveImage", "PreviewImage");

    ComfyUiDialect(SimulatedAiServer server) {
        this.server = server;
    }

    int queueCalls() {
        return queueCalls.get();
    }

    int historyCalls() {
        return historyCalls.get();
    }

    /** How many runs were queued under this prompt id (a second submit with the same id is a second run). */
    int runs(String promptId) {
        return prompts.getOrDefault(promptId, List.of()).size();
    }

    private List<SimJob> allRuns() {
        return prompts.values().stream().flatMap(List::stream).toList();
    }

    /** The run the history shows for this id: of those that ended and are kept, the last to end. */
    private SimJob historyRun(String id) {
        SimJob shown = null;
        for (SimJob run : prompts.getOrDefault(id, List.of())) {
            synchronized (run) {
                if (entry(run) != null && (shown == null || run.completedAt.isAfter(shown.completedAt))) {
                    shown = run;
                }
            }
        }
        return shown;
    }

    /** ComfyUI restarted: every prompt it had, in its history or its queue, is forgotten. */
    void restart() {
        restarts.incrementAndGet();
        for (SimJob job : allRuns()) {
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
            server.respond(exchange, 400, invalid(error("no_prompt", "No prompt provided", "No prompt provided",
                    server.mapper().createObjectNode()), server.mapper().createObjectNode()));
            return;
        }
        JsonNode extra = body.path("extra_data");
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(extra.isObject() ? extra : null);
        } catch (RuntimeException e) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, invalid(error("invalid_prompt", "extra_data.simulate is not understood",
                    e.getMessage(), server.mapper().createObjectNode()), server.mapper().createObjectNode()));
            return;
        }
        boolean olderServer = extra.path("simulate").path("ignore_prompt_id").asBoolean(false);
        JsonNode given = body.get("prompt_id");
        String id;
        if (olderServer || given == null || given.isNull()) {
            id = UUID.randomUUID().toString();
        } else if (!isCanonicalUuid(given)) {
            // server.py: a caller's prompt_id goes through validate_job_id, str(uuid.UUID(value)) == value.
            server.countRejectedSubmit();
            server.respond(exchange, 400, invalid(error("invalid_prompt_id", "prompt_id must be a valid UUID",
                    "prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the "
                            + "server generate one",
                    server.mapper().createObjectNode()), server.mapper().createObjectNode()));
            return;
        } else {
            id = given.asText();
        }
        ObjectNode refusal = validate(graph);
        if (refusal != null) {
            server.countRejectedSubmit();
            server.respond(exchange, 400, refusal);
            return;
        }
        int attempt = server.countSubmit(given == null || given.isNull() ? id : given.asText());
        if (attempt <= plan.rejectSubmits()) {
            // ComfyUI itself never throttles; a proxy in front of it may.
            server.respond(exchange, 429, server.bytes(server.error("Too Many Requests")), "application/json",
                    Map.of("Retry-After", "1"));
            return;
        }
        // No duplicate check (server.py post_prompt puts every valid prompt on the queue): the same id again is
        // another run.
        SimJob job = server.register(new SimJob(server, this, id, body, null, plan), exchange);
        job.facts.put("number", numbers.getAndIncrement());
        job.facts.set("graph", graph);
        prompts.computeIfAbsent(id, key -> new CopyOnWriteArrayList<>()).add(job);
        server.answerSubmit(exchange, plan, attempt, job, 200, () -> answer(job));
    }

    /** What {@code comfy_execution/jobs.py validate_job_id} accepts: a string that {@code uuid.UUID} writes back. */
    static boolean isCanonicalUuid(JsonNode value) {
        if (!value.isTextual()) {
            return false;
        }
        try {
            return UUID.fromString(value.asText()).toString().equals(value.asText());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private ObjectNode answer(SimJob job) {
        ObjectNode answer = server.mapper().createObjectNode().put("prompt_id", job.id)
                .put("number", job.facts.path("number").asInt());
        answer.putObject("node_errors");
        return answer;
    }

    /**
     * {@code execution.validate_prompt}: every node needs a {@code class_type} of a node ComfyUI has (else the first
     * such node is the error, {@code node_errors} empty), the graph needs an output node, and each node's inputs must
     * validate ({@code validate_inputs}; here only the checkpoint files it has), else {@code
     * prompt_outputs_failed_validation} with the node errors.
     */
    private ObjectNode validate(JsonNode graph) {
        List<String> outputs = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> nodes = graph.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            JsonNode title = node.getValue().path("_meta").path("title");
            if (!node.getValue().has("class_type")) {
                ObjectNode extraInfo = server.mapper().createObjectNode().put("node_id", node.getKey());
                extraInfo.putNull("class_type");
                extraInfo.set("node_title", title.isMissingNode() ? null : title);
                return invalid(error("missing_node_type", "Node '" + (title.isTextual() ? title.asText()
                        : "ID #" + node.getKey()) + "' has no class_type. The workflow may be corrupted or a custom "
                        + "node is missing.", "Node ID '#" + node.getKey() + "'", extraInfo),
                        server.mapper().createObjectNode());
            }
            String type = node.getValue().path("class_type").asText("");
            if (!KNOWN_NODES.contains(type)) {
                String shown = title.isTextual() ? title.asText() : type;
                ObjectNode extraInfo = server.mapper().createObjectNode().put("node_id", node.getKey())
                        .put("class_type", type).put("node_title", shown);
                return invalid(error("missing_node_type", "Node '" + shown + "' not found. The custom node may not "
                        + "be installed.", "Node ID '#" + node.getKey() + "'", extraInfo),
                        server.mapper().createObjectNode());
            }
            if (OUTPUT_NODES.contains(type)) {
                outputs.add(node.getKey());
            }
        }
        if (outputs.isEmpty()) {
            return invalid(error("prompt_no_outputs", "Prompt has no outputs", "", server.mapper().createObjectNode()),
                    server.mapper().createObjectNode());
        }
        ObjectNode nodeErrors = server.mapper().createObjectNode();
        for (Iterator<Map.Entry<String, JsonNode>> nodes = graph.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String type = node.getValue().path("class_type").asText("");
            JsonNode checkpoint = node.getValue().path("inputs").path("ckpt_name");
            if (type.equals("CheckpointLoaderSimple") && checkpoint.isTextual() && (!checkpoint.asText()
                    .endsWith(".safetensors") || checkpoint.asText().equals("missing.safetensors"))) {
                String details = "ckpt_name: '" + checkpoint.asText() + "' not in ['" + CHECKPOINT + "']";
                ObjectNode extraInfo = server.mapper().createObjectNode().put("input_name", "ckpt_name");
                ArrayNode config = extraInfo.putArray("input_config");
                config.addArray().add(CHECKPOINT);
                config.addObject().put("tooltip", CHECKPOINT_TOOLTIP);
                extraInfo.set("received_value", checkpoint);
                ObjectNode nodeError = nodeErrors.putObject(node.getKey());
                nodeError.putArray("errors").add(error("value_not_in_list", "Value not in list", details, extraInfo));
                ArrayNode dependents = nodeError.putArray("dependent_outputs");
                outputs.forEach(dependents::add);
                nodeError.put("class_type", type);
            }
        }
        // The details list only the output nodes' own errors; an output failing for an upstream node's has none.
        return nodeErrors.isEmpty() ? null
                : invalid(error("prompt_outputs_failed_validation", "Prompt outputs failed validation", "",
                        server.mapper().createObjectNode()), nodeErrors);
    }

    private ObjectNode error(String type, String message, String details, ObjectNode extraInfo) {
        ObjectNode error = server.mapper().createObjectNode().put("type", type).put("message", message)
                .put("details", details);
        error.set("extra_info", extraInfo);
        return error;
    }

    /** server.py's 400 body: {@code {"error": ..., "node_errors": ...}}. */
    private ObjectNode invalid(ObjectNode error, ObjectNode nodeErrors) {
        ObjectNode body = server.mapper().createObjectNode();
        body.set("error", error);
        body.set("node_errors", nodeErrors);
        return body;
    }

    private void history(HttpExchange exchange, String id) throws IOException {
        historyCalls.incrementAndGet();
        List<SimJob> runs = prompts.getOrDefault(id, List.of());
        if (server.countStatusCall(runs.isEmpty() ? null : runs.get(runs.size() - 1))) {
            server.respond(exchange, 503, server.error("Service Unavailable"));
            return;
        }
        ObjectNode answer = server.mapper().createObjectNode();
        SimJob shown = historyRun(id);
        if (shown != null) {
            synchronized (shown) {
                answer.set(id, entry(shown));
            }
        }
        server.respond(exchange, 200, answer);
    }

    private void allHistory(HttpExchange exchange) throws IOException {
        ObjectNode answer = server.mapper().createObjectNode();
        for (String id : prompts.keySet()) {
            SimJob shown = historyRun(id);
            if (shown != null) {
                synchronized (shown) {
                    answer.set(id, entry(shown));
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
        for (SimJob job : allRuns()) {
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
            // execution.py delete_queue_item: the first pending item with that id only.
            for (SimJob job : prompts.getOrDefault(id.asText(), List.of())) {
                synchronized (job) {
                    if (!lost(job) && job.status.equals("queued")) {
                        // Deleted before it ran: it never reaches the history.
                        job.facts.put("deleted", true);
                        job.cancel("cancelled");
                        break;
                    }
                }
            }
        }
        server.respond(exchange, 200, new byte[0], "application/json", Map.of());
    }

    private void interrupt(HttpExchange exchange) throws IOException {
        JsonNode body = server.readJson(exchange);
        String only = body == null ? null : body.path("prompt_id").asText(null);
        server.countCancel();
        for (SimJob job : allRuns()) {
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
        for (SimJob job : allRuns()) {
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
