package dev.jobgateway.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import io.smallrye.mutiny.Uni;

/**
 * The AI server speaking the generic protocol. Submits are retried with exponential backoff and jitter on
 * connection errors, timeouts, 5xx and 429; any other 4xx is final. The outcome is a {@link Handoff}, never a
 * failure, so the caller can record it on the job.
 */
@ApplicationScoped
public class GenericAiServer {

    public static final String PROVIDER = "generic";
    private static final Logger LOG = Logger.getLogger(GenericAiServer.class);

    private final GatewayConfig.Generic config;
    private volatile GenericAiServerApi api;

    GenericAiServer(GatewayConfig config) {
        this.config = config.providers().generic();
    }

    /**
     * Hands the job to the AI server. Every attempt carries the job's id as its {@code Idempotency-Key}, so an AI
     * server that took an attempt whose answer was lost (a timeout) recognises the retry instead of starting a
     * second generation.
     */
    public Uni<Handoff> submit(String jobId, JsonNode input, String webhookUrl) {
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        Duration backoff = config.submitBackoff();
        return Uni.createFrom().deferred(() -> {
            attempts.incrementAndGet();
            return api().submit(jobId, new UpstreamSubmit(input, webhookUrl))
                    .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new);
        })
                .onFailure(GenericAiServer::isRetryable).retry()
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

    /**
     * Asks the AI server for a job's state (the fallback when webhooks do not come). Not retried here: the
     * caller's per-job check interval, doubled after each failure, is the retry policy. Fails on any error.
     */
    public Uni<UpstreamJob> status(String externalId) {
        return Uni.createFrom().deferred(() -> api().status(externalId))
                .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new);
    }

    /**
     * Asks the AI server to stop a job, once (a cancel is best effort: the job is already cancelled here). The
     * outcome is returned, never a failure.
     */
    public Uni<CancelAttempt> cancel(String externalId) {
        long started = System.nanoTime();
        return Uni.createFrom().deferred(() -> api().cancel(externalId))
                .ifNoItem().after(config.requestTimeout()).failWith(TimeoutException::new)
                .map(response -> new CancelAttempt(true, response.getStatus(), elapsedMs(started),
                        "The AI server accepted the cancel."))
                .onFailure().recoverWithItem(failure -> {
                    LOG.infof("Cancel of %s at the AI server failed: %s", externalId, describe(failure));
                    Integer status = failure instanceof WebApplicationException wae ? wae.getResponse().getStatus()
                            : null;
                    return new CancelAttempt(false, status, elapsedMs(started), describe(failure));
                });
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
    public static String describe(Throwable failure) {
        if (failure instanceof WebApplicationException wae) {
            return "The AI server answered HTTP " + wae.getResponse().getStatus() + ".";
        }
        if (failure instanceof TimeoutException) {
            return "The AI server did not answer in time.";
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return "The AI server could not be reached (" + root.getClass().getSimpleName() + ").";
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }
}
