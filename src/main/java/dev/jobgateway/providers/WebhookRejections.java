package dev.jobgateway.providers;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.ApiException;
import dev.jobgateway.platform.ProblemType;
import dev.jobgateway.platform.RejectionLog;

/**
 * The answers to webhooks that cannot be authenticated, the same for every provider: the sender learns nothing
 * about which check failed; the log says why, never with a secret.
 */
public final class WebhookRejections {

    private static final Logger LOG = Logger.getLogger(WebhookRejections.class);
    /** fal retries a webhook it could not deliver; a short pause is enough for keys that could not be fetched. */
    private static final String RETRY_AFTER_SECONDS = "5";

    private WebhookRejections() {
    }

    /** 401: the webhook's signature, timestamp or token does not hold. */
    public static ApiException unauthorized(String provider, String reason) {
        // Throttled, and keyed without the figures some reasons carry (e.g. the clock skew), so the keys stay few.
        RejectionLog.info(LOG, "webhook:" + provider + ":" + reason.replaceAll("\\s*\\(.*\\)", ""),
                "Webhook for " + provider + " rejected: " + reason);
        return ProblemType.INVALID_WEBHOOK_SIGNATURE.with("The webhook's signature or token could not be verified.");
    }

    /**
     * 503 with {@code Retry-After}: the gateway cannot check the signature now (the provider's public keys cannot be
     * had). The gateway's outage, not the sender's mistake: the sender retries, and nothing changed meanwhile.
     */
    public static ApiException keysUnavailable(String provider, String reason) {
        RejectionLog.info(LOG, "webhook-keys:" + provider + ":" + reason.replaceAll("\\s*\\(.*\\)", ""),
                "Webhook for " + provider + " not checked, its keys cannot be had: " + reason);
        return ProblemType.WEBHOOK_KEYS_UNAVAILABLE.with("The keys to verify this webhook cannot be had right now; "
                + "retry later.").withHeader("Retry-After", RETRY_AFTER_SECONDS);
    }
}
