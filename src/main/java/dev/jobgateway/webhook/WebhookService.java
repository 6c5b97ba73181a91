package dev.jobgateway.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.jobgateway.job.Job;
import dev.jobgateway.job.JobJson;
import dev.jobgateway.job.JobStatus;
import dev.jobgateway.job.JobStore;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.Transition;
import dev.jobgateway.job.TransitionResult;
import dev.jobgateway.job.Via;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.GatewayConfig.WebhookAuth;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.JobLogContext;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.UpstreamJob;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * Authenticates a webhook (signature or per-job token, as configured), then turns it into a transition of its
 * job. Nothing about a webhook that fails authentication reaches Redis.
 */
@Startup
@ApplicationScoped
public class WebhookService {

    private static final Logger LOG = Logger.getLogger(WebhookService.class);

    private final JobStore store;
    private final JobJson json;
    private final ObjectReader payloadReader;
    private final WebhookAuth auth;
    private final Optional<StandardWebhook> signatures;
    private final int maxBodyBytes;
    private final Duration unmappedTtl;

    WebhookService(JobStore store, JobJson json, ObjectMapper mapper, GatewayConfig config) {
        this.store = store;
        this.json = json;
        this.payloadReader = mapper.readerFor(UpstreamJob.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        GatewayConfig.Generic generic = config.providers().generic();
        this.auth = generic.webhookAuth();
        List<String> secrets = generic.webhookSecrets().orElse(List.of());
        if (auth == WebhookAuth.SIGNATURE && secrets.isEmpty()) {
            throw new IllegalStateException("gateway.providers.generic.webhook-auth=signature needs "
                    + "gateway.providers.generic.webhook-secrets (GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS)");
        }
        this.signatures = secrets.isEmpty() ? Optional.empty()
                : Optional.of(new StandardWebhook(secrets, config.webhooks().timestampTolerance()));
        this.maxBodyBytes = config.limits().maxBodyBytes();
        this.unmappedTtl = config.webhooks().unmappedTtl();
    }

    public Uni<WebhookOutcome> receive(String provider, String pathJobId, String token, HttpHeaders headers,
            byte[] body) {
        if (!GenericAiServer.PROVIDER.equals(provider)) {
            return fail(ApiException.notFound("unknown-provider", "Unknown provider",
                    "No webhook provider named '" + provider + "'."));
        }
        if (body != null && body.length > maxBodyBytes) {
            return fail(new ApiException(413, "body-too-large", "Request body too large",
                    "Webhook bodies are limited to " + maxBodyBytes + " bytes."));
        }
        if (pathJobId != null && !Ids.isJobId(pathJobId)) {
            return fail(ApiException.jobNotFound(pathJobId));
        }
        byte[] raw = body == null ? new byte[0] : body;
        Instant receivedAt = Timestamps.now();
        String webhookId = StandardWebhook.header(headers::getHeaderString, StandardWebhook.ID_HEADER);
        String timestamp = StandardWebhook.header(headers::getHeaderString, StandardWebhook.TIMESTAMP_HEADER);
        String signature = StandardWebhook.header(headers::getHeaderString, StandardWebhook.SIGNATURE_HEADER);

        String signatureFailure = checkSignature(webhookId, timestamp, signature, raw, receivedAt);
        boolean signed = signatureFailure == null;
        if (!signed && auth == WebhookAuth.SIGNATURE) {
            return fail(unauthorized(signatureFailure));
        }
        if (!signed && token == null) {
            return fail(unauthorized(auth == WebhookAuth.TOKEN ? "missing token" : signatureFailure));
        }
        if (!signed && pathJobId == null) {
            return fail(unauthorized("a token is only accepted on /webhooks/{provider}/{jobId}"));
        }
        UpstreamJob payload = parse(raw);
        Optional<JobStatus> target = JobStatus.fromWire(payload.status());
        if (target.isEmpty()) {
            return fail(ApiException.unprocessable("unknown-status", "Unknown status",
                    "Status '" + payload.status() + "' is not one of queued, running, succeeded, failed, cancelled."));
        }
        if (payload.progress() != null && (payload.progress() < 0 || payload.progress() > 1)) {
            return fail(ApiException.unprocessable("invalid-progress", "Invalid progress",
                    "progress must be between 0 and 1."));
        }
        ObjectNode event = json.object()
                .put("webhook_id", webhookId)
                .put("sender_timestamp", timestamp)
                .put("authenticated_by", signed ? "signature" : "token")
                .put("status", payload.status());
        if (payload.progress() != null) {
            event.put("progress", payload.progress());
        }
        Long lagMs = deliveryLagMs(timestamp, receivedAt);
        if (lagMs != null) {
            event.put("delivery_lag_ms", lagMs);
        }
        Transition change = new Transition(target.get(), payload.progress(),
                payload.output() == null || payload.output().isNull() ? null : json.write(payload.output()),
                target.get() == JobStatus.FAILED ? Job.JobError.fromAiServer(payload.errorMessage()) : null,
                Via.WEBHOOK, "webhook_received", event, webhookId);
        if (pathJobId == null) {
            return byExternalId(payload, change);
        }
        return findJob(pathJobId).chain(stored -> {
            if (!signed && !tokenMatches(stored, token)) {
                return fail(unauthorized("token does not match the job"));
            }
            if (payload.id() != null && stored.externalId() != null && !payload.id().equals(stored.externalId())) {
                return fail(ApiException.unprocessable("external-id-mismatch", "Webhook names another job",
                        "The webhook's job_id does not match the job in the URL."));
            }
            return apply(stored.id(), change);
        });
    }

    private Uni<WebhookOutcome> apply(String jobId, Transition change) {
        // a webhook to /webhooks/generic names its job only through the AI server's id: known from here on
        JobLogContext.set(jobId);
        return store.transition(jobId, change).map(result -> outcome(jobId, result));
    }

    /**
     * A signed webhook sent to {@code /webhooks/generic}: its job is found by the AI server's id. When no job is
     * mapped to that id yet (the webhook beat the AI server's answer to our submit), it is parked and applied by
     * the submit when it maps the id; the sender gets 202 and does not retry.
     */
    private Uni<WebhookOutcome> byExternalId(UpstreamJob payload, Transition change) {
        if (payload.id() == null || payload.id().isBlank()) {
            return fail(ApiException.unprocessable("invalid-request", "Invalid request",
                    "A webhook sent to /webhooks/generic must name the AI server's job in 'job_id'."));
        }
        return store.jobIdForExternalId(GenericAiServer.PROVIDER, payload.id())
                .chain(mapped -> mapped.map(Uni.createFrom()::item)
                        .orElseGet(() -> store.park(GenericAiServer.PROVIDER, payload.id(), change)
                                .map(afterPark -> afterPark.orElse(null))))
                .chain(jobId -> {
                    if (jobId == null) {
                        LOG.infof("Webhook %s names AI-server job %s, not mapped to a job yet: parked for %s",
                                change.webhookId(), payload.id(), unmappedTtl);
                        return Uni.createFrom().item(WebhookOutcome.parked(
                                "No job is mapped to this AI-server job id yet; the webhook is kept for "
                                        + unmappedTtl.toMinutes() + " min and applied when it is."));
                    }
                    return apply(jobId, change);
                });
    }

    private String checkSignature(String id, String timestamp, String signature, byte[] body, Instant now) {
        if (signatures.isEmpty()) {
            return "no webhook secret configured";
        }
        try {
            signatures.get().verify(id, timestamp, signature, body, now);
            return null;
        } catch (WebhookVerificationException e) {
            return e.getMessage();
        }
    }

    private static boolean tokenMatches(StoredJob job, String token) {
        String expected = job.webhookTokenHash();
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                Ids.sha256(token).getBytes(StandardCharsets.UTF_8));
    }

    private UpstreamJob parse(byte[] body) {
        try {
            UpstreamJob payload = payloadReader.readValue(body);
            if (payload == null) {
                throw new IOException("empty");
            }
            return payload;
        } catch (IOException e) {
            throw ApiException.badRequest("invalid-json", "Malformed JSON",
                    "The webhook body is not a JSON object of the generic protocol.");
        }
    }

    private Uni<StoredJob> findJob(String jobId) {
        return store.find(jobId).map(found -> found.orElseThrow(() -> ApiException.jobNotFound(jobId)));
    }

    private static WebhookOutcome outcome(String jobId, TransitionResult result) {
        if (result.outcome() == TransitionResult.Outcome.MISSING) {
            throw ApiException.jobNotFound(jobId);
        }
        return new WebhookOutcome(result.applied() ? "applied" : "ignored", jobId,
                result.status() == null ? null : result.status().wireName(), result.version(), result.reason());
    }

    private static Long deliveryLagMs(String timestamp, Instant receivedAt) {
        try {
            return receivedAt.toEpochMilli() - Long.parseLong(timestamp.trim()) * 1000;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static ApiException unauthorized(String reason) {
        LOG.infof("Webhook rejected: %s", reason);
        return ApiException.unauthorized("invalid-webhook-signature", "Webhook not authenticated",
                "The webhook's signature or token could not be verified.");
    }

    private static <T> Uni<T> fail(ApiException e) {
        return Uni.createFrom().failure(e);
    }
}
