package dev.jobgateway.providers.fal;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Cancels;
import dev.jobgateway.providers.CreateAttempts;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * fal.ai's queue API. A job is a queue request to {@code {queue}/{model id}?fal_webhook=...}; its id is fal's
 * {@code request_id} (not {@code gateway_request_id}, which changes when fal retries internally). Status, result and
 * cancel live under the model's app, the model id without its subpath ({@code fal-ai/flux/dev} → {@code fal-ai/flux}).
 * Like Replicate's, fal's submit has no idempotency key: only a 429 and a connection never made are tried again.
 */
@ApplicationScoped
public class FalProvider implements WebhookReceiver {

    public static final String NAME = "fal";
    private static final Pattern MODEL = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*");

    private final FalConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final URI base;
    private final FalKeys keys;
    private final FalWebhooks webhooks;

    FalProvider(FalConfig config, GatewayConfig gateway, ProviderHttp http, ObjectMapper mapper) {
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
                }), Timestamps::now, config.jwksCacheTtl(), config.jwksMinRefetchInterval());
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

    /** A fal model id: {@code owner/alias} with an optional subpath ({@code fal-ai/flux/dev}). */
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
        if (!MODEL.matcher(model).matches() || model.contains("..") || model.contains("/requests")) {
            throw ProblemType.INVALID_REQUEST.with("'model' is not a fal model id: use owner/alias[/subpath], "
                    + "e.g. fal-ai/flux/dev.");
        }
    }

    /** The app of a model id, where its requests' status, result and cancel live: the subpath dropped. */
    static String app(String model) {
        String[] parts = model.split("/");
        return parts[0] + "/" + parts[1];
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
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> {
            Map<String, String> headers = ProviderHttp.jsonBodyHeaders(authorization());
            // The time the request may wait to start; past the job's deadline the gateway has failed it anyway.
            headers.put("X-Fal-Request-Timeout", Long.toString(secondsUntil(order.deadline(), Timestamps.now())));
            return http.send("POST", uri, headers, body, config.requestTimeout()).map(answer -> {
                JsonNode queued = json(answer);
                String requestId = queued.path("request_id").asText("");
                if (requestId.isBlank()) {
                    throw new InvalidAnswerException("fal accepted the job but returned no request_id.");
                }
                return requestId;
            });
        });
    }

    static long secondsUntil(Instant deadline, Instant now) {
        return Math.max(1, (Duration.between(now, deadline).toMillis() + 999) / 1000);
    }

    /**
     * The request's status; once {@code COMPLETED}, its result too (the status does not tell success from failure):
     * a result is a success, an error answer that fal marks as the request's own ({@code X-Fal-Error-Type} or
     * {@code error_type}) a failure, anything else a check without an answer.
     */
    @Override
    public Uni<Report> status(ProviderJob job) {
        URI requests = requests(job);
        return http.send("GET", requests.resolve(job.externalId() + "/status"),
                ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout())
                .chain(answer -> {
                    JsonNode status = json(answer);
                    String word = status.path("status").asText("");
                    return switch (word) {
                        case "IN_QUEUE" -> Uni.createFrom().item(new Report(JobStatus.QUEUED, word, null, null, null,
                                null, status.path("queue_position").canConvertToInt()
                                        ? status.get("queue_position").asInt()
                                        : null));
                        case "IN_PROGRESS" -> Uni.createFrom().item(new Report(JobStatus.RUNNING, word, null, null,
                                null));
                        case "COMPLETED" -> result(requests.resolve(job.externalId()));
                        // Not in fal's documentation of the status endpoint; read the way their names say.
                        case "FAILED", "ERROR" -> Uni.createFrom().item(new Report(JobStatus.FAILED, word, null, null,
                                FalWebhooks.errorMessage(status)));
                        case "CANCELED", "CANCELLED" -> Uni.createFrom().item(new Report(JobStatus.CANCELLED, word,
                                null, null, null));
                        default -> Uni.createFrom().failure(ProviderCallException.unknownStatus("fal", word));
                    };
                });
    }

    private Uni<Report> result(URI uri) {
        return http.send("GET", uri, ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout())
                .map(answer -> {
                    JsonNode body = ProviderJson.tree(mapper, answer.body());
                    if (answer.ok()) {
                        if (body == null && answer.body().length > 0) {
                            return new Report(JobStatus.FAILED, "COMPLETED", null, null,
                                    "fal finished the request, but "
                                            + "its result is not JSON.",
                                    "payload_error", null);
                        }
                        return new Report(JobStatus.SUCCEEDED, "COMPLETED", 1.0, body == null ? null : body.toString(),
                                null);
                    }
                    String errorType = answer.header("X-Fal-Error-Type") != null ? answer.header("X-Fal-Error-Type")
                            : body != null && body.path("error_type").isTextual() ? body.get("error_type").asText()
                                    : null;
                    if (errorType == null) {
                        // Not the request's own error: fal could not answer now; the next check asks again.
                        throw new HttpStatusException(answer);
                    }
                    return new Report(JobStatus.FAILED, "COMPLETED", null, null, withDetail("fal reported the request "
                            + "failed (" + shorten(errorType) + ", HTTP " + answer.status() + ")", body));
                });
    }

    /** {@code prefix} and an error answer's {@code detail} (a string, or validation messages: the first one). */
    static String withDetail(String prefix, JsonNode error) {
        JsonNode detail = error == null ? null : error.get("detail");
        if (detail != null && detail.isArray() && detail.size() > 0 && detail.get(0).path("msg").isTextual()) {
            return prefix + ": " + shorten(detail.get(0).get("msg").asText());
        }
        if (detail != null && detail.isTextual()) {
            return prefix + ": " + shorten(detail.asText());
        }
        return prefix + ".";
    }

    private static String shorten(String text) {
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.send(NAME, "fal", job.externalId(), () -> http.send("PUT",
                requests(job).resolve(job.externalId() + "/cancel"), ProviderHttp.jsonHeaders(authorization()), null,
                config.requestTimeout()), this::statusWord);
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

    private URI requests(ProviderJob job) {
        String model = job.model() == null ? config.defaultModel().orElse("") : job.model();
        return base.resolve(app(model) + "/requests/");
    }

    /** The JSON object of a 2xx answer; any other answer fails with its status (and fal's {@code detail}). */
    private JsonNode json(ProviderHttp.Answer answer) {
        return ProviderJson.objectTree(mapper, answer, "detail", "fal's answer is not a JSON object.");
    }

    private String authorization() {
        return "Key " + config.key().orElse("");
    }
}
