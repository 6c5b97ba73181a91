package dev.jobgateway.webhook;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.JobRecords;
import dev.jobgateway.job.Report;
import dev.jobgateway.job.Reports;
import dev.jobgateway.job.StoredJob;
import dev.jobgateway.job.TransitionResult;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.GatewayConfig.WebhookAuth;
import dev.jobgateway.platform.Ids;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.Timestamps;
import dev.jobgateway.upstream.GenericAiServer;
import dev.jobgateway.upstream.UpstreamJob;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;

/**
 * Authenticates a webhook (signature or per-job token, as configured), reads it as a {@link Report} of the generic
 * protocol and hands it to {@link Reports}. Nothing about a webhook that fails authentication reaches Redis.
 */
@Startup
@ApplicationScoped
public class WebhookService {

    private static final Logger LOG = Logger.getLogger(WebhookService.class);

    private final JobRecords jobs;
    private final Reports reports;
    private final ObjectReader payloadReader;
    private final WebhookAuth auth;
    private final Optional<StandardWebhook> signatures;
    private final int maxBodyBytes;

    WebhookService(JobRecords jobs, Reports reports, ObjectMapper mapper, GatewayConfig config) {
        this.jobs = jobs;
        this.reports = reports;
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
    }

    /** A webhook to {@code /webhooks/{provider}/{pathJobId}}, or to {@code /webhooks/{provider}} (null job id). */
    public Uni<WebhookOutcome> receive(String provider, String pathJobId, String token, HttpHeaders headers,
            byte[] body) {
        if (!GenericAiServer.PROVIDER.equals(provider)) {
            return fail(ProblemType.UNKNOWN_PROVIDER.with("No webhook provider named '" + provider + "'."));
        }
        if (body != null && body.length > maxBodyBytes) {
            return fail(ProblemType.BODY_TOO_LARGE.with("Webhook bodies are limited to " + maxBodyBytes + " bytes."));
        }
        if (pathJobId != null && !Ids.isJobId(pathJobId)) {
            return fail(ApiException.jobNotFound(pathJobId));
        }
        byte[] raw = body == null ? new byte[0] : body;
        Arrival.Webhook arrival = authenticate(pathJobId, token, headers, raw);
        UpstreamJob payload = parse(raw);
        Report report = payload.toReport().orElseThrow(() -> ProblemType.UNKNOWN_STATUS.with("Status '"
                + payload.status() + "' is not one of queued, running, succeeded, failed, cancelled."));
        if (!report.hasValidProgress()) {
            return fail(ProblemType.INVALID_PROGRESS.with("progress must be between 0 and 1."));
        }
        if (pathJobId == null) {
            return byExternalId(payload, report, arrival);
        }
        return forJob(pathJobId, token, payload, report, arrival);
    }

    /**
     * Checks the signature, or, where the configuration allows it, the per-job token (verified against the job in
     * {@link #forJob}); throws 401 otherwise.
     */
    private Arrival.Webhook authenticate(String pathJobId, String token, HttpHeaders headers, byte[] body) {
        Instant receivedAt = Timestamps.now();
        String webhookId = StandardWebhook.header(headers::getHeaderString, StandardWebhook.ID_HEADER);
        String timestamp = StandardWebhook.header(headers::getHeaderString, StandardWebhook.TIMESTAMP_HEADER);
        String signature = StandardWebhook.header(headers::getHeaderString, StandardWebhook.SIGNATURE_HEADER);
        String signatureFailure = checkSignature(webhookId, timestamp, signature, body, receivedAt);
        boolean signed = signatureFailure == null;
        if (!signed && auth == WebhookAuth.SIGNATURE) {
            throw unauthorized(signatureFailure);
        }
        if (!signed && token == null) {
            throw unauthorized(auth == WebhookAuth.TOKEN ? "missing token" : signatureFailure);
        }
        if (!signed && pathJobId == null) {
            throw unauthorized("a token is only accepted on /webhooks/{provider}/{jobId}");
        }
        return new Arrival.Webhook(webhookId, timestamp, signed ? "signature" : "token",
                deliveryLagMs(timestamp, receivedAt));
    }

    private Uni<WebhookOutcome> forJob(String jobId, String token, UpstreamJob payload, Report report,
            Arrival.Webhook arrival) {
        return jobs.find(jobId).chain(found -> {
            StoredJob stored = found.orElseThrow(() -> ApiException.jobNotFound(jobId));
            if (arrival.authenticatedBy().equals("token") && !tokenMatches(stored, token)) {
                return fail(unauthorized("token does not match the job"));
            }
            if (payload.id() != null && stored.externalId() != null && !payload.id().equals(stored.externalId())) {
                return fail(ProblemType.EXTERNAL_ID_MISMATCH.with(
                        "The webhook's job_id does not match the job in the URL."));
            }
            return reports.apply(jobId, report, arrival).map(WebhookService::outcome);
        });
    }

    /** A signed webhook sent to {@code /webhooks/generic}: its job is found by the AI server's id. */
    private Uni<WebhookOutcome> byExternalId(UpstreamJob payload, Report report, Arrival.Webhook arrival) {
        if (payload.id() == null || payload.id().isBlank()) {
            return fail(ProblemType.INVALID_REQUEST.with(
                    "A webhook sent to /webhooks/generic must name the AI server's job in 'job_id'."));
        }
        return reports.applyByExternalId(GenericAiServer.PROVIDER, payload.id(), report, arrival)
                .map(result -> result.outcome() == TransitionResult.Outcome.PARKED
                        ? WebhookOutcome.parked("No job is mapped to this AI-server job id yet; the webhook is kept "
                                + "for " + reports.parkedFor().toMinutes() + " min and applied when it is.")
                        : outcome(result));
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
            throw ProblemType.INVALID_JSON.with("The webhook body is not a JSON object of the generic protocol.");
        }
    }

    private static WebhookOutcome outcome(TransitionResult result) {
        if (result.outcome() == TransitionResult.Outcome.MISSING) {
            throw ApiException.jobNotFound(result.jobId());
        }
        return new WebhookOutcome(result.applied() ? "applied" : "ignored", result.jobId(),
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
        return ProblemType.INVALID_WEBHOOK_SIGNATURE.with("The webhook's signature or token could not be verified.");
    }

    private static <T> Uni<T> fail(ApiException e) {
        return Uni.createFrom().failure(e);
    }
}
