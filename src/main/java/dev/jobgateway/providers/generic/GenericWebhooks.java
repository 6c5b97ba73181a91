package dev.jobgateway.providers.generic;

import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.providers.WebhookBodies;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import dev.jobgateway.providers.WebhookVerificationException;

/**
 * Webhooks of the generic protocol: authenticated by a Standard Webhooks signature or, where
 * {@code gateway.providers.generic.webhook-auth} allows it, by the per-job token of the webhook URL; read as
 * {@code {"job_id", "status", "output", "error_message", "progress"}}.
 */
@ApplicationScoped
class GenericWebhooks {

    private final WebhookAuth auth;
    private final Optional<StandardWebhook> signatures;
    private final ObjectReader payloadReader;

    GenericWebhooks(GenericConfig generic, GatewayConfig config, ObjectMapper mapper) {
        this.auth = generic.webhookAuth();
        List<String> secrets = generic.webhookSecrets().orElse(List.of());
        if (generic.url().isPresent() && auth == WebhookAuth.SIGNATURE && secrets.isEmpty()) {
            throw new IllegalStateException("gateway.providers.generic.webhook-auth=signature needs "
                    + "gateway.providers.generic.webhook-secrets (GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS)");
        }
        this.signatures = secrets.isEmpty() ? Optional.empty()
                : Optional.of(new StandardWebhook(secrets, config.webhooks().timestampTolerance()));
        this.payloadReader = WebhookBodies.reader(mapper, UpstreamJob.class);
    }

    /**
     * Checks the signature, or, where the configuration allows it, takes the per-job token as the claim (the caller
     * checks it against the job); throws 401 otherwise.
     */
    Arrival.Webhook authenticate(WebhookRequest request) {
        String webhookId = StandardWebhook.header(request.headers(), StandardWebhook.ID_HEADER);
        String timestamp = StandardWebhook.header(request.headers(), StandardWebhook.TIMESTAMP_HEADER);
        String signature = StandardWebhook.header(request.headers(), StandardWebhook.SIGNATURE_HEADER);
        String signatureFailure = checkSignature(webhookId, timestamp, signature, request);
        boolean signed = signatureFailure == null;
        if (!signed && auth == WebhookAuth.SIGNATURE) {
            throw unauthorized(signatureFailure);
        }
        if (!signed && request.token() == null) {
            throw unauthorized(auth == WebhookAuth.TOKEN ? "missing token" : signatureFailure);
        }
        if (!signed && request.jobId() == null) {
            throw unauthorized("a token is only accepted on /webhooks/{provider}/{jobId}");
        }
        return new Arrival.Webhook(webhookId, timestamp, signed ? Arrival.Authentication.SIGNATURE
                : Arrival.Authentication.TOKEN, StandardWebhook.deliveryLagMs(timestamp, request.receivedAt()));
    }

    InboundWebhook read(WebhookRequest request) {
        UpstreamJob payload = WebhookBodies.read(payloadReader, request.body(),
                "a JSON object of the generic protocol");
        Report report = WebhookBodies.report(payload.toReport(), payload.status(),
                "queued, running, succeeded, failed, cancelled");
        if (request.jobId() == null && (payload.id() == null || payload.id().isBlank())) {
            throw ProblemType.INVALID_REQUEST.with(
                    "A webhook sent to /webhooks/generic must name the AI server's job in 'job_id'.");
        }
        return new InboundWebhook(payload.id(), report);
    }

    private String checkSignature(String id, String timestamp, String signature, WebhookRequest request) {
        if (signatures.isEmpty()) {
            return "no webhook secret configured";
        }
        try {
            signatures.get().verify(id, timestamp, signature, request.body(), request.receivedAt());
            return null;
        } catch (WebhookVerificationException e) {
            return e.getMessage();
        }
    }

    private static ApiException unauthorized(String reason) {
        return WebhookRejections.unauthorized(GenericProvider.NAME, reason);
    }
}
