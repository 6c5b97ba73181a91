package dev.jobgateway.providers.replicate;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
 * Replicate's predictions API. A job becomes a prediction created with the job's webhook URL and events filter, and
 * {@code Cancel-After} set to the time left until the job's deadline, so Replicate stops (or aborts, unbilled) what
 * the gateway will have failed anyway. Creates carry no idempotency key (Replicate has none): only a 429 (after its
 * {@code Retry-After}) and a connection never made are tried again; a timeout or a 5xx fails the hand-off with
 * {@code ai_server_outcome_unknown} / {@code ai_server_error} rather than risk a second, billed prediction (see
 * docs/providers.md).
 */
@ApplicationScoped
public class ReplicateProvider implements WebhookReceiver {

    public static final String NAME = "replicate";
    private static final Pattern VERSION_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern MODEL = Pattern.compile("([A-Za-z0-9][A-Za-z0-9_.-]*)/([A-Za-z0-9][A-Za-z0-9_.-]*)");
    private static final Pattern MODEL_VERSION = Pattern.compile(
            "[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*:[0-9a-f]{64}");
    /** Replicate's floor for {@code Cancel-After}. */
    static final long MIN_CANCEL_AFTER_SECONDS = 5;

    private final ReplicateConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final ReplicateWebhooks webhooks;
    private final URI base;
    private final GatewayClock clock;

    ReplicateProvider(ReplicateConfig config, GatewayConfig gateway, ProviderHttp http, ObjectMapper mapper,
            GatewayClock clock) {
        this.clock = clock;
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.base = ProviderHttp.base(config.url());
        List<String> secrets = config.webhookSecrets().orElse(List.of());
        if (configured() && secrets.isEmpty()) {
            throw new IllegalStateException("gateway.providers.replicate.api-token is set but not "
                    + "gateway.providers.replicate.webhook-secrets (GATEWAY_PROVIDERS_REPLICATE_WEBHOOK_SECRETS): "
                    + "the account's signing secret, from GET /v1/webhooks/default/secret");
        }
        this.webhooks = secrets.isEmpty() ? null
                : new ReplicateWebhooks(secrets, gateway.webhooks().timestampTolerance(), mapper);
        config.defaultModel().ifPresent(ReplicateProvider::checkModel);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean configured() {
        return config.apiToken().filter(token -> !token.isBlank()).isPresent();
    }

    /** {@code owner/name} (an official model's latest), {@code owner/name:<version>} or a 64-hex version id. */
    @Override
    public String route(String model) {
        if (model == null) {
            return config.defaultModel().orElseThrow(() -> ProblemType.INVALID_REQUEST.with("A Replicate job needs "
                    + "a 'model': owner/name, owner/name:<version id> or a version id (no default is configured)."));
        }
        checkModel(model);
        return model;
    }

    private static void checkModel(String model) {
        if (!VERSION_ID.matcher(model).matches() && !MODEL.matcher(model).matches()
                && !MODEL_VERSION.matcher(model).matches()) {
            throw ProblemType.INVALID_REQUEST.with("'model' is not a Replicate model: use owner/name, "
                    + "owner/name:<64-hex version id> or a 64-hex version id.");
        }
    }

    /** Replicate signs its webhooks: the URL carries no token. */
    @Override
    public boolean webhookUrlCarriesToken() {
        return false;
    }

    @Override
    public Uni<Handoff> submit(Order order) {
        var modelOnly = MODEL.matcher(order.model());
        ObjectNode body = mapper.createObjectNode();
        String path;
        if (modelOnly.matches()) {
            // An official model, run at its latest version: the version lives in the path.
            path = "v1/models/" + modelOnly.group(1) + "/" + modelOnly.group(2) + "/predictions";
        } else {
            path = "v1/predictions";
            body.put("version", order.model());
        }
        body.set("input", order.input());
        body.put("webhook", order.webhookUrl());
        body.set("webhook_events_filter", mapper.valueToTree(config.webhookEvents()));
        byte[] bytes = ProviderJson.bytes(mapper, body);
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.NOT_IDEMPOTENT, () -> {
            Map<String, String> headers = ProviderHttp.jsonBodyHeaders(authorization());
            headers.put("Cancel-After", cancelAfter(order.deadline(), clock.now()));
            return http.send("POST", base.resolve(path), headers, bytes, config.requestTimeout())
                    .map(answer -> {
                        Prediction prediction = prediction(answer);
                        if (prediction.id() == null || prediction.id().isBlank()) {
                            throw new InvalidAnswerException(
                                    "Replicate accepted the job but returned no prediction id.");
                        }
                        return prediction.id();
                    });
        });
    }

    /** {@code Cancel-After}: the seconds left until the job's deadline, at least Replicate's minimum of 5 s. */
    static String cancelAfter(Instant deadline, Instant now) {
        long millis = Duration.between(now, deadline).toMillis();
        long seconds = Math.max(MIN_CANCEL_AFTER_SECONDS, (millis + 999) / 1000);
        return seconds + "s";
    }

    @Override
    public Uni<Report> status(ProviderJob job) {
        return http.send("GET", base.resolve("v1/predictions/" + job.externalId()),
                ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout())
                .map(answer -> {
                    Prediction prediction = prediction(answer);
                    return prediction.toReport().orElseThrow(() -> ProviderCallException.unknownStatus("Replicate",
                            prediction.status()));
                });
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.send(NAME, "Replicate", job.externalId(), () -> http.send("POST",
                base.resolve("v1/predictions/" + job.externalId() + "/cancel"),
                ProviderHttp.jsonHeaders(authorization()), null, config.requestTimeout()));
    }

    @Override
    public Duration longestCheck() {
        return config.requestTimeout();
    }

    @Override
    public Uni<Arrival.Webhook> authenticate(WebhookRequest request) {
        return Uni.createFrom().item(() -> webhooks.authenticate(request));
    }

    @Override
    public InboundWebhook read(WebhookRequest request) {
        return webhooks.read(request);
    }

    private String authorization() {
        return "Bearer " + config.apiToken().orElse("");
    }

    /** The prediction of a 2xx answer; any other answer fails with its status. */
    private Prediction prediction(ProviderHttp.Answer answer) {
        return ProviderJson.object(mapper, answer, Prediction.class, "detail",
                "Replicate's answer is not a prediction object.");
    }

}
