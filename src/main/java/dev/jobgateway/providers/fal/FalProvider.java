package dev.jobgateway.providers.fal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.GatewayClock;
import dev.jobgateway.platform.GatewayConfig;
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
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * fal.ai's queue API. A job is a queue request to {@code {queue}/{model id}?fal_webhook=...}; its id is fal's
 * {@code request_id} (not {@code gateway_request_id}, which changes when fal retries internally). Its status, result
 * and cancel are at the URLs the submit answered, kept with the job ({@link FalUrls}); how their answers read is
 * {@link FalAnswers}. Like Replicate's, fal's submit has no idempotency key: only a 429 and a connection never made are
 * tried again.
 */
@ApplicationScoped
public class FalProvider implements WebhookReceiver {

    public static final String NAME = "fal";
    private static final Logger LOG = Logger.getLogger(FalProvider.class);
    private static final Pattern MODEL = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*");
    /**
     * The smallest {@code X-Fal-Request-Timeout} sent: fal's clients refuse 1 s or less (fal-js {@code headers.ts}
     * and {@code fal_client} {@code _headers.py}: {@code MIN_REQUEST_TIMEOUT_SECONDS = 1}, "must be greater than"),
     * and fal answers an invalid timeout header 400 {@code bad_request} (docs, request-errors).
     */
    static final long SMALLEST_START_TIMEOUT_SECONDS = 2;

    private final FalConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final URI base;
    private final FalKeys keys;
    private final FalWebhooks webhooks;
    private final GatewayClock clock;

    FalProvider(FalConfig config, GatewayConfig gateway, ProviderHttp http, ObjectMapper mapper, GatewayClock clock) {
        this.clock = clock;
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.base = ProviderHttp.base(config.url());
        if (configured() && config.webhookUserId().filter(id -> !id.isBlank()).isEmpty()) {
            throw new IllegalStateException("gateway.providers.fal.key is set but not "
                    + "gateway.providers.fal.webhook-user-id (GATEWAY_PROVIDERS_FAL_WEBHOOK_USER_ID): the fal user id "
                    + "its webhooks are signed for (X-Fal-Webhook-User-Id)");
        }
        URI jwks = URI.create(config.jwksUrl());
        this.keys = new FalKeys(() -> http.send("GET", jwks, ProviderHttp.jsonHeaders(null), null,
                config.requestTimeout()).map(answer -> {
                    if (!answer.ok()) {
                        throw new HttpStatusException(answer);
                    }
                    return answer.body();
                }), clock::now, config.jwksCacheTtl(), config.jwksMinRefetchInterval());
        this.webhooks = new FalWebhooks(keys, config.webhookUserId().orElse(""),
                gateway.webhooks().timestampTolerance(), mapper);
        config.defaultModel().ifPresent(FalProvider::checkModel);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured() {
        return config.key().filter(key -> !key.isBlank()).isPresent();
    }

    /**
     * A fal model id: {@code owner/alias} with an optional subpath ({@code fal-ai/flux/dev}); under a namespace
     * ({@code workflows/}, {@code comfy/}) {@code namespace/owner/alias[/subpath]}.
     */
    @Override
    public String route(String model) {
        if (model == null) {
            return config.defaultModel().orElseThrow(() -> ProblemType.INVALID_REQUEST.with("A fal job needs a "
                    + "'model' (its model id, e.g. fal-ai/flux/dev); no default is configured."));
        }
        checkModel(model);
        return model;
    }

    private static void checkModel(String model) {
        if (!MODEL.matcher(model).matches() || model.contains("..") || model.contains("/requests")
                || FalUrls.NAMESPACES.contains(model.split("/")[0]) && model.split("/").length < 3) {
            throw ProblemType.INVALID_REQUEST.with("'model' is not a fal model id: use owner/alias[/subpath], "
                    + "e.g. fal-ai/flux/dev, or workflows/owner/alias and comfy/owner/alias.");
        }
    }

    /** fal signs its webhooks: the URL carries no token. */
    @Override
    public boolean webhookUrlCarriesToken() {
        return false;
    }

    @Override
    public Uni<Handoff> submit(Order order) {
        URI uri = base.resolve(order.model() + "?fal_webhook=" + ProviderHttp.segment(order.webhookUrl()));
        byte[] body = order.input().toString().getBytes(StandardCharsets.UTF_8);
        AtomicReference<FalUrls> answered = new AtomicReference<>();
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> {
            Map<String, String> headers = ProviderHttp.jsonBodyHeaders(authorization());
            // The time the request may wait to start; past the job's deadline the gateway has failed it anyway.
            headers.put("X-Fal-Request-Timeout", Long.toString(startTimeoutSeconds(order.deadline(),
                    clock.now())));
            return http.send("POST", uri, headers, body, config.requestTimeout()).map(answer -> {
                JsonNode queued = json(answer);
                String requestId = queued.path("request_id").asText("");
                if (requestId.isBlank()) {
                    throw new InvalidAnswerException("fal accepted the job but returned no request_id.");
                }
                answered.set(FalUrls.answered(queued, base));
                return requestId;
            });
        }).map(handoff -> {
            FalUrls urls = answered.get();
            if (handoff.accepted() && urls == null) {
                LOG.infof("fal answered request %s without usable status/response/cancel URLs under %s; they will "
                        + "be built from the model id", handoff.externalId(), base);
            }
            return urls == null ? handoff : handoff.withHandle(urls.handle(mapper));
        });
    }

    /**
     * The seconds left until the deadline, rounded up, as {@code X-Fal-Request-Timeout}; never less than
     * {@link #SMALLEST_START_TIMEOUT_SECONDS}, a value fal takes (a job that close to its deadline may start up to a
     * second after it, which the gateway has then failed).
     */
    static long startTimeoutSeconds(Instant deadline, Instant now) {
        return Math.max(SMALLEST_START_TIMEOUT_SECONDS, (Duration.between(now, deadline).toMillis() + 999) / 1000);
    }

    /**
     * The request's status; once {@code COMPLETED}, its result too unless the status already says it failed
     * ({@link FalAnswers}).
     */
    @Override
    public Uni<Report> status(ProviderJob job) {
        FalUrls urls = urls(job);
        Map<String, String> headers = ProviderHttp.jsonHeaders(authorization());
        return http.send("GET", urls.status(), headers, null, config.requestTimeout())
                .chain(answer -> FalAnswers.status(json(answer)).map(Uni.createFrom()::item)
                        .orElseGet(() -> http.send("GET", urls.result(), headers, null, config.requestTimeout())
                                .map(result -> FalAnswers.result(result, ProviderJson.tree(mapper, result.body())))));
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.send(NAME, "fal", job.externalId(), () -> http.send("PUT", urls(job).cancel(),
                ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout()), this::statusWord);
    }

    /** The {@code status} word of a refused cancel's answer ({@code ALREADY_COMPLETED}, {@code NOT_FOUND}), if any. */
    private String statusWord(ProviderHttp.Answer answer) {
        JsonNode body = ProviderJson.tree(mapper, answer.body());
        return body != null && body.path("status").isTextual() ? " (" + body.get("status").asText() + ")" : "";
    }

    @Override
    public Duration longestCheck() {
        // Status, then the result once it is done.
        return config.requestTimeout().multipliedBy(2);
    }

    @Override
    public Uni<Arrival.Webhook> authenticate(WebhookRequest request) {
        return webhooks.authenticate(request);
    }

    @Override
    public InboundWebhook read(WebhookRequest request) {
        return webhooks.read(request);
    }

    /** Forgets fetched webhook keys, so the next webhook fetches them again (tests). */
    public void forgetWebhookKeys() {
        keys.forget();
    }

    /** The URLs the submit answered; for a job handed off before they were kept, built from its model id. */
    private FalUrls urls(ProviderJob job) {
        FalUrls kept = FalUrls.fromHandle(job.handle(), base, mapper);
        if (kept != null) {
            return kept;
        }
        String model = job.model() == null ? config.defaultModel().orElse("") : job.model();
        return FalUrls.built(base, model, job.externalId());
    }

    /** The JSON object of a 2xx answer; any other answer fails with its status (and fal's {@code detail}). */
    private JsonNode json(ProviderHttp.Answer answer) {
        return ProviderJson.objectTree(mapper, answer, "detail", "fal's answer is not a JSON object.");
    }

    private String authorization() {
        return "Key " + config.key().orElse("");
    }
}
