package dev.jobgateway.providers.comfyui;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Cancels;
import dev.jobgateway.providers.CreateAttempts;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.PollCadence;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import io.smallrye.mutiny.Uni;

/**
 * A ComfyUI server, which sends no webhooks: it is polled ({@link #pollOnly()}), and, not being a
 * {@link dev.jobgateway.providers.WebhookReceiver}, has no webhook route (404). A job's input is
 * {@code {"workflow": <graph in API format>, "extra_data"?: {...}}}; the graph goes to {@code POST /prompt} with the
 * gateway's job id as {@code prompt_id}, so the job is the same prompt in the gateway and in ComfyUI (a server that
 * ignores the id gets its own mapped instead). A check reads {@code /history/{id}} (empty until the prompt ends), then,
 * while it is not there, {@code /queue}; a prompt in neither is read from the history once more (ComfyUI writes the
 * history before it takes a prompt off the queue, so a prompt that ended between the two reads is found), and
 * otherwise is lost: ComfyUI keeps its history in memory, and a restart forgets every prompt it had.
 */
@ApplicationScoped
public class ComfyUiProvider implements Provider {

    public static final String NAME = "comfyui";
    /** The {@code client_id} of the gateway's prompts (ComfyUI's WebSocket audience; nobody listens). */
    static final String CLIENT_ID = "job-gateway";
    private static final Logger LOG = Logger.getLogger(ComfyUiProvider.class);
    private static final Set<String> INPUT_MEMBERS = Set.of("workflow", "extra_data");
    private static final int MAX_SHOWN_NODE_ERRORS = 3;

    private final ComfyUiConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final URI base;

    ComfyUiProvider(ComfyUiConfig config, ProviderHttp http, ObjectMapper mapper) {
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.base = ProviderHttp.base(config.url().orElse("http://comfyui.invalid"));
        if (configured()) {
            // Fails start-up on a cadence that cannot work, rather than at the first poll.
            pollOnly();
        }
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured() {
        return config.url().filter(url -> !url.isBlank()).isPresent();
    }

    @Override
    public String route(String model) {
        return Provider.noModel(model, "ComfyUI takes no 'model': the workflow's loader nodes name the "
                + "checkpoints.");
    }

    /**
     * The input is a workflow in ComfyUI's API format: an object of nodes by id, each with a {@code class_type} and
     * an {@code inputs} object. Checked here so that a malformed graph is the client's 422, not a failed job; what
     * only ComfyUI can judge (unknown node types, missing models) fails the job with ComfyUI's node errors.
     */
    @Override
    public void checkInput(JsonNode input) {
        for (Iterator<String> names = input.fieldNames(); names.hasNext();) {
            String name = names.next();
            if (!INPUT_MEMBERS.contains(name)) {
                throw invalidInput("A ComfyUI job's input has 'workflow' and optionally 'extra_data', not '"
                        + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "'.");
            }
        }
        JsonNode workflow = input.get("workflow");
        if (workflow == null || !workflow.isObject() || workflow.isEmpty()) {
            throw invalidInput("A ComfyUI job's input needs 'workflow': the graph in ComfyUI's API format (an object "
                    + "of nodes by id, e.g. {\"3\": {\"class_type\": \"KSampler\", \"inputs\": {...}}}).");
        }
        for (Iterator<Map.Entry<String, JsonNode>> nodes = workflow.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            String shown = node.getKey().length() > 40 ? node.getKey().substring(0, 40) + "..." : node.getKey();
            JsonNode classType = node.getValue().get("class_type");
            if (!node.getValue().isObject() || classType == null || !classType.isTextual()
                    || classType.asText().isBlank()) {
                throw invalidInput("Node '" + shown + "' of the workflow needs a 'class_type' (a string): use the "
                        + "workflow exported in API format.");
            }
            JsonNode inputs = node.getValue().get("inputs");
            if (inputs != null && !inputs.isObject()) {
                throw invalidInput("Node '" + shown + "' of the workflow has 'inputs' that are not an object.");
            }
        }
        JsonNode extra = input.get("extra_data");
        if (extra != null && !extra.isObject()) {
            throw invalidInput("'extra_data' of a ComfyUI job's input must be an object.");
        }
    }

    private static RuntimeException invalidInput(String detail) {
        return ProblemType.INVALID_REQUEST.with(detail);
    }

    @Override
    public Optional<PollCadence> pollOnly() {
        return Optional.of(new PollCadence(config.pollIntervalWaiting(), config.pollIntervalIdle()));
    }

    /**
     * {@code POST /prompt}. ComfyUI queues the prompt before it answers; a 400 is its verdict on the graph (node
     * errors), which fails the job with them. Only a 429 (from a proxy in front of it) and a connection never made
     * are tried again: whether ComfyUI refuses a second prompt with the same id is not documented.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("prompt", order.input().get("workflow"));
        body.put("prompt_id", order.jobId());
        body.put("client_id", CLIENT_ID);
        if (order.input().has("extra_data")) {
            body.set("extra_data", order.input().get("extra_data"));
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> http.send("POST",
                base.resolve("prompt"), ProviderHttp.jsonBodyHeaders(null), bytes, config.requestTimeout())
                .map(answer -> {
                    if (!answer.ok()) {
                        throw new HttpStatusException(answer, answer.status() == 400
                                ? promptErrors(ProviderJson.tree(mapper, answer.body()))
                                : null);
                    }
                    JsonNode queued = ProviderJson.tree(mapper, answer.body());
                    String promptId = queued == null ? "" : queued.path("prompt_id").asText("");
                    if (promptId.isBlank()) {
                        throw new InvalidAnswerException("ComfyUI accepted the prompt but returned no prompt_id.");
                    }
                    if (!promptId.equals(order.jobId())) {
                        LOG.infof("Job %s: ComfyUI ignored the prompt_id it was given and named the prompt %s",
                                order.jobId(), promptId);
                    }
                    return promptId;
                }));
    }

    /** ComfyUI's word on an invalid graph: its error and the first node errors ({@code node_errors}). */
    static String promptErrors(JsonNode error) {
        if (error == null) {
            return null;
        }
        StringBuilder text = new StringBuilder();
        JsonNode summary = error.path("error");
        if (summary.path("message").isTextual()) {
            text.append(summary.get("message").asText());
            if (summary.path("details").isTextual() && !summary.get("details").asText().isBlank()) {
                text.append(": ").append(summary.get("details").asText());
            }
        } else if (summary.isTextual()) {
            text.append(summary.asText());
        }
        int shown = 0;
        for (Iterator<Map.Entry<String, JsonNode>> nodes = error.path("node_errors").fields(); nodes.hasNext()
                && shown < MAX_SHOWN_NODE_ERRORS; shown++) {
            Map.Entry<String, JsonNode> node = nodes.next();
            JsonNode first = node.getValue().path("errors").path(0);
            text.append(text.isEmpty() ? "" : "; ").append("node ").append(node.getKey());
            if (node.getValue().path("class_type").isTextual()) {
                text.append(" (").append(node.getValue().get("class_type").asText()).append(")");
            }
            if (first.path("message").isTextual()) {
                text.append(": ").append(first.get("message").asText());
                if (first.path("details").isTextual() && !first.get("details").asText().isBlank()) {
                    text.append(" (").append(first.get("details").asText()).append(")");
                }
            }
        }
        return text.isEmpty() ? null : text.toString();
    }

    @Override
    public Uni<Report> status(ProviderJob job) {
        String id = job.externalId();
        return history(id).chain(ended -> ended.isPresent() ? Uni.createFrom().item(ended.get())
                : queue().chain(queue -> {
                    Optional<Report> waiting = inQueue(queue, id);
                    if (waiting.isPresent()) {
                        return Uni.createFrom().item(waiting.get());
                    }
                    // Ended between the two reads? ComfyUI writes the history before it leaves the queue.
                    return history(id).map(again -> again.orElseGet(() -> lost(id)));
                }));
    }

    /** The prompt's history entry as a report, or empty while it has none ({@code {}}: not ended, or unknown). */
    private Uni<Optional<Report>> history(String id) {
        return http.send("GET", base.resolve("history/" + ProviderHttp.segment(id)), ProviderHttp.jsonHeaders(null),
                null, config.requestTimeout()).map(answer -> {
                    JsonNode body = json(answer);
                    JsonNode entry = body.get(id);
                    if (entry == null || !entry.isObject()) {
                        return Optional.empty();
                    }
                    return Optional.of(ended(entry));
                });
    }

    /** A history entry: ended well, with errors, or interrupted. */
    Report ended(JsonNode entry) {
        JsonNode status = entry.path("status");
        String word = status.path("status_str").asText("");
        ArrayNode messages = status.path("messages").isArray() ? (ArrayNode) status.get("messages")
                : mapper.createArrayNode();
        if (message(messages, "execution_interrupted") != null) {
            return new Report(JobStatus.CANCELLED, "interrupted", null, null, null);
        }
        if (word.equals("error")) {
            return new Report(JobStatus.FAILED, "error", null, null, executionError(message(messages,
                    "execution_error")));
        }
        if (!word.isEmpty() && !word.equals("success")) {
            throw new ProviderCallException("ComfyUI answered an unknown status_str '"
                    + (word.length() > 40 ? word.substring(0, 40) : word) + "'.");
        }
        if (status.has("completed") && !status.path("completed").asBoolean()) {
            throw new ProviderCallException("ComfyUI's history holds the prompt but marks it not completed.");
        }
        return new Report(JobStatus.SUCCEEDED, "success", 1.0, outputs(entry.path("outputs")).toString(), null);
    }

    /** The files of the prompt's outputs as {@code /view} URLs on the configured base: images, and other files. */
    ObjectNode outputs(JsonNode outputs) {
        ObjectNode result = mapper.createObjectNode();
        ArrayNode images = result.putArray("images");
        List<ObjectNode> files = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> nodes = outputs.fields(); nodes.hasNext();) {
            Map.Entry<String, JsonNode> node = nodes.next();
            for (Iterator<Map.Entry<String, JsonNode>> kinds = node.getValue().fields(); kinds.hasNext();) {
                Map.Entry<String, JsonNode> kind = kinds.next();
                if (!kind.getValue().isArray()) {
                    continue;
                }
                for (JsonNode file : kind.getValue()) {
                    if (!file.path("filename").isTextual()) {
                        continue;
                    }
                    ObjectNode described = mapper.createObjectNode()
                            .put("url", viewUrl(file))
                            .put("node_id", node.getKey())
                            .put("filename", file.get("filename").asText())
                            .put("subfolder", file.path("subfolder").asText(""))
                            .put("type", file.path("type").asText("output"));
                    if (kind.getKey().equals("images")) {
                        images.add(described);
                    } else {
                        files.add(described.put("kind", kind.getKey()));
                    }
                }
            }
        }
        if (!files.isEmpty()) {
            result.putArray("files").addAll(files);
        }
        return result;
    }

    /** {@code /view}, the file name last so that the URL ends with its extension. */
    private String viewUrl(JsonNode file) {
        return base.resolve("view") + "?type=" + ProviderHttp.segment(file.path("type").asText("output"))
                + "&subfolder=" + ProviderHttp.segment(file.path("subfolder").asText("")) + "&filename="
                + ProviderHttp.segment(file.get("filename").asText());
    }

    private static JsonNode message(ArrayNode messages, String event) {
        for (JsonNode message : messages) {
            if (message.isArray() && event.equals(message.path(0).asText())) {
                return message.path(1);
            }
        }
        return null;
    }

    /** The node that failed and ComfyUI's exception, e.g. "node 3 (KSampler): RuntimeError: CUDA out of memory". */
    static String executionError(JsonNode error) {
        if (error == null || !error.isObject()) {
            return "ComfyUI reported the prompt failed.";
        }
        StringBuilder text = new StringBuilder("ComfyUI failed");
        if (error.path("node_id").isValueNode()) {
            text.append(" at node ").append(error.get("node_id").asText());
            if (error.path("node_type").isTextual()) {
                text.append(" (").append(error.get("node_type").asText()).append(")");
            }
        }
        text.append(": ");
        if (error.path("exception_type").isTextual()) {
            text.append(error.get("exception_type").asText()).append(": ");
        }
        text.append(error.path("exception_message").asText("no message").strip());
        return shorten(text.toString());
    }

    private Uni<JsonNode> queue() {
        return http.send("GET", base.resolve("queue"), ProviderHttp.jsonHeaders(null), null, config.requestTimeout())
                .map(this::json);
    }

    /**
     * Running, or pending at its place: {@code queue_pending}'s items ({@code [number, prompt_id, ...]}) are not
     * in order, so the place is counted by number.
     */
    static Optional<Report> inQueue(JsonNode queue, String id) {
        for (JsonNode item : queue.path("queue_running")) {
            if (id.equals(item.path(1).asText())) {
                return Optional.of(new Report(JobStatus.RUNNING, "running", null, null, null));
            }
        }
        Double number = null;
        List<Double> numbers = new ArrayList<>();
        for (JsonNode item : queue.path("queue_pending")) {
            numbers.add(item.path(0).asDouble());
            if (id.equals(item.path(1).asText())) {
                number = item.path(0).asDouble();
            }
        }
        if (number == null) {
            return Optional.empty();
        }
        double mine = number;
        int place = (int) numbers.stream().filter(other -> other < mine).count();
        return Optional.of(new Report(JobStatus.QUEUED, "pending", null, null, null, null, place));
    }

    /** Neither in the history nor in the queue: ComfyUI has forgotten the prompt (a restart, or history trimmed). */
    static Report lost(String id) {
        return new Report(JobStatus.FAILED, "unknown", null, null, "ComfyUI no longer knows prompt " + id
                + ": it is neither in its history nor in its queue. ComfyUI keeps its history in memory only (a "
                + "restart loses it, and it keeps at most 10,000 prompts), so the outcome cannot be had.",
                "prompt_lost", null, "upstream_lost");
    }

    /**
     * A queued prompt is deleted from the queue; a running one is interrupted, but only after {@code /queue} shows
     * it is the one running, since {@code /interrupt} stops whatever runs (the prompt's id goes along for servers
     * that honour it). A prompt in neither has ended: nothing to stop.
     */
    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        String id = job.externalId();
        return Cancels.timed(NAME, id, watch -> queue().chain(queue -> {
            Optional<Report> where = inQueue(queue, id);
            if (where.isEmpty()) {
                return Uni.createFrom().item(new CancelAttempt(false, null, watch.elapsedMs(), "ComfyUI has the "
                        + "prompt neither queued nor running: it has ended, or ComfyUI lost it."));
            }
            boolean running = where.get().status() == JobStatus.RUNNING;
            ObjectNode body = mapper.createObjectNode();
            if (running) {
                body.put("prompt_id", id);
            } else {
                body.putArray("delete").add(id);
            }
            return http.send("POST", base.resolve(running ? "interrupt" : "queue"), ProviderHttp.jsonBodyHeaders(null),
                    body.toString().getBytes(StandardCharsets.UTF_8), config.requestTimeout())
                    .map(answer -> answer.ok()
                            ? new CancelAttempt(true, answer.status(), watch.elapsedMs(), running
                                    ? "ComfyUI interrupted the running prompt."
                                    : "ComfyUI deleted the prompt from its queue.")
                            : new CancelAttempt(false, answer.status(), watch.elapsedMs(), "ComfyUI answered HTTP "
                                    + answer.status() + "."));
        }));
    }

    @Override
    public Duration longestCheck() {
        // The history, the queue, the history again.
        return config.requestTimeout().multipliedBy(3);
    }

    /** The JSON object of a 2xx answer; any other answer fails with its status. */
    private JsonNode json(ProviderHttp.Answer answer) {
        return ProviderJson.objectTree(mapper, answer, null, "ComfyUI's answer is not a JSON object.");
    }

    private static String shorten(String text) {
        return text.length() > 500 ? text.substring(0, 500) + "..." : text;
    }
}
