package dev.jobgateway.providers;

import dev.jobgateway.job.Arrival;
import io.smallrye.mutiny.Uni;

/**
 * The part of a {@link Provider} that takes webhooks: how they are authenticated and read. A provider that sends none
 * (ComfyUI) does not implement it, and its webhook route is as unknown as a provider that does not exist (404). The
 * webhook URL a receiver hands out is built in one place, {@link WebhookUrls}.
 */
public interface WebhookReceiver extends Provider {

    /**
     * Whether the webhook URL handed to the provider carries the job's per-job token ({@code ?token=}): true for
     * senders that cannot sign, whose webhooks that token authenticates ({@link TokenWebhooks}); a provider whose
     * webhooks are always signed leaves it out.
     */
    default boolean webhookUrlCarriesToken() {
        return true;
    }

    /**
     * The largest webhook body this provider's route takes, in bytes; by default the gateway's
     * {@code gateway.limits.max-body-bytes} ({@code gatewayLimit}). A provider whose webhooks carry outputs inline
     * (e.g. data URLs) sets its own.
     */
    default int maxWebhookBodyBytes(int gatewayLimit) {
        return gatewayLimit;
    }

    /**
     * Whether a terminal report that arrives by a webhook authenticated only by its per-job token is confirmed with
     * one {@link #status} call before it is applied (the status answer is what is applied). For senders that cannot
     * sign, whose URL token could have leaked into a log: a forged "succeeded" with someone else's output is then
     * never taken. False by default.
     */
    default boolean confirmsTerminalWebhooks() {
        return false;
    }

    /**
     * Authenticates a webhook with this provider's scheme, before its body is parsed: the arrival as the timeline
     * records it, or a failure with {@code invalid-webhook-signature} (401), or a 503 when the gateway cannot check
     * right now (e.g. the provider's public keys cannot be fetched), so that the sender retries.
     * {@link Arrival.Authentication#TOKEN} asks the caller to check the per-job token against the job.
     */
    Uni<Arrival.Webhook> authenticate(WebhookRequest request);

    /**
     * Reads an authenticated webhook: which provider job it is about and what it reports, in the gateway's terms.
     * Throws {@code invalid-json} (400), {@code unknown-status} or {@code external-id-mismatch} (422).
     */
    InboundWebhook read(WebhookRequest request);
}
