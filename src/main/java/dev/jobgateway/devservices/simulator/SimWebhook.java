package dev.jobgateway.devservices.simulator;

import java.net.URI;
import java.util.Map;

/**
 * One webhook a dialect sends: where, what, under which message id, signed how at each attempt, and whether the
 * sender retries it when delivery fails (Replicate and fal retry only their terminal webhook); {@code attempts} and
 * {@code spacingMs}, when not 0, are the sender's own schedule (RunPod: 3 attempts, 10 s apart).
 */
record SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer,
        int attempts, long spacingMs) {

    /** Retried (if at all) as the server's default says: {@code deliveryAttempts}, pauses doubling from 250 ms. */
    SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer) {
        this(url, body, messageId, terminal, retried, signer, 0, 0);
    }

    /** The signature headers of one delivery attempt, made at {@code timestampSeconds}. */
    interface Signer {
        Map<String, String> headers(String messageId, long timestampSeconds, byte[] body);
    }
}
