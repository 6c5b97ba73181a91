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
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.jobgateway.providers.Stopwatch;
import io.smallrye.mutiny.Uni;

/**
 * A ComfyUI server, which sends no webhooks: it is polled ({@link #pollOnly()}), and, not being a
 * {@link dev.jobgateway.providers.WebhookReceiver}, it has no webhook route (404). A job's input is
 * {@code {"workflow": <graph in API format>, "extra_data"?: {...}}}; the graph goes to {@code POST /prompt} with a
 * {@code prompt_id} the gateway makes from the job id ({@link #promptIdFor}: a UUID, the only id current servers take),
 * so the gateway knows the prompt's id before ComfyUI answers (a server that ignores the id gets its own mapped
 * instead). ComfyUI has no duplicate check (the same id again is a second run of the graph), so a submit is never sent
 * twice unless the first certainly did not arrive: a submit whose answer is lost is looked for in ComfyUI's queue and
 * history under that id instead. A check reads {@code /history/{id}} (empty until the prompt ends), then,
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
    private final ComfyUiHistory entries;

    ComfyUiProvider(ComfyUiConfig config, ProviderHttp http, ObjectMapper mapper) {
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.base = ProviderHttp.base(config.url().orElse("http://comfyui.invalid"));
        this.entries = new ComfyUiHistory(mapper, base);
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
     * The {@code prompt_id} of a job: a name-based UUID of its id, in the canonical lowercase form that current
     * ComfyUI servers require of a caller's id ({@code server.py post_prompt}, {@code comfy_execution/jobs.py
     * validate_job_id}; 400 {@code invalid_prompt_id} otherwise). The same job always has the same prompt id.
     */
    public static String promptIdFor(String jobId) {
        return UUID.nameUUIDFromBytes(("job-gateway:" + jobId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * {@code POST /prompt}. ComfyUI queues the prompt before it answers; a 400 is its verdict on the graph (node
     * errors), which fails the job with them. Only a 429 (from a proxy in front of it) and a connection never made
     * are tried again: ComfyUI runs the same prompt id again on every submit ({@code server.py} has no duplicate
     * check). A 409 from a newer server that refuses an id it has queued means an earlier attempt did arrive: that is
     * the job's prompt. A submit whose outcome is unknown (a timeout, a broken connection, a 5xx) is looked for on
     * ComfyUI under its id before the hand-off is given up.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        String promptId = promptIdFor(order.jobId());
        ObjectNode body = mapper.createObjectNode();
        body.set("prompt", order.input().get("workflow"));
        body.put("prompt_id", promptId);
        body.put("client_id", CLIENT_ID);
        if (order.input().has("extra_data")) {
            body.set("extra_data", order.input().get("extra_data"));
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        Stopwatch watch = Stopwatch.start();
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> http.send("POST",
                base.resolve("prompt"), ProviderHttp.jsonBodyHeaders(null), bytes, config.requestTimeout())
                .map(answer -> {
                    JsonNode said = ProviderJson.tree(mapper, answer.body());
                    if (answer.status() == 409 && alreadyQueued(said)) {
                        LOG.infof("Job %s: ComfyUI already has prompt %s (an earlier attempt arrived)", order.jobId(),
                                promptId);
                        return promptId;
                    }
                    if (!answer.ok()) {
                        throw new HttpStatusException(answer, answer.status() == 400 ? promptErrors(said) : null);
                    }
                    String answered = said == null ? "" : said.path("prompt_id").asText("");
                    if (answered.isBlank()) {
                        throw new InvalidAnswerException("ComfyUI accepted the prompt but returned no prompt_id.");
                    }
                    if (!answered.equals(promptId)) {
                        LOG.infof("Job %s: ComfyUI ignored the prompt_id it was given and named the prompt %s",
                                order.jobId(), answered);
                    }
                    return answered;
                })).chain(handoff -> handoff.accepted() || !outcomeUnknown(handoff) ? Uni.createFrom().item(handoff)
                        : lookFor(promptId).map(found -> {
                            if (!found) {
                                return handoff;
                            }
                            LOG.infof("Job %s: the answer to the submit was lost, but ComfyUI has prompt %s",
                                    order.jobId(), promptId);
                            return new Handoff(promptId, handoff.attempts(), watch.elapsedMs(), null, null);
                        }));
    }

    /** A hand-off that may have reached ComfyUI: a timeout, a broken connection or a 5xx. */
    private static boolean outcomeUnknown(Handoff handoff) {
        return "ai_server_outcome_unknown".equals(handoff.errorCode()) || "ai_server_error".equals(handoff.errorCode());
    }

    /**
     * Whether ComfyUI has the prompt, queued, running or ended; false if it cannot be asked either. One look, no
     * retry: a prompt still being validated when the look comes is not seen, and the hand-off fails as before.
     */
    private Uni<Boolean> lookFor(String promptId) {
        return queue().map(queue -> inQueue(queue, promptId).isPresent())
                .chain(queued -> queued ? Uni.createFrom().item(true)
                        : history(promptId).map(Optional::isPresent))
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("Looking for ComfyUI prompt %s after a lost answer failed: %s", promptId,
                            ProviderCallException.describe(failure));
                    return false;
                });
    }

    /**
     * A 409 that says the prompt id is taken: {@code {"error": "prompt_id already exists"}} (server.py at 5e14d797) or
     * an error of type {@code duplicate_prompt_id} (ComfyUI's unit test {@code prompt_duplicate_id_test.py}).
     */
    static boolean alreadyQueued(JsonNode body) {
        if (body == null) {
            return false;
        }
        JsonNode error = body.path("error");
        return error.asText("").contains("prompt_id already exists")
                || error.path("type").asText("").equals("duplicate_prompt_id");
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
            String details = summary.path("details").asText("");
            if (!details.isBlank() && !details.equals(summary.get("message").asText())) {
                text.append(": ").append(details);
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
                    return Optional.of(entries.ended(entry));
                });
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
                return Optional.of(Report.running("running", null));
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
        return Optional.of(Report.queued("pending", place));
    }

    /** Neither in the history nor in the queue: ComfyUI has forgotten the prompt (a restart, or history trimmed). */
    static Report lost(String id) {
        return Report.lost("unknown", "ComfyUI no longer knows prompt " + id
                + ": it is neither in its history nor in its queue. ComfyUI keeps its history in memory only (a "
                + "restart loses it, and it keeps at most 10,000 prompts), so the outcome cannot be had.",
                "prompt_lost");
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
}
