package dev.jobgateway.providers.cog;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Cancels;
import dev.jobgateway.providers.CreateAttempts;
import dev.jobgateway.providers.CreateAttempts.Idempotency;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.TokenWebhooks;
import dev.jobgateway.providers.WebhookBodies;
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * A self-hosted Cog server. A job is {@code PUT /predictions/{gateway job id}} with {@code Prefer: respond-async},
 * the per-job webhook URL and the events filter. The gateway's own id makes the call idempotent: a retried
 * {@code PUT} attaches to the prediction instead of starting a second one, so every failure is retried, the
 * {@code 409} of a server whose slots are all busy included. Cog has no {@code GET} of a prediction: the fallback
 * re-issues the same {@code PUT} and reads the current state it answers. Webhooks are unsigned: the per-job URL
 * token, and, when the server sets {@code WEBHOOK_AUTH_TOKEN}, its {@code Authorization: Bearer}.
 */
@ApplicationScoped
public class CogProvider implements WebhookReceiver {

    public static final String NAME = "cog";

    private final CogConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final ObjectReader webhookReader;

    CogProvider(CogConfig config, ProviderHttp http, ObjectMapper mapper) {
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.webhookReader = WebhookBodies.reader(mapper, CogPrediction.class);
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
     * The idempotent {@code PUT}, retried on anything but a 4xx other than 409 and 429 and an answer that cannot be
     * read: each attempt names the same prediction, so none can start a second generation.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("input", order.input());
        body.put("webhook", order.webhookUrl());
        body.set("webhook_events_filter", mapper.valueToTree(config.webhookEvents()));
        byte[] bytes = ProviderJson.bytes(mapper, body);
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.IDEMPOTENT, () -> put(order.jobId(),
                bytes).map(prediction -> {
                    if (prediction.id() != null && !prediction.id().equals(order.jobId())) {
                        throw new InvalidAnswerException("Cog answered for another prediction than the one put.");
                    }
                    return order.jobId();
                }));
    }

    /**
     * Re-issues the job's {@code PUT} (its input, no webhook: the gateway keeps only the webhook token's digest) and
     * reads the state Cog answers with. The fallback's only way to learn about a prediction whose webhook was lost.
     */
    @Override
    public Uni<Report> status(ProviderJob job) {
        ObjectNode body = mapper.createObjectNode();
        try {
            body.set("input", job.inputJson() == null ? mapper.createObjectNode() : mapper.readTree(job.inputJson()));
        } catch (IOException e) {
            return Uni.createFrom().failure(new ProviderCallException("The job's stored input is not JSON."));
        }
        return put(job.jobId(), ProviderJson.bytes(mapper, body)).map(prediction -> prediction.toReport().orElseThrow(
                () -> ProviderCallException.unknownStatus("Cog", prediction.status())));
    }

    private Uni<CogPrediction> put(String predictionId, byte[] body) {
        Map<String, String> headers = ProviderHttp.jsonBodyHeaders(null);
        headers.put("Prefer", "respond-async");
        return http.send("PUT", predictionUri(predictionId), headers, body, config.requestTimeout())
                .map(this::prediction);
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.send(NAME, "Cog", job.jobId(), () -> http.send("POST",
                URI.create(predictionUri(job.jobId()) + "/cancel"), Map.of(), null, config.requestTimeout()));
    }

    @Override
    public Duration longestCheck() {
        return config.requestTimeout();
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
        CogPrediction prediction = WebhookBodies.read(webhookReader, request.body(), "a Cog prediction object");
        Report report = WebhookBodies.report(prediction.toReport(), prediction.status(),
                "Cog's starting, processing, succeeded, failed, canceled");
        return new InboundWebhook(prediction.id(), report);
    }

    private URI predictionUri(String predictionId) {
        return ProviderHttp.base(config.url().orElseThrow()).resolve("predictions/" + predictionId);
    }

    /** The prediction of a 2xx answer; any other answer fails with its status. */
    private CogPrediction prediction(ProviderHttp.Answer answer) {
        return ProviderJson.object(mapper, answer, CogPrediction.class, "detail",
                "Cog's answer is not a prediction object.");
    }
}
