package dev.jobgateway.devservices.simulator;

import java.net.URI;
import java.util.Map;

/**
 * One webhook a dialect sends: where, what, under which message id, signed how at each attempt, and whether the
 * sender retries it when delivery fails (Replicate and fal retry only their terminal webhook); {@code attempts} and
 * {@code spacingMs}, when not 0, are the sender's own schedule (RunPod: 3 attempts, 10 s apart); {@code redelivery},
 * when not null, is a sender's own retry policy in full (Cog: which answers it retries and its backoff).
 */
record SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer,
        int attempts, long spacingMs, Redelivery redelivery) {

    /** Retried (if at all) as the server's default says: {@code deliveryAttempts}, pauses doubling from 250 ms. */
    SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer) {
        this(url, body, messageId, terminal, retried, signer, 0, 0, null);
    }

    /** Retried (if at all) {@code attempts} times, {@code spacingMs} apart, on a connection error, 5xx or 429. */
    SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer,
            int attempts, long spacingMs) {
        this(url, body, messageId, terminal, retried, signer, attempts, spacingMs, null);
    }

    /** The signature headers of one delivery attempt, made at {@code timestampSeconds}. */
    interface Signer {
        Map<String, String> headers(String messageId, long timestampSeconds, byte[] body);
    }

    /** A sender's own redelivery of a webhook it retries. */
    interface Redelivery {

        /** Attempts in all, the first included. */
        int attempts();

        /** Whether an answer with this HTTP status is tried again (a connection error always is). */
        boolean retries(int status);

        /** The pause before attempt {@code next} (2 for the first retry). */
        long pauseMs(int next);

        /**
         * Whether attempt {@code attempt} is lost on the way (a test knob): it never reaches the receiver, and the
         * sender sees a connection error.
         */
        default boolean lost(int attempt) {
            return false;
        }

        /** Whether the sender is gone (its process restarted): nothing more is sent. */
        default boolean senderGone() {
            return false;
        }
    }
}
