package dev.jobgateway.providers.generic;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.CancelAttempt;
import dev.jobgateway.providers.Handoff;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.Order;
import dev.jobgateway.providers.Provider;
import dev.jobgateway.providers.ProviderCallException;
import dev.jobgateway.providers.ProviderJob;
import dev.jobgateway.providers.WebhookRequest;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * The AI server speaking the generic protocol (SPEC.md). Submits are retried with exponential backoff and jitter on
 * connection errors, timeouts, 5xx and 429, which is safe because every attempt carries the job's id as its
 * {@code Idempotency-Key}; any other 4xx is final. Webhooks are Standard Webhooks signed, or carry the per-job token,
 * as {@code gateway.providers.generic.webhook-auth} says.
 */
@ApplicationScoped
public class GenericProvider implements Provider {

    public static final String NAME = "generic";
    private static final Logger LOG = Logger.getLogger(GenericProvider.class);

    private final GatewayConfig.Generic config;
    private final GenericWebhooks webhooks;
    private volatile GenericAiServerApi api;

    GenericProvider(GatewayConfig config, GenericWebhooks webhooks) {
        this.config = config.providers().generic();
        this.webhooks = webhooks;
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
            throw ProblemType.INVALID_REQUEST.with("The generic provider takes no 'model': the AI server decides.");
        }
        return null;
    }

    /** The per-job URL, with the job's token for AI servers that cannot sign. */
    @Override
    public String webhookUrl(String publicBaseUrl, String jobId, String token) {
        return publicBaseUrl + "/webhooks/" + NAME + "/" + jobId + "?token=" + token;
    }

    /**
     * Hands the job to the AI server. Every attempt carries the job's id as its {@code Idempotency-Key}, so an AI
     * server that took an attempt whose answer was lost (a timeout) recognises the retry instead of starting a
     * second generation.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        Duration backoff = config.submitBackoff();
        return Uni.createFrom().deferred(() -> {
            attempts.incrementAndGet();
            return api().submit(order.jobId(), new UpstreamSubmit(order.input(), order.webhookUrl()))
                    .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new);
        })
                .onFailure(GenericProvider::isRetryable).retry()
                .withBackOff(backoff, backoff.multipliedBy(16)).withJitter(0.2)
                .atMost(Math.max(0, config.submitAttempts() - 1))
                .map(answer -> {
                    long latency = elapsedMs(started);
                    if (answer == null || answer.id() == null || answer.id().isBlank()) {
                        return new Handoff(null, attempts.get(), latency, "ai_server_invalid_response",
                                "The AI server accepted the job but returned no id.");
                    }
                    return new Handoff(answer.id(), attempts.get(), latency, null, null);
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Hand-off to the AI server failed after %d attempt(s): %s", attempts.get(),
                            describe(failure));
                    return new Handoff(null, attempts.get(), elapsedMs(started), errorCode(failure),
                            describe(failure));
                });
    }

    /** {@code GET {ai}/jobs/{external id}}; an unknown status is a failed check, not a report. */
    @Override
    public Uni<Report> status(ProviderJob job) {
        return Uni.createFrom().deferred(() -> api().status(job.externalId()))
                .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new)
                .onFailure().transform(failure -> new ProviderCallException(describe(failure)))
                .map(answer -> answer.toReport().orElseThrow(() -> new ProviderCallException(
                        "The AI server answered an unknown status '" + answer.status() + "'.")));
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        long started = System.nanoTime();
        return Uni.createFrom().deferred(() -> api().cancel(job.externalId()))
                .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new)
                .map(response -> new CancelAttempt(true, response.getStatus(), elapsedMs(started),
                        "The AI server accepted the cancel."))
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("Cancel of %s at the AI server failed: %s", job.externalId(), describe(failure));
                    Integer status = failure instanceof WebApplicationException wae ? wae.getResponse().getStatus()
                            : null;
                    return new CancelAttempt(false, status, elapsedMs(started), describe(failure));
                });
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

    private GenericAiServerApi api() {
        GenericAiServerApi current = api;
        if (current == null) {
            String url = config.url().orElseThrow(() -> new IllegalStateException(
                    "gateway.providers.generic.url (GATEWAY_PROVIDERS_GENERIC_URL) is not set"));
            current = QuarkusRestClientBuilder.newBuilder()
                    .baseUri(URI.create(url))
                    .connectTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .readTimeout(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
                    .build(GenericAiServerApi.class);
            api = current;
        }
        return current;
    }

    static boolean isRetryable(Throwable failure) {
        if (failure instanceof WebApplicationException wae) {
            int status = wae.getResponse().getStatus();
            return status >= 500 || status == 429;
        }
        return failure instanceof ProcessingException || failure instanceof TimeoutException
                || failure instanceof java.io.IOException;
    }

    private static String errorCode(Throwable failure) {
        if (failure instanceof WebApplicationException wae) {
            int status = wae.getResponse().getStatus();
            return status >= 500 || status == 429 ? "ai_server_error" : "ai_server_rejected";
        }
        if (isRetryable(failure)) {
            return "ai_server_unreachable";
        }
        return "ai_server_invalid_response";
    }

    /** A short, secret-free description of why a call to the AI server failed, for logs and the timeline. */
    static String describe(Throwable failure) {
        if (failure instanceof WebApplicationException wae) {
            return "The AI server answered HTTP " + wae.getResponse().getStatus() + ".";
        }
        return ProviderCallException.describe(failure);
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
