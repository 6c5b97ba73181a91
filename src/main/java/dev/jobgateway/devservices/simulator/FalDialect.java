package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/**
 * fal's queue API under {@code /fal}, as unkind as the real one. Each behaviour names its source: fal-js
 * ({@code libs/client/src/queue.ts}, {@code utils.ts}, {@code headers.ts}, {@code types/common.ts}), the Python
 * {@code fal_client} ({@code client.py}, {@code _headers.py} and its unit tests), fal's serverless app framework
 * ({@code projects/fal/src/fal/api/api.py}, {@code exceptions/_base.py}) and docs.fal.ai (model-endpoints/queue,
 * model-endpoints/webhooks, model-apis/request-errors, model-apis/errors).
 *
 * <ul>
 * <li>{@code Authorization: Key}; a submit to the model id (with its subpath) and {@code ?fal_webhook=}, answered with
 * a {@code request_id}, a {@code gateway_request_id} that differs from it (and changes again when the request starts,
 * as fal's internal retries do: docs, webhooks) and the {@code status_url}, {@code response_url} and
 * {@code cancel_url} to use (docs, queue: "so you don't have to build these endpoints yourself").</li>
 * <li>Those URLs live under the app id: the model id's first two segments, three under the namespaces
 * {@code workflows/} and {@code comfy/} (fal-js {@code ENDPOINT_NAMESPACES} and {@code parseEndpointId},
 * {@code fal_client} {@code APP_NAMESPACES} and {@code AppId}). A URL that names no app (the subpath kept, or a
 * namespace's third segment dropped) is 404: no such app (the status code is ours; the sources only build the
 * URL).</li>
 * <li>{@code X-Fal-Request-Timeout} of 1 s or less, or not a number, is refused with 400 and
 * {@code error_type: bad_request} (request-errors: "bad_request: the request was malformed (e.g., invalid timeout
 * header)"; the limit is the clients' {@code MIN_REQUEST_TIMEOUT_SECONDS = 1}, which both refuse to send).</li>
 * <li>Status: exactly {@code IN_QUEUE} (with {@code queue_position}), {@code IN_PROGRESS}, {@code COMPLETED}
 * (fal-js {@code types/common.ts}; {@code fal_client} raises on any other word); HTTP 202 until done, 200 after;
 * {@code logs} always present, null unless {@code ?logs=1} ({@code fal_client} reads the key unconditionally).
 * Whether the request succeeded is not in the status: a model error is {@code COMPLETED} like a success. An
 * infrastructure failure is {@code COMPLETED} with {@code error} and {@code error_type} ({@code fal_client}
 * {@code Completed}, {@code test_parse_status}: "Runner disconnected" / {@code runner_disconnected}, "Request timed
 * out" / {@code request_timeout}).</li>
 * <li>Result: the output (200); a model error as 422 {@code {"detail": [{"loc", "msg", "type"}]}} <b>without</b>
 * {@code X-Fal-Error-Type} (fal's app framework: {@code FieldException.to_pydantic_format} and the
 * {@code RequestValidationError} handler; request-errors: "Model errors return a detail array of typed error
 * objects"); an infrastructure failure as {@code {"detail": "...", "error_type": "..."}} with the same value in
 * {@code X-Fal-Error-Type} (request-errors: 503 {@code runner_disconnected}, 504 {@code request_timeout}); a cancelled
 * request as 499 {@code client_cancelled} (request-errors).</li>
 * <li>One terminal webhook, no progress ones ({@code OK} with the payload; {@code ERROR} with {@code error:
 * "Invalid status code: N"} and the error body as its payload; docs, webhooks), signed with Ed25519
 * ({@link FalSigning}) and retried. A result the webhook cannot carry comes as {@code payload: null} with
 * {@code payload_error} (docs, webhooks, "Payload errors"); the result stays at the response URL.</li>
 * <li>429 with {@code Retry-After} when throttled.</li>
 * </ul>
 *
 * Knobs of its own in {@code input.simulate}: {@code fal_failure} ({@code model_error}, the default of
 * {@code outcome: failed}; {@code runner_disconnected}; {@code request_timeout}) and {@code payload_error}
 * ({@code true}: the webhook carries {@code payload: null} and {@code payload_error}, the response URL the JSON result;
 * {@code "not_json"}: the response URL's result is not JSON either).
 */
final class FalDialect implements Dialect {

    /**
     * fal-js {@code ENDPOINT_NAMESPACES} ({@code libs/client/src/utils.ts}); {@code fal_client} {@code APP_NAMESPACES}.
     */
    static final Set<String> NAMESPACES = Set.of("workflows", "comfy");
    /** fal-js {@code MIN_REQUEST_TIMEOUT_SECONDS} ({@code headers.ts}), {@code fal_client} {@code _headers.py}. */
    private static final double MIN_REQUEST_TIMEOUT_SECONDS = 1;

    /** How a failed request failed, as fal tells it. */
    enum Failure {
        /** The app refused the input: 422 with a detail array, no error type (fal's app framework). */
        MODEL_ERROR(422, null, null),
        /** request-errors: "The runner disconnected unexpectedly during processing", typically 503. */
        RUNNER_DISCONNECTED(503, "runner_disconnected", "Runner disconnected"),
        /** request-errors: "The request exceeded the allowed processing time", typically 504. */
        REQUEST_TIMEOUT(504, "request_timeout", "Request timed out");

        final int httpStatus;
        final String errorType;
        final String detail;

        Failure(int httpStatus, String errorType, String detail) {
            this.httpStatus = httpStatus;
            this.errorType = errorType;
            this.detail = detail;
        }

        static Failure of(SimJob job) {
            return of(job.input);
        }

        static Failure of(JsonNode input) {
            String named = input.path("simulate").path("fal_failure").asText("model_error");
            return Failure.valueOf(named.toUpperCase(java.util.Locale.ROOT));
        }
    }

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

    /** The app id of a model id (or of a request URL's path): two segments, three under a namespace. */
    static int appLength(List<String> path) {
        return !path.isEmpty() && NAMESPACES.contains(path.get(0)) ? 3 : 2;
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
        int appLength = appLength(path);
        int requests = path.indexOf("requests");
        if (requests < 0 && method.equals("POST") && path.size() >= appLength) {
            submit(exchange, String.join("/", path));
            return;
        }
        if (requests != appLength || path.size() < requests + 2) {
            // No app by that id: the subpath kept, or a namespace's third segment dropped.
            if (!path.isEmpty() && path.get(path.size() - 1).equals("status")) {
                server.countStatusCall(null);
            }
            server.respond(exchange, 404, detail("Not Found"));
            return;
        }
        String app = String.join("/", path.subList(0, appLength));
        SimJob job = server.job(path.get(requests + 1));
        List<String> rest = path.subList(requests + 2, path.size());
        if (job == null || job.dialect != this || !job.facts.path("app").asText().equals(app)) {
            if (rest.equals(List.of("status"))) {
                server.countStatusCall(null);
            }
            server.respond(exchange, 404, detail("Request not found"));
            return;
        }
        if (method.equals("GET") && rest.equals(List.of("status"))) {
            if (server.countStatusCall(job)) {
                server.respond(exchange, 503, detail("Service Unavailable"));
                return;
            }
            status(exchange, job);
        } else if (method.equals("GET") && rest.isEmpty()) {
            result(exchange, job);
        } else if (method.equals("PUT") && rest.equals(List.of("cancel"))) {
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
        String timeout = exchange.getRequestHeaders().getFirst("X-Fal-Request-Timeout");
        if (timeout != null && !isLegalTimeout(timeout)) {
            server.countRejectedSubmit();
            respondError(exchange, 400, "bad_request", "Invalid X-Fal-Request-Timeout header: '" + timeout
                    + "'. It must be a number of seconds greater than 1.");
            return;
        }
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
            Failure.of(input);
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
        String app = String.join("/", Arrays.copyOf(parts, appLength(Arrays.asList(parts))));
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

    /** Both clients refuse {@code <= MIN_REQUEST_TIMEOUT_SECONDS} and anything that is not a number. */
    static boolean isLegalTimeout(String value) {
        try {
            double seconds = Double.parseDouble(value.trim());
            return Double.isFinite(seconds) && seconds > MIN_REQUEST_TIMEOUT_SECONDS;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private String requestUrl(SimJob job) {
        return server.falUri() + "/" + job.facts.path("app").asText() + "/requests/" + job.id;
    }

    private void status(HttpExchange exchange, SimJob job) throws IOException {
        boolean withLogs = "1".equals(query(exchange.getRequestURI().getRawQuery(), "logs"))
                || "true".equals(query(exchange.getRequestURI().getRawQuery(), "logs"));
        ObjectNode answer = server.mapper().createObjectNode();
        synchronized (job) {
            switch (job.status) {
                case "queued" -> answer.put("status", "IN_QUEUE").put("queue_position", job.plan.queuePosition());
                case "running" -> {
                    answer.put("status", "IN_PROGRESS");
                    logs(answer, job, withLogs);
                }
                default -> {
                    answer.put("status", "COMPLETED");
                    logs(answer, job, withLogs);
                    answer.putObject("metrics").put("inference_time", job.startedAt == null ? 0.0
                            : (job.completedAt.toEpochMilli() - job.startedAt.toEpochMilli()) / 1000.0);
                    if (job.status.equals("failed") && Failure.of(job).errorType != null) {
                        Failure failure = Failure.of(job);
                        answer.put("error", failure.detail).put("error_type", failure.errorType);
                    }
                }
            }
        }
        answer.put("request_id", job.id)
                .put("response_url", requestUrl(job))
                .put("status_url", requestUrl(job) + "/status")
                .put("cancel_url", requestUrl(job) + "/cancel");
        server.respond(exchange, answer.path("status").asText().equals("COMPLETED") ? 200 : 202, answer);
    }

    private static void logs(ObjectNode answer, SimJob job, boolean withLogs) {
        if (!withLogs) {
            answer.putNull("logs");
            return;
        }
        answer.putArray("logs").addObject().put("message", "step").put("level", "INFO")
                .put("source", "USER").put("timestamp", String.valueOf(job.startedAt));
    }

    private void result(HttpExchange exchange, SimJob job) throws IOException {
        synchronized (job) {
            if (!job.isTerminal()) {
                server.respond(exchange, 400, detail("Request is still in progress"));
            } else if (job.status.equals("succeeded") && "not_json".equals(payloadError(job))) {
                server.respond(exchange, 200, "PNG... not JSON".getBytes(StandardCharsets.UTF_8), "text/plain",
                        Map.of());
            } else if (job.status.equals("succeeded")) {
                server.respond(exchange, 200, job.output);
            } else if (job.status.equals("cancelled")) {
                respondError(exchange, 499, "client_cancelled", "Request cancelled by the client.");
            } else if (Failure.of(job) == Failure.MODEL_ERROR) {
                // No X-Fal-Error-Type: fal's app framework answers a model's error with its detail array only.
                server.respond(exchange, 422, modelError(job));
            } else {
                Failure failure = Failure.of(job);
                respondError(exchange, failure.httpStatus, failure.errorType, failure.detail);
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
        if (job.status.equals("succeeded") && payloadError(job) != null) {
            // docs, webhooks ("Payload errors"): the payload could not be put in the webhook; the result is still
            // at the response URL.
            body.put("status", "OK").putNull("payload");
            body.put("payload_error", "The response payload could not be included in the webhook.");
        } else if (job.status.equals("succeeded")) {
            body.put("status", "OK").set("payload", job.output);
        } else if (Failure.of(job) == Failure.MODEL_ERROR) {
            body.put("status", "ERROR").put("error", "Invalid status code: 422").set("payload", modelError(job));
        } else {
            // Assumed by analogy with the documented model error: the error body of the result as the payload.
            Failure failure = Failure.of(job);
            body.put("status", "ERROR").put("error", "Invalid status code: " + failure.httpStatus)
                    .set("payload", server.mapper().createObjectNode().put("detail", failure.detail)
                            .put("error_type", failure.errorType));
        }
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(body), job.id, true, true,
                (messageId, timestamp, bytes) -> signing.headers(job.id, timestamp, bytes)));
    }

    /** {@code input.simulate.payload_error}: {@code "true"}, {@code "not_json"}, or null for none. */
    private static String payloadError(SimJob job) {
        JsonNode knob = job.input.path("simulate").path("payload_error");
        if (knob.isTextual()) {
            return knob.asText();
        }
        return knob.asBoolean(false) ? "true" : null;
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

    /** fal's app framework ({@code FieldException.to_pydantic_format}): {@code {"detail": [{loc, msg, type}]}}. */
    private ObjectNode modelError(SimJob job) {
        ObjectNode error = server.mapper().createObjectNode();
        ObjectNode first = error.putArray("detail").addObject();
        first.putArray("loc").add("body").add("prompt");
        first.put("msg", job.errorMessage == null ? "The request did not start." : job.errorMessage)
                .put("type", "value_error");
        return error;
    }

    /** request-errors: {@code {"detail", "error_type"}} and the same value in {@code X-Fal-Error-Type}. */
    private void respondError(HttpExchange exchange, int status, String errorType, String detail) throws IOException {
        server.respond(exchange, status, server.bytes(detail(detail).put("error_type", errorType)),
                "application/json", Map.of("X-Fal-Error-Type", errorType));
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
