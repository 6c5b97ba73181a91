package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * A Cog server under {@code /cog}, as unkind as the real one: its Rust HTTP server, coglet (replicate/cog at
 * v0.22.0-5, commit 6110c912; "coglet" below is {@code crates/coglet/src/}), with the Python server it replaced
 * (v0.13.7, {@code python/cog/server/http.py}) where the two agree.
 * <ul>
 * <li>{@code PUT /predictions/{id}} ({@code Prefer: respond-async}) answers 202 {@code {"id", "status":
 * "starting"}} for a new prediction. A PUT of an id still in flight answers 202 with that prediction's current state
 * (and its input), whatever the new body's input says: the in-flight check comes before the input is validated
 * (coglet {@code transport/http/routes.rs} {@code create_prediction_idempotent}, lines 320-376). But the body is
 * still parsed as JSON first, by axum's {@code Option<Json<_>>}: with a JSON {@code Content-Type}, invalid JSON is
 * 400 and JSON of the wrong shape 422, plain text, before any state is looked at (axum 0.8.9 {@code json.rs}
 * {@code OptionalFromRequest}, {@code extract/rejection.rs}); without a {@code Content-Type} the body is ignored. An
 * {@code id} in the body that is not the path's is 422 (routes.rs 334-348).</li>
 * <li>A finished prediction is forgotten: the prediction is removed once it has ended (routes.rs 509-519,
 * {@code remove_prediction}), while its terminal webhook is still being sent (prediction.rs
 * {@code fire_terminal_webhook} spawns it). A PUT of its id then starts a <b>new</b> prediction, a second run of the
 * model ({@link #runs(String)} counts them per id); the Python server likewise answers the existing state only while
 * {@code runner.is_busy()} with that id (http.py 398-406).</li>
 * <li>While setup runs after a (re)start, a PUT is 503 {@code {"error": "Setup has not finished yet. ...", "status":
 * "failed"}} (routes.rs 470-480, predictor.rs 72-75); {@link #restart(Duration)} sets how long setup lasts.</li>
 * <li>Every slot busy: 409 {@code {"error": "At capacity - all prediction slots busy", "status": "failed"}}
 * (routes.rs 481-489); {@link #slots(int)} (real default: one slot, {@code docs/http.md} "By default, the server
 * runs one prediction at a time"), and the plan's {@code reject_submits}. Input the model's schema refuses (here:
 * {@code input.simulate} not understood) is 422 {@code {"detail": [{"loc": ["body", "input", field], "msg",
 * "type"}]}} (routes.rs 435-451).</li>
 * <li>No {@code GET} of a prediction (405, empty body, axum's method router; {@code docs/http.md}: "Polling for
 * prediction status is not currently supported"). {@code POST /predictions/{id}/cancel}: 200 {@code {}} for a
 * prediction in flight, 404 {@code {}} for any other, a finished one included (routes.rs 659-670, service.rs
 * 777-798).</li>
 * <li>{@code GET /health-check}: 200 {@code {"status": "STARTING" | "READY" | "BUSY", "setup": {...}, "version":
 * {"coglet": ...}}} (routes.rs 31-59 and 148-188, health.rs; BUSY when no slot is free).</li>
 * <li>Webhooks (webhook.rs): the prediction's state snapshot, {@code {id, status, logs, output?, error?,
 * metrics}} without input or timestamps (prediction.rs {@code build_state_snapshot}, 545-577), for the events
 * filtered in: {@code start}, {@code logs} per progress step, throttled to one non-terminal webhook per 500 ms
 * ({@code should_send}, 139-160), and {@code completed}. Non-terminal ones are tried once ({@code send}); the
 * terminal one is retried on a connection error and on 429, 500, 502, 503, 504 only, up to 12 times after the
 * first, after 100 ms × 2^n for the n-th retry, n capped at 10 ({@code send_terminal}, 64-80 and 197-263): about 6.8
 * minutes in all, which {@link #webhookBackoffBase(Duration)} scales down for tests. {@code User-Agent:
 * coglet/<version>} and {@code Authorization: Bearer} when the server has a {@code WEBHOOK_AUTH_TOKEN} (102-133).</li>
 * <li>Outputs: a file URL (a server started with an upload URL), or a {@code data:} URL of {@code data_url_bytes}
 * ({@code docs/http.md} "File uploads").</li>
 * </ul>
 */
public final class CogDialect implements Dialect {

    /** The coglet release the simulator copies (replicate/cog {@code crates/Cargo.toml}, workspace version). */
    static final String COGLET_VERSION = "0.22.0";
    private static final List<String> ALL_EVENTS = List.of("start", "output", "logs", "completed");
    /** webhook.rs {@code WebhookConfig::default}: {@code max_retries: 12}, so 13 attempts in all. */
    private static final int TERMINAL_ATTEMPTS = 13;
    private static final Set<Integer> RETRIED_STATUSES = Set.of(429, 500, 502, 503, 504);
    /** webhook.rs: {@code response_interval} 500 ms between non-terminal webhooks ({@code output} excepted). */
    private static final long THROTTLE_MS = 500;
    private static final String NOT_READY = "Setup has not finished yet. Wait until it has finished, or GET "
            + "/health-check for status.";

    private final SimulatedAiServer server;
    private final String webhookToken;
    /** Predictions in flight, by id: coglet's {@code PredictionService.predictions}. */
    private final Map<String, SimJob> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> puts = new ConcurrentHashMap<>();
    private final AtomicInteger process = new AtomicInteger();
    private volatile Instant setupStartedAt = Instant.now();
    private volatile Instant setupEndsAt = setupStartedAt;
    private volatile int slots = Integer.MAX_VALUE;
    private volatile long backoffBaseMs = 100;

    CogDialect(SimulatedAiServer server, String webhookToken) {
        this.server = server;
        this.webhookToken = webhookToken == null || webhookToken.isBlank() ? null : webhookToken;
    }

    /**
     * The Cog server restarts: every prediction in flight is gone, with the retries of their terminal webhooks, and
     * setup runs for {@code setup} (503 to every PUT meanwhile, {@code STARTING} at {@code /health-check}).
     */
    public CogDialect restart(Duration setup) {
        process.incrementAndGet();
        inFlight.values().forEach(SimJob::forget);
        inFlight.clear();
        setupStartedAt = Instant.now();
        setupEndsAt = setupStartedAt.plus(setup);
        return this;
    }

    /** How many predictions run at once before a PUT is 409 (real Cog: 1 unless the model says more). */
    public CogDialect slots(int slots) {
        this.slots = Math.max(1, slots);
        return this;
    }

    /** The backoff base of the terminal webhook's retries (real Cog: 100 ms, pauses 200 ms to 102.4 s). */
    public CogDialect webhookBackoffBase(Duration base) {
        this.backoffBaseMs = Math.max(0, base.toMillis());
        return this;
    }

    /** Predictions started under this id: 1 for a PUT that ran once, 2 after a PUT that ran it again. */
    public int runs(String id) {
        AtomicInteger count = runs.get(id);
        return count == null ? 0 : count.get();
    }

    /** PUTs received for this id, those that started a run and those answered with its state. */
    public int puts(String id) {
        AtomicInteger count = puts.get(id);
        return count == null ? 0 : count.get();
    }

    /** Whether a prediction of this id is in flight (Cog knows it). */
    public boolean inFlight(String id) {
        return inFlight.containsKey(id);
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (path.equals(List.of("health-check")) && method.equals("GET")) {
            server.respond(exchange, 200, health());
        } else if (path.size() == 2 && path.get(0).equals("predictions") && method.equals("PUT")) {
            put(exchange, path.get(1));
        } else if (path.size() == 2 && path.get(0).equals("predictions")) {
            // axum's method router: a known path with another method is 405 with an empty body.
            server.respond(exchange, 405, new byte[0], "text/plain", Map.of());
        } else if (path.size() == 3 && path.get(0).equals("predictions") && path.get(2).equals("cancel")
                && method.equals("POST")) {
            cancel(exchange, path.get(1));
        } else {
            server.respond(exchange, 404, new byte[0], "text/plain", Map.of());
        }
    }

    private void cancel(HttpExchange exchange, String id) throws IOException {
        server.countCancel();
        SimJob job = inFlight.get(id);
        if (job == null || !job.cancel("cancelled")) {
            server.respond(exchange, 404, server.mapper().createObjectNode());
            return;
        }
        server.respond(exchange, 200, server.mapper().createObjectNode());
    }

    private void put(HttpExchange exchange, String id) throws IOException {
        puts.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
        ObjectNode body;
        try {
            body = requestBody(exchange);
        } catch (Rejection rejection) {
            server.respond(exchange, rejection.status, rejection.getMessage().getBytes(StandardCharsets.UTF_8),
                    "text/plain; charset=utf-8", Map.of());
            return;
        }
        if (body.hasNonNull("id") && !body.get("id").asText().equals(id)) {
            server.respond(exchange, 422, detail(List.of("body", "id"),
                    "prediction ID must match the ID supplied in the URL", "value_error"));
            return;
        }
        SimJob known = inFlight.get(id);
        if (known != null) {
            // In flight: its current state, whatever this body says (no second run).
            ObjectNode state = snapshot(known);
            state.set("input", known.input);
            server.respond(exchange, 202, state);
            return;
        }
        create(exchange, id, body);
    }

    private void create(HttpExchange exchange, String id, ObjectNode body) throws IOException {
        String webhook = body.path("webhook").isTextual() ? body.get("webhook").asText() : null;
        int attempt = server.countSubmit(String.valueOf(webhook));
        if (Instant.now().isBefore(setupEndsAt)) {
            // No schema before setup has finished, so no input validation either: 503 first.
            server.respond(exchange, 503, failed(NOT_READY));
            return;
        }
        JsonNode input = body.path("input");
        if (!input.isObject()) {
            // The model's Input schema is an object (cog pkg/schema/openapi_spec.go); the jsonschema validator's
            // error on the whole input is reported under "__root__" (coglet input_validation.rs 211-223).
            server.respond(exchange, 422, detail(List.of("body", "input", "__root__"), input + " is not of type "
                    + "\"object\"", "value_error"));
            return;
        }
        SimulationPlan plan;
        try {
            plan = SimulationPlan.from(input);
        } catch (RuntimeException e) {
            server.respond(exchange, 422, detail(List.of("body", "input", "simulate"),
                    "input.simulate is not understood: " + e.getMessage(), "value_error"));
            return;
        }
        if (attempt <= plan.rejectSubmits() || inFlight.size() >= slots) {
            server.respond(exchange, 409, failed("At capacity - all prediction slots busy"));
            return;
        }
        SimJob job = new SimJob(server, this, id, input, webhook == null ? null : URI.create(webhook), plan);
        job.facts.put("process", process.get());
        job.facts.put("run", runs.computeIfAbsent(id, key -> new AtomicInteger()).get() + 1);
        ArrayNode events = job.facts.putArray("events");
        JsonNode filter = body.get("webhook_events_filter");
        if (filter != null && filter.isArray()) {
            filter.forEach(events::add);
        } else {
            ALL_EVENTS.forEach(events::add);
        }
        job.facts.put("logs", "");
        job.facts.put("last_sent_ms", 0L);
        inFlight.put(id, job);
        runs.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
        server.register(job, exchange);
        server.answerSubmit(exchange, plan, attempt, job, 202,
                () -> server.mapper().createObjectNode().put("id", id).put("status", "starting"));
    }

    /**
     * The body as axum's {@code Option<Json<PredictionRequest>>} reads it: no {@code Content-Type}, no body (the
     * defaults: empty input, every event); a {@code Content-Type} that is not JSON, 415; not JSON, 400; JSON that
     * is not a prediction request, 422.
     */
    private ObjectNode requestBody(HttpExchange exchange) throws IOException {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        if (contentType == null) {
            return server.mapper().createObjectNode().set("input", server.mapper().createObjectNode());
        }
        String mime = contentType.split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!mime.equals("application/json") && !(mime.startsWith("application/") && mime.endsWith("+json"))) {
            throw new Rejection(415, "Expected request with `Content-Type: application/json`");
        }
        JsonNode body;
        try {
            body = server.mapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new Rejection(400, "Failed to parse the request body as JSON: " + e.getOriginalMessage());
        }
        if (body == null || body.isMissingNode()) {
            throw new Rejection(400, "Failed to parse the request body as JSON: EOF while parsing a value");
        }
        if (!body.isObject()) {
            throw new Rejection(422, "Failed to deserialize the JSON body into the target type: invalid type");
        }
        ObjectNode request = (ObjectNode) body;
        for (String field : List.of("id", "webhook")) {
            if (request.has(field) && !request.get(field).isNull() && !request.get(field).isTextual()) {
                throw new Rejection(422, "Failed to deserialize the JSON body into the target type: " + field
                        + ": invalid type");
            }
        }
        JsonNode filter = request.get("webhook_events_filter");
        if (filter != null && (!filter.isArray() || !allEvents(filter))) {
            throw new Rejection(422, "Failed to deserialize the JSON body into the target type: "
                    + "webhook_events_filter: unknown variant");
        }
        if (!request.hasNonNull("input")) {
            request.set("input", server.mapper().createObjectNode());
        }
        return request;
    }

    private static boolean allEvents(JsonNode filter) {
        for (JsonNode event : filter) {
            if (!event.isTextual() || !ALL_EVENTS.contains(event.asText())) {
                return false;
            }
        }
        return true;
    }

    private ObjectNode health() {
        ObjectNode node = server.mapper().createObjectNode();
        boolean starting = Instant.now().isBefore(setupEndsAt);
        node.put("status", starting ? "STARTING" : inFlight.size() >= slots ? "BUSY" : "READY");
        ObjectNode setup = node.putObject("setup");
        setup.put("started_at", setupStartedAt.toString());
        if (!starting) {
            setup.put("completed_at", setupEndsAt.toString());
        }
        setup.put("status", starting ? "starting" : "succeeded");
        node.putObject("version").put("coglet", COGLET_VERSION);
        return node;
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
        // The terminal webhook goes on being retried; the prediction itself is forgotten at once.
        inFlight.remove(job.id, job);
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
        if (job.webhookUrl == null || !wanted(job, event)) {
            return;
        }
        boolean terminal = event.equals("completed");
        if (!terminal && !event.equals("output")) {
            synchronized (job) {
                long now = System.currentTimeMillis();
                if (now - job.facts.path("last_sent_ms").asLong() < THROTTLE_MS) {
                    return;
                }
                job.facts.put("last_sent_ms", now);
            }
        }
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(snapshot(job)), SimulatedAiServer.newMessageId(),
                terminal, terminal, this::headers, 0, 0, terminal ? new TerminalRetries(job) : null));
    }

    private static boolean wanted(SimJob job, String event) {
        for (JsonNode name : job.facts.path("events")) {
            if (name.asText().equals(event)) {
                return true;
            }
        }
        return false;
    }

    /** webhook.rs {@code send_terminal}: what is retried, how often, and after which pause. */
    private final class TerminalRetries implements SimWebhook.Redelivery {

        private final int processOfJob;
        private final int lostAttempts;

        TerminalRetries(SimJob job) {
            this.processOfJob = job.facts.path("process").asInt();
            // Test knob: the first N attempts of the first run's terminal webhook never reach the receiver (the
            // network lost them); a later run of the same id delivers its own.
            this.lostAttempts = job.facts.path("run").asInt() > 1 ? 0
                    : Math.max(0, job.input.path("simulate").path("cog_lost_webhook_attempts").asInt(0));
        }

        @Override
        public int attempts() {
            return TERMINAL_ATTEMPTS;
        }

        @Override
        public boolean retries(int status) {
            return RETRIED_STATUSES.contains(status);
        }

        @Override
        public long pauseMs(int next) {
            int retry = next - 1;
            return backoffBaseMs * (1L << Math.min(retry, 10));
        }

        @Override
        public boolean lost(int attempt) {
            return attempt <= lostAttempts;
        }

        @Override
        public boolean senderGone() {
            return process.get() != processOfJob;
        }
    }

    private Map<String, String> headers(String messageId, long timestamp, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("User-Agent", "coglet/" + COGLET_VERSION);
        if (webhookToken != null) {
            headers.put("Authorization", "Bearer " + webhookToken);
        }
        return headers;
    }

    /**
     * The prediction as it is now, as coglet's {@code build_state_snapshot} makes it: output and error only once
     * set, {@code predict_time} only once ended; no input (a PUT's answer adds it), no timestamps.
     */
    ObjectNode snapshot(SimJob job) {
        synchronized (job) {
            ObjectNode node = server.mapper().createObjectNode();
            node.put("id", job.id);
            node.put("status", switch (job.status) {
                case "queued" -> "starting";
                case "running" -> "processing";
                case "cancelled" -> "canceled";
                case "succeeded" -> "succeeded";
                default -> "failed";
            });
            node.put("logs", job.facts.path("logs").asText());
            if (job.output != null) {
                node.set("output", job.output);
            }
            if (job.errorMessage != null && node.path("status").asText().equals("failed")) {
                node.put("error", job.errorMessage);
            }
            ObjectNode metrics = node.putObject("metrics");
            if (job.completedAt != null) {
                // Prediction::elapsed: from the prediction's creation.
                metrics.put("predict_time", Duration.between(job.createdAt, job.completedAt).toMillis() / 1000.0);
            }
            return node;
        }
    }

    private ObjectNode failed(String error) {
        return server.mapper().createObjectNode().put("error", error).put("status", "failed");
    }

    private ObjectNode detail(List<String> loc, String msg, String type) {
        ObjectNode node = server.mapper().createObjectNode();
        ObjectNode item = node.putArray("detail").addObject();
        ArrayNode where = item.putArray("loc");
        loc.forEach(where::add);
        item.put("msg", msg).put("type", type);
        return node;
    }

    /** A body axum refuses before the handler runs: plain text, with its status. */
    private static final class Rejection extends IOException {
        private final int status;

        Rejection(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
