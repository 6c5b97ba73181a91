package dev.jobgateway.devservices.simulator;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import dev.jobgateway.providers.StandardWebhook;

/**
 * Replicate's predictions API under {@code /replicate}, with its quirks: {@code Authorization: Bearer}; creates by
 * version ({@code POST /v1/predictions}) or by official model ({@code POST /v1/models/{owner}/{name}/predictions});
 * 429 with {@code Retry-After} when throttled (in seconds, or as an HTTP-date when asked); {@code Cancel-After}
 * honoured (a prediction not started by then is
 * {@code aborted}, a running one {@code canceled}); webhooks for the events filtered in ({@code start} once when it
 * really starts, {@code output} and {@code logs} throttled to one per 500 ms, {@code completed}), each the full
 * prediction at sending time; progress only as tqdm lines in {@code logs}; only the {@code completed} webhook retried,
 * under the same {@code webhook-id}; Standard Webhooks signatures with the account's secret.
 */
final class ReplicateDialect implements Dialect {

    private static final Pattern VERSION = Pattern.compile(
            "[0-9a-f]{64}|[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*(:[0-9a-f]{64})?");
    private static final Pattern CANCEL_AFTER = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s?)?");
    private static final long THROTTLE_MS = 500;
    private static final int TQDM_TOTAL = 50;
    private static final List<String> ALL_EVENTS = List.of("start", "output", "logs", "completed");

    private final SimulatedAiServer server;
    private final String secret;
    private final String token;

    ReplicateDialect(SimulatedAiServer server, String secret, String token) {
        this.server = server;
        this.secret = secret;
        this.token = token;
    }

    @Override
    public void handle(HttpExchange exchange, String method, List<String> path) throws IOException {
        if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            server.countRejectedSubmit();
            server.respond(exchange, 401, detail("You did not pass a valid authentication token"));
            return;
        }
        if (method.equals("POST") && path.equals(List.of("v1", "predictions"))) {
            create(exchange, null);
        } else if (method.equals("POST") && path.size() == 5 && path.get(0).equals("v1")
                && path.get(1).equals("models") && path.get(4).equals("predictions")) {
            create(exchange, path.get(2) + "/" + path.get(3));
        } else if (method.equals("GET") && path.size() == 3
                && path.subList(0, 2).equals(List.of("v1", "predictions"))) {
            SimJob job = prediction(path.get(2));
            if (server.countStatusCall(job)) {
                server.respond(exchange, 503, detail("Service Unavailable"));
            } else if (job == null) {
                server.respond(exchange, 404, detail("Not found."));
            } else {
                server.respond(exchange, 200, snapshot(job));
            }
        } else if (method.equals("POST") && path.size() == 4 && path.subList(0, 2).equals(List.of("v1", "predictions"))
                && path.get(3).equals("cancel")) {
            server.countCancel();
            SimJob job = prediction(path.get(2));
            if (job == null) {
                server.respond(exchange, 404, detail("Not found."));
                return;
            }
            job.cancel("cancelled");
            server.respond(exchange, 200, snapshot(job));
        } else if (method.equals("GET") && path.equals(List.of("v1", "webhooks", "default", "secret"))) {
            server.respond(exchange, 200, server.mapper().createObjectNode().put("key", secret));
        } else {
            server.respond(exchange, 404, detail("Not found."));
        }
    }

    private SimJob prediction(String id) {
        SimJob job = server.job(id);
        return job != null && job.dialect == this ? job : null;
    }

    /**
     * A throttled create's {@code Retry-After}: one second, or, with {@code "simulate": {"retry_after": "http_date"}},
     * the same wait as an HTTP-date two seconds ahead (IMF-fixdate, whole seconds). RFC 9110 section 10.2.3 allows
     * either form, and Replicate's own client is written for both: replicate-javascript {@code lib/util.js}
     * ({@code withAutomaticRetries}) reads a value that is not a number of seconds as a date and waits until then.
     */
    private static String retryAfter(JsonNode input) {
        if (!"http_date".equals(input.path("simulate").path("retry_after").asText())) {
            return "1";
        }
        return DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
                .format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2));
    }

    /** A create, by version (in the body) or by official model (in the path, {@code model}). */
    private void create(HttpExchange exchange, String model) throws IOException {
        JsonNode body = server.readJson(exchange);
        JsonNode input = body == null ? null : body.get("input");
        String version = body == null ? null : body.path("version").asText(null);
        if (input == null || !input.isObject() || (model == null && (version == null
                || !VERSION.matcher(version).matches()))) {
            server.countRejectedSubmit();
            server.respond(exchange, 422, detail(model == null && version == null ? "version is required"
                    : "input is required"));
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
        Duration cancelAfter = cancelAfter(exchange.getRequestHeaders().getFirst("Cancel-After"));
        if (cancelAfter != null && cancelAfter.toSeconds() < 5) {
            server.countRejectedSubmit();
            server.respond(exchange, 422, detail("Cancel-After must be at least 5s"));
            return;
        }
        int attempt = server.countSubmit(String.valueOf(webhook));
        if (attempt <= plan.rejectSubmits()) {
            server.respond(exchange, 429, server.bytes(detail("Request was throttled. Expected available in 1 "
                    + "second.")), "application/problem+json", Map.of("Retry-After", retryAfter(input)));
            return;
        }
        String id = UUID.randomUUID().toString().replace("-", "").substring(0, 26);
        SimJob job = server.register(new SimJob(server, this, id, input, webhook == null ? null : URI.create(webhook),
                plan), exchange);
        job.facts.put("model", model != null ? model : version.contains("/") ? version.split(":")[0] : "owner/model");
        job.facts.put("version", model != null ? null
                : version.contains(":") ? version.split(":")[1]
                        : version.contains("/") ? null : version);
        job.facts.put("logs", "");
        ArrayNode events = job.facts.putArray("events");
        JsonNode filter = body.get("webhook_events_filter");
        if (filter != null && filter.isArray()) {
            filter.forEach(events::add);
        } else {
            ALL_EVENTS.forEach(events::add);
        }
        if (cancelAfter != null) {
            // The prediction's deadline: not started by then is aborted (not billed), running is canceled.
            job.later(() -> job.cancel(job.status.equals("queued") ? "aborted" : "cancelled"), cancelAfter.toMillis());
        }
        server.answerSubmit(exchange, plan, attempt, job, 201, () -> snapshot(job));
    }

    /** {@code 30s}, {@code 5m}, {@code 1h30m}; no unit is seconds. Null when absent or not understood. */
    static Duration cancelAfter(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        Matcher m = CANCEL_AFTER.matcher(header.trim());
        if (!m.matches()) {
            return null;
        }
        long seconds = 0;
        seconds += m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600;
        seconds += m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60;
        seconds += m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        return Duration.ofSeconds(seconds);
    }

    @Override
    public boolean startsWithoutProgress() {
        return true;
    }

    @Override
    public void started(SimJob job) {
        synchronized (job) {
            log(job, "Running prediction...\n");
        }
        send(job, "start");
    }

    @Override
    public void progressed(SimJob job) {
        synchronized (job) {
            log(job, tqdm(job.progress));
        }
        throttled(job, "logs");
    }

    @Override
    public void finished(SimJob job) {
        synchronized (job) {
            switch (job.status) {
                case "succeeded" -> log(job, tqdm(1.0));
                case "failed" -> log(job, "Traceback (most recent call last):\nRuntimeError: " + job.errorMessage
                        + "\n");
                default -> {
                }
            }
        }
        if (job.status.equals("succeeded")) {
            throttled(job, "output");
        }
        send(job, "completed");
    }

    @Override
    public JsonNode output(SimJob job) {
        return server.mapper().createArrayNode().add(server.replicateUri() + "/files/" + job.id + "-0.png");
    }

    private static void log(SimJob job, String line) {
        job.facts.put("logs", job.facts.path("logs").asText() + line);
    }

    /** A tqdm progress line, as models on Replicate print them. */
    static String tqdm(double fraction) {
        int percent = (int) Math.round(fraction * 100);
        int done = (int) Math.round(fraction * TQDM_TOTAL);
        int cells = percent / 10;
        return String.format(" %3d%%|%s%s| %d/%d [00:0%d<00:0%d, 12.5it/s]%n", percent, "█".repeat(cells),
                " ".repeat(10 - cells), done, TQDM_TOTAL, done / 12, (TQDM_TOTAL - done) / 12);
    }

    /** {@code output} and {@code logs} webhooks: at most one per 500 ms; a later one carries the snapshot then. */
    private void throttled(SimJob job, String event) {
        if (!filtered(job, event)) {
            return;
        }
        synchronized (job) {
            long now = System.currentTimeMillis();
            long last = job.facts.path("throttled_at").asLong(0);
            if (job.facts.path("throttle_pending").asBoolean(false)) {
                return;
            }
            long wait = last + THROTTLE_MS - now;
            if (wait <= 0) {
                job.facts.put("throttled_at", now);
                send(job, event);
                return;
            }
            job.facts.put("throttle_pending", true);
            job.later(() -> {
                synchronized (job) {
                    job.facts.put("throttle_pending", false);
                    job.facts.put("throttled_at", System.currentTimeMillis());
                }
                sendAnyway(job, event);
            }, wait);
        }
    }

    private boolean filtered(SimJob job, String event) {
        for (JsonNode wanted : job.facts.path("events")) {
            if (wanted.asText().equals(event)) {
                return job.webhookUrl != null;
            }
        }
        return false;
    }

    private void send(SimJob job, String event) {
        if (filtered(job, event)) {
            sendAnyway(job, event);
        }
    }

    /** The prediction as it is now; only {@code completed} is retried, under its one {@code webhook-id}. */
    private void sendAnyway(SimJob job, String event) {
        boolean terminal = event.equals("completed");
        job.emit(new SimWebhook(job.webhookUrl, server.bytes(snapshot(job)), SimulatedAiServer.newMessageId(),
                terminal, terminal, this::sign));
    }

    ObjectNode snapshot(SimJob job) {
        synchronized (job) {
            ObjectNode node = server.mapper().createObjectNode();
            node.put("id", job.id);
            node.put("model", job.facts.path("model").asText());
            node.set("version", job.facts.get("version"));
            node.set("input", job.input);
            node.put("logs", job.facts.path("logs").asText());
            node.set("output", job.output);
            node.put("data_removed", false);
            node.put("error", job.status.equals("failed") ? job.errorMessage : null);
            node.put("source", "api");
            node.put("status", switch (job.status) {
                case "queued" -> "starting";
                case "running" -> "processing";
                case "cancelled" -> "canceled";
                default -> job.status;
            });
            node.put("created_at", job.createdAt.toString());
            node.put("started_at", job.startedAt == null ? null : job.startedAt.toString());
            node.put("completed_at", job.completedAt == null ? null : job.completedAt.toString());
            if (job.completedAt != null && job.startedAt != null) {
                node.putObject("metrics").put("predict_time",
                        Duration.between(job.startedAt, job.completedAt).toMillis() / 1000.0);
            }
            String self = server.replicateUri() + "/v1/predictions/" + job.id;
            node.putObject("urls").put("get", self).put("cancel", self + "/cancel")
                    .put("stream", server.replicateUri() + "/stream/" + job.id)
                    .put("web", "https://replicate.com/p/" + job.id);
            return node;
        }
    }

    private ObjectNode detail(String detail) {
        return server.mapper().createObjectNode().put("detail", detail);
    }

    private Map<String, String> sign(String messageId, long timestamp, byte[] body) {
        return Map.of(StandardWebhook.ID_HEADER, messageId,
                StandardWebhook.TIMESTAMP_HEADER, Long.toString(timestamp),
                StandardWebhook.SIGNATURE_HEADER, StandardWebhook.sign(secret, messageId, timestamp, body));
    }

}
