package dev.jobgateway.providers;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A job to hand to a provider.
 *
 * @param jobId the gateway's id (the generic protocol's {@code Idempotency-Key})
 * @param input the job's input as submitted
 * @param model the routing {@link Provider#route} returned, or null
 * @param webhookUrl where the provider reports ({@link WebhookUrls}); null for a provider that takes no webhooks
 * @param deadline when the gateway fails the job if it has not ended (Replicate's {@code Cancel-After})
 */
public record Order(String jobId, JsonNode input, String model, String webhookUrl, Instant deadline) {
}
