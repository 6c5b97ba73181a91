package dev.jobgateway.devservices.simulator;

import java.net.URI;
import java.util.Map;

/**
 * One webhook a dialect sends: where, what, under which message id, signed how at each attempt, and whether the
 * sender retries it when delivery fails (Replicate and fal retry only their terminal webhook).
 */
record SimWebhook(URI url, byte[] body, String messageId, boolean terminal, boolean retried, Signer signer) {

    /** The signature headers of one delivery attempt, made at {@code timestampSeconds}. */
    interface Signer {
        Map<String, String> headers(String messageId, long timestampSeconds, byte[] body);
    }
}
