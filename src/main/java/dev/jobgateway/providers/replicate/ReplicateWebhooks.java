package dev.jobgateway.providers.replicate;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import dev.jobgateway.providers.InboundWebhook;
import dev.jobgateway.providers.StandardWebhook;
import dev.jobgateway.providers.WebhookBodies;
import dev.jobgateway.providers.WebhookRejections;
import dev.jobgateway.providers.WebhookRequest;
import dev.jobgateway.providers.WebhookVerificationException;

/**
 * Replicate's webhooks: Standard Webhooks signatures ({@code webhook-id}, {@code webhook-timestamp},
 * {@code webhook-signature}) made with the account's signing secret, any of several during a rotation; the body is
 * the prediction at that moment. A resend carries the same {@code webhook-id}, which the core deduplicates.
 */
final class ReplicateWebhooks {

    private final StandardWebhook signatures;
    private final ObjectReader reader;

    ReplicateWebhooks(List<String> secrets, Duration tolerance, ObjectMapper mapper) {
        this.signatures = new StandardWebhook(secrets, tolerance);
        this.reader = WebhookBodies.reader(mapper, Prediction.class);
    }

    Arrival.Webhook authenticate(WebhookRequest request) {
        String id = StandardWebhook.header(request.headers(), StandardWebhook.ID_HEADER);
        String timestamp = StandardWebhook.header(request.headers(), StandardWebhook.TIMESTAMP_HEADER);
        String signature = StandardWebhook.header(request.headers(), StandardWebhook.SIGNATURE_HEADER);
        try {
            signatures.verify(id, timestamp, signature, request.body(), request.receivedAt());
        } catch (WebhookVerificationException e) {
            throw WebhookRejections.unauthorized(ReplicateProvider.NAME, e.getMessage());
        }
        return new Arrival.Webhook(id, timestamp, Arrival.Authentication.SIGNATURE,
                StandardWebhook.deliveryLagMs(timestamp, request.receivedAt()));
    }

    InboundWebhook read(WebhookRequest request) {
        Prediction prediction = WebhookBodies.read(reader, request.body(), "a Replicate prediction object");
        Report report = WebhookBodies.report(prediction.toReport(), prediction.status(),
                "Replicate's starting, processing, succeeded, failed, canceled, aborted");
        return new InboundWebhook(prediction.id(), report);
    }
}
