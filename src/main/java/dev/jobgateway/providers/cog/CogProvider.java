package dev.jobgateway.providers.cog;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.CreateAttempts.InvalidAnswerException;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.HttpStatusException;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderHttp;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.ProviderJson;
import dev.jobgateway.providers.TokenWebhooks;
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
public class CogProvider implements Provider {

    public static final String NAME = "cog";
    private static final Logger LOG = Logger.getLogger(CogProvider.class);

    private final GatewayConfig.Cog config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final ObjectReader webhookReader;

    CogProvider(GatewayConfig config, ProviderHttp http, ObjectMapper mapper) {
        this.config = config.providers().cog();
        this.http = http;
        this.mapper = mapper;
        this.webhookReader = mapper.readerFor(CogPrediction.class)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
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
        if (model != null) {
            throw ProblemType.INVALID_REQUEST.with("The cog provider takes no 'model': the Cog server runs one model.");
        }
        return null;
    }

    @Override
    public String webhookUrl(String publicBaseUrl, String jobId, String token) {
        return publicBaseUrl + "/webhooks/" + NAME + "/" + jobId + "?token=" + token;
    }

    /**
     * The idempotent {@code PUT}, retried with exponential backoff on anything but a 4xx other than 409 and 429:
     * each attempt names the same prediction, so none can start a second generation.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("input", order.input());
        body.put("webhook", order.webhookUrl());
        body.set("webhook_events_filter", mapper.valueToTree(config.webhookEvents()));
        byte[] bytes = ProviderJson.bytes(mapper, body);
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        return attempt(order.jobId(), bytes, attempts)
                .map(externalId -> new Handoff(externalId, attempts.get(), elapsedMs(started), null, null))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Hand-off to Cog failed after %d attempt(s): %s", attempts.get(),
                            ProviderCallException.describe(failure));
                    return new Handoff(null, attempts.get(), elapsedMs(started), errorCode(failure),
                            message(failure));
                });
    }

    private Uni<String> attempt(String jobId, byte[] body, AtomicInteger attempts) {
        int attempt = attempts.incrementAndGet();
        return Uni.createFrom().deferred(() -> put(jobId, body)).map(prediction -> {
            if (prediction.id() != null && !prediction.id().equals(jobId)) {
                throw new InvalidAnswerException("Cog answered for another prediction than the one put.");
            }
            return jobId;
        }).onFailure(failure -> retryable(failure) && attempt < config.submitAttempts()).recoverWithUni(failure -> {
            Duration pause = config.submitBackoff().multipliedBy(1L << Math.min(attempt - 1, 10));
            return Uni.createFrom().voidItem().onItem().delayIt().by(pause)
                    .chain(() -> attempt(jobId, body, attempts));
        });
    }

    private static boolean retryable(Throwable failure) {
        if (failure instanceof HttpStatusException status) {
            return status.status() == 409 || status.status() == 429 || status.status() >= 500;
        }
        return !(failure instanceof InvalidAnswerException);
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
                () -> new ProviderCallException("Cog answered an unknown status '" + shown(prediction.status())
                        + "'.")));
    }

    private Uni<CogPrediction> put(String predictionId, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        headers.put("Prefer", "respond-async");
        return http.send("PUT", predictionUri(predictionId), headers, body, config.requestTimeout())
                .map(this::prediction);
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        long started = System.nanoTime();
        return http.send("POST", URI.create(predictionUri(job.jobId()) + "/cancel"), Map.of(), null,
                config.requestTimeout())
                .map(answer -> answer.ok()
                        ? new CancelAttempt(true, answer.status(), elapsedMs(started), "Cog accepted the cancel.")
                        : new CancelAttempt(false, answer.status(), elapsedMs(started),
                                "Cog answered HTTP " + answer.status() + "."))
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("Cancel of Cog prediction %s failed: %s", job.jobId(),
                            ProviderCallException.describe(failure));
                    return new CancelAttempt(false, null, elapsedMs(started), ProviderCallException.describe(failure));
                });
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
        CogPrediction prediction;
        try {
            prediction = webhookReader.readValue(request.body());
            if (prediction == null) {
                throw new IOException("empty");
            }
        } catch (IOException e) {
            throw ProblemType.INVALID_JSON.with("The webhook body is not a Cog prediction object.");
        }
        CogPrediction read = prediction;
        Report report = read.toReport().orElseThrow(() -> ProblemType.UNKNOWN_STATUS.with("Status '"
                + shown(read.status()) + "' is not one of Cog's starting, processing, succeeded, failed, canceled."));
        return new InboundWebhook(read.id(), report);
    }

    private URI predictionUri(String predictionId) {
        String url = config.url().orElseThrow();
        return URI.create((url.endsWith("/") ? url : url + "/") + "predictions/" + predictionId);
    }

    private static String errorCode(Throwable failure) {
        if (failure instanceof HttpStatusException status) {
            int code = status.status();
            return code == 409 || code == 429 ? "ai_server_throttled"
                    : code >= 500 ? "ai_server_error" : "ai_server_rejected";
        }
        if (failure instanceof InvalidAnswerException) {
            return "ai_server_invalid_response";
        }
        return "ai_server_unreachable";
    }

    private static String message(Throwable failure) {
        if (failure instanceof HttpStatusException status && status.status() == 409) {
            return "Every slot of the Cog server stayed busy (HTTP 409) through all attempts.";
        }
        return ProviderCallException.describe(failure);
    }

    private static String shown(String status) {
        return status == null ? "" : status.length() > 40 ? status.substring(0, 40) + "..." : status;
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    /** The prediction of a 2xx answer; any other answer fails with its status. */
    private CogPrediction prediction(ProviderHttp.Answer answer) {
        return ProviderJson.object(mapper, answer, CogPrediction.class, "detail",
                "Cog's answer is not a prediction object.");
    }

}
