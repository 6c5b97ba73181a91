package dev.jobgateway.providers;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

import dev.jobgateway.job.Arrival;

/**
 * Webhooks of senders that cannot sign (RunPod, self-hosted Cog): authenticated by the unguessable per-job token of
 * the webhook URL, which the core checks against the job ({@link Arrival.Authentication#TOKEN}). Such senders give no
 * message id either, so the body's digest stands for one: a redelivery carries the same bytes and is dropped as a
 * duplicate, and two different bodies are two different reports.
 */
public final class TokenWebhooks {

    private TokenWebhooks() {
    }

    /** The arrival of a webhook to {@code /webhooks/{provider}/{jobId}?token=...}; 401 without job id or token. */
    public static Arrival.Webhook byUrlToken(String provider, WebhookRequest request) {
        if (request.jobId() == null) {
            throw WebhookRejections.unauthorized(provider, "a token is only accepted on /webhooks/{provider}/{jobId}");
        }
        if (request.token() == null || request.token().isEmpty()) {
            throw WebhookRejections.unauthorized(provider, "missing token");
        }
        return new Arrival.Webhook(bodyDigest(request.body()), null, Arrival.Authentication.TOKEN, null);
    }

    private static byte[] digest(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** {@code sha256:<base64url>} of the body: the dedupe id of a webhook that has no id of its own. */
    public static String bodyDigest(byte[] body) {
        try {
            return "sha256:" + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /** Whether {@code presented} is {@code expected}, in time that does not depend on where they differ. */
    public static boolean sameSecret(String expected, String presented) {
        // Digests first: equal lengths, so not even the secret's length leaks.
        return presented != null && MessageDigest.isEqual(digest(expected), digest(presented));
    }
}
