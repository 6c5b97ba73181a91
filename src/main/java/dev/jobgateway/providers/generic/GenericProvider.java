package dev.jobgateway.providers.generic;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.jobgateway.providers.WebhookReceiver;
import dev.jobgateway.providers.WebhookRequest;
import io.smallrye.mutiny.Uni;

/**
 * The AI server speaking the generic protocol (SPEC.md): {@code POST {url}/jobs}, {@code GET {url}/jobs/{id}},
 * {@code POST {url}/jobs/{id}/cancel}. Every submit attempt carries the job's id as its {@code Idempotency-Key}, so
 * connection errors, timeouts, 5xx, 409 and 429 are retried, with backoff and jitter or after the answer's
 * {@code Retry-After}; any other 4xx is final. Webhooks are Standard Webhooks signed, or carry the per-job token, as
 * {@code gateway.providers.generic.webhook-auth} says.
 */
@ApplicationScoped
public class GenericProvider implements WebhookReceiver {

    public static final String NAME = "generic";
    private static final String AI_SERVER = "The AI server";

    private final GenericConfig config;
    private final ProviderHttp http;
    private final ObjectMapper mapper;
    private final GenericWebhooks webhooks;
    private final URI base;

    GenericProvider(GenericConfig config, ProviderHttp http, ObjectMapper mapper, GenericWebhooks webhooks) {
        this.config = config;
        this.http = http;
        this.mapper = mapper;
        this.webhooks = webhooks;
        this.base = ProviderHttp.base(config.url().orElse("http://generic.invalid"));
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
        return Provider.noModel(model, "The generic provider takes no 'model': the AI server decides.");
    }

    /**
     * Hands the job to the AI server. Every attempt carries the job's id as its {@code Idempotency-Key}, so an AI
     * server that took an attempt whose answer was lost (a timeout) recognises the retry instead of starting a
     * second generation.
     */
    @Override
    public Uni<Handoff> submit(Order order) {
        ObjectNode body = mapper.createObjectNode();
        body.set("input", order.input());
        body.put("webhook_url", order.webhookUrl());
        byte[] bytes = ProviderJson.bytes(mapper, body);
        return CreateAttempts.run(NAME, config.submitRetries(), Idempotency.IDEMPOTENT, () -> {
            Map<String, String> headers = ProviderHttp.jsonBodyHeaders(null);
            headers.put("Idempotency-Key", order.jobId());
            return http.send("POST", base.resolve("jobs"), headers, bytes, config.requestTimeout()).map(answer -> {
                UpstreamJob job = upstreamJob(answer);
                if (job.id() == null || job.id().isBlank()) {
                    throw new InvalidAnswerException("The AI server accepted the job but returned no id.");
                }
                return job.id();
            });
        });
    }

    /** {@code GET {ai}/jobs/{external id}}; an unknown status is a failed check, not a report. */
    @Override
    public Uni<Report> status(ProviderJob job) {
        return http.send("GET", jobUri(job, ""), ProviderHttp.jsonHeaders(null), null, config.requestTimeout())
                .map(answer -> {
                    UpstreamJob known = upstreamJob(answer);
                    return known.toReport().orElseThrow(() -> ProviderCallException.unknownStatus(AI_SERVER,
                            known.status()));
                });
    }

    @Override
    public Uni<CancelAttempt> cancel(ProviderJob job) {
        return Cancels.send(NAME, AI_SERVER, job.externalId(), () -> http.send("POST", jobUri(job, "/cancel"),
                ProviderHttp.jsonHeaders(null), null, config.requestTimeout()));
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

    private URI jobUri(ProviderJob job, String then) {
        return base.resolve("jobs/" + ProviderHttp.segment(job.externalId()) + then);
    }

    /** The job of a 2xx answer; any other answer fails with its status (and the body's {@code error}, if any). */
    private UpstreamJob upstreamJob(ProviderHttp.Answer answer) {
        return ProviderJson.object(mapper, answer, UpstreamJob.class, "error",
                "The AI server's answer is not a job object.");
    }
}
