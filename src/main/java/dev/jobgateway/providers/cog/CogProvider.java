package dev.jobgateway.providers.cog;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Cancels;
import dev.jobgateway.providers.CreateAttempts;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.Retries;
import dev.jobgateway.providers.TokenWebhooks;
import dev.jobgateway.providers.WebhookBodies;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * A self-hosted Cog server. A job is {@code PUT /predictions/{gateway job id}} with {@code Prefer: respond-async},
 * the per-job webhook URL and the events filter. Webhooks are unsigned: the per-job URL token, and, when the server
 * sets {@code WEBHOOK_AUTH_TOKEN}, its {@code Authorization: Bearer}.
 * <p>
 * Cog keeps a prediction only while it is in flight (coglet {@code routes.rs} 352-376 and 509-519): a repeated
 * {@code PUT} answers the state of a prediction still running, but once it has ended Cog has forgotten it and the same
 * {@code PUT} runs the model again. So the hand-off retries its {@code PUT} (a 503 while Cog's setup runs, a 409
 * while every slot is busy, 5xx, lost connections) only within {@code submit-budget}, and nothing else ever repeats
 * it. There is no read of a prediction either: its terminal webhook, which Cog retries for minutes, is the only way
 * to learn its result. The fallback therefore does not ask Cog before the job's deadline
 * ({@link #checkedOnlyAtDeadline()}); at the deadline it asks Cog to cancel the prediction, which can never start one
 * (routes.rs 659-670): a 200 means Cog still had it (a timeout, and it stops now), a 404 that it had ended and its
 * result never reached the gateway, so the job fails as a lost delivery ({@code error.source: upstream_lost}). The
 * prediction is not run again.
 */
@ApplicationScoped
public class CogProvider implements WebhookReceiver {

    public static final String NAME = "cog";
    /** {@code error.code} of a job whose prediction ended at Cog without its result reaching the gateway. */
    public static final String LOST_CODE = "result_not_delivered";
    /** The longest pause between two hand-off attempts (unless {@code submit-backoff} itself is longer). */
    static final Duration MAX_PAUSE = Duration.ofSeconds(4);

    private final CogConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final CogWire wire;

    CogProvider(CogConfig config, ProviderHttp http, ObjectMapper mapper) {
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.wire = new CogWire(mapper);
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
        return Provider.noModel(model, "The cog provider takes no 'model': the Cog server runs one model.");
    }

    /**
     * The {@code PUT}, tried again after a pause doubling from {@code submit-backoff} (at most {@link #MAX_PAUSE}, with
     * jitter; or the answer's {@code Retry-After}) while another attempt, with its pause and its request timeout, still
     * ends within {@code submit-budget}: so a hand-off takes at most the budget, however the attempts fail. Tried
     * again: a 503 (Cog's setup still runs), a 409 (every slot busy), 429, other 5xx, a timeout or a lost connection
     * ({@link Idempotency#IDEMPOTENT}). A 503 or 409 certainly started nothing (routes.rs 459-491); after a timeout or
     * a lost answer the prediction may have started, and the repeated {@code PUT} then answers its state while it runs
     * (a prediction that ended within the pause would run again: the one case a retry can repeat a run, see
     * docs/providers.md).
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("input", order.input());
        body.put("webhook", order.webhookUrl());
        body.set("webhook_events_filter", mapper.valueToTree(config.webhookEvents()));
        byte[] bytes = ProviderJson.bytes(mapper, body);
        return CreateAttempts.run(NAME, submitRetries(), Idempotency.IDEMPOTENT, () -> put(order.jobId(), bytes)
                .map(prediction -> {
                    if (prediction.id() != null && !prediction.id().equals(order.jobId())) {
                        throw new InvalidAnswerException("Cog answered for another prediction than the one put.");
                    }
                    return order.jobId();
                }));
    }

    /** As many attempts as end within {@code submit-budget}, their pauses doubling to {@link #MAX_PAUSE}. */
    Retries.Policy submitRetries() {
        return Retries.Policy.within(config.submitBudget(), config.requestTimeout(), config.submitBackoff(), MAX_PAUSE,
                config.maxRetryAfter());
    }

    /**
     * The fallback's one check of a Cog job, at its deadline ({@link #checkedOnlyAtDeadline()}): a cancel, the one
     * call that can tell whether Cog still has the prediction without ever starting one (routes.rs 659-670,
     * service.rs 777-798; the Python server's cancel likewise, http.py 484-495). 200: Cog still had it in flight, so
     * it is a plain timeout (and the prediction stops now); 404: Cog no longer knows it, so it ended and its result,
     * which only its terminal webhook carries, never reached the gateway: the job fails as a lost delivery, its
     * message with what Cog's health check says (a setup started after the hand-off is a restart, which also ends
     * the terminal webhook's retries). The prediction is not run again.
     */
    @Override
    public Uni<Report> status(ProviderJob job) {
        return http.send("POST", cancelUri(job.jobId()), ProviderHttp.jsonHeaders(null), null,
                config.requestTimeout()).chain(answer -> {
                    if (answer.ok()) {
                        return Uni.createFrom().item(Report.running("cancel: " + answer.status(), null));
                    }
                    if (answer.status() == 404) {
                        return health().map(health -> lost(job, health.orElse(null), rerunsLostJobs()));
                    }
                    return Uni.createFrom().failure(new HttpStatusException(answer, wire.errorText(answer.body())));
                });
    }

    /** The health check, or empty when it cannot be had (it only adds to a message). */
    private Uni<Optional<CogHealth>> health() {
        return http.send("GET", baseUri().resolve("health-check"), ProviderHttp.jsonHeaders(null), null,
                config.requestTimeout())
                .map(answer -> answer.ok() ? wire.health(answer.body()) : Optional.<CogHealth> empty())
                .onFailure().recoverWithItem(Optional.empty());
    }

    private static Report lost(ProviderJob job, CogHealth health, boolean rerun) {
        return Report.lost("cancel: 404", "Cog no longer knows prediction "
                + job.jobId() + " (its cancel answered HTTP 404): the prediction ended, but its result never reached "
                + "the gateway (Cog sends it only in its terminal webhook, retried for about 7 minutes, and keeps no "
                + "finished prediction), so the result cannot be had from Cog."
                + (rerun ? "" : " It was not run again.")
                + (health == null ? "" : " Cog's health check: " + health.describe() + "."),
                LOST_CODE);
    }

    /**
     * Cog cannot be asked about a prediction without risking a second run (a {@code PUT} of an ended one starts it
     * again) or stopping it (a cancel): the fallback asks only at the deadline.
     */
    @Override
    public boolean checkedOnlyAtDeadline() {
        return true;
    }

    private Uni<CogPrediction> put(String predictionId, byte[] body) {
        Map<String, String> headers = ProviderHttp.jsonBodyHeaders(null);
        headers.put("Prefer", "respond-async");
        return http.send("PUT", predictionUri(predictionId), headers, body, config.requestTimeout())
                .map(this::prediction);
    }

    /** Only where the operator asked for it ({@code rerun-lost-predictions}): a second run, a second bill. */
    @Override
    public boolean rerunsLostJobs() {
        return config.rerunLostPredictions();
    }

    /**
     * {@code POST /predictions/{id}/cancel}: 200 stops a prediction in flight; 404 means Cog no longer has it, which
     * for a prediction it accepted means it has already ended (routes.rs 659-670): nothing is left to stop, so that
     * is no failure of the cancel.
     */
    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.timed(NAME, job.jobId(), watch -> http.send("POST", cancelUri(job.jobId()),
                ProviderHttp.jsonHeaders(null), null, config.requestTimeout())
                .map(answer -> answer.ok()
                        ? new CancelAttempt(true, answer.status(), watch.elapsedMs(), "Cog accepted the cancel.")
                        : answer.status() == 404
                                ? new CancelAttempt(true, 404, watch.elapsedMs(), "Cog no longer knows the "
                                        + "prediction (HTTP 404): it had already ended, so there was nothing to stop.")
                                : new CancelAttempt(false, answer.status(), watch.elapsedMs(),
                                        "Cog answered HTTP " + answer.status() + ".")));
    }

    /** The deadline check: a cancel, and for a prediction Cog no longer knows, its health check. */
    @Override
    public Duration longestCheck() {
        return config.requestTimeout().multipliedBy(2);
    }

    /** Cog's webhooks carry outputs inline (data URLs) unless the server has an upload URL. */
    @Override
    public int maxWebhookBodyBytes(int gatewayLimit) {
        return config.maxWebhookBodyBytes();
    }

    /** The per-job URL token always; the server's bearer token too when one is configured. */
    @Override
    public Uni<Arrival.Webhook> authenticate(WebhookRequest request) {
        return Uni.createFrom().item(() -> {
            config.webhookAuthToken().filter(token -> !token.isBlank()).ifPresent(token -> {
                String header = request.header("Authorization");
                String presented = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
                if (!TokenWebhooks.sameSecret(token, presented)) {
                    throw WebhookRejections.unauthorized(NAME, presented == null ? "missing bearer token"
                            : "bearer token does not match");
                }
            });
            return TokenWebhooks.byUrlToken(NAME, request);
        });
    }

    @Override
    public InboundWebhook read(WebhookRequest request) {
        CogPrediction prediction = wire.prediction(request.body()).orElseThrow(
                () -> ProblemType.INVALID_JSON.with("The webhook body is not a Cog prediction object."));
        Report report = WebhookBodies.report(prediction.toReport(), prediction.status(),
                "Cog's starting, processing, succeeded, failed, canceled");
        return new InboundWebhook(prediction.id(), report);
    }

    private URI baseUri() {
        return ProviderHttp.base(config.url().orElseThrow());
    }

    private URI predictionUri(String predictionId) {
        return baseUri().resolve("predictions/" + predictionId);
    }

    private URI cancelUri(String predictionId) {
        return URI.create(predictionUri(predictionId) + "/cancel");
    }

    /** The prediction of a 2xx answer; any other answer fails with its status and Cog's text for it. */
    private CogPrediction prediction(ProviderHttp.Answer answer) {
        if (!answer.ok()) {
            throw new HttpStatusException(answer, wire.errorText(answer.body()));
        }
        return wire.prediction(answer.body())
                .orElseThrow(() -> new InvalidAnswerException("Cog's answer is not a prediction object."));
    }
}
