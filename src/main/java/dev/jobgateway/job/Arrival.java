package dev.jobgateway.job;

import java.time.Instant;

/** How a {@link Report} reached the gateway: a webhook the sender pushed, or an answer to our own check. */
public sealed interface Arrival {

    /**
     * @param webhookId the sender's {@code webhook-id} (deduplicated), or null when the protocol has none
     * @param senderTimestamp the sender's {@code webhook-timestamp}, as sent, or null
     * @param authenticatedBy {@code signature}, {@code token}, {@code token+status} or {@code signature+status}
     * @param deliveryLagMs receipt time minus the sender's timestamp, or null
     */
    record Webhook(String webhookId, String senderTimestamp, String authenticatedBy, Long deliveryLagMs)
            implements
                Arrival {

        /** Authenticated by a signature (of whichever scheme the provider uses). */
        public static final String BY_SIGNATURE = "signature";
        /** Claims the per-job token of the webhook URL: the caller checks it against the job before applying. */
        public static final String BY_TOKEN = "token";
        /**
         * A terminal webhook of a token-authenticated sender, applied as the provider's own status answer said (see
         * {@code Provider#confirmsTerminalWebhooks}).
         */
        public static final String BY_TOKEN_CONFIRMED = "token+status";
        /**
         * A signed webhook that said only that the job ended (see {@code InboundWebhook#askProvider}), applied as the
         * provider's own status answer said.
         */
        public static final String BY_SIGNATURE_CONFIRMED = "signature+status";
    }

    /**
     * @param externalId the AI server's id of the job that was asked about
     * @param latencyMs how long the AI server took to answer
     * @param overdueSince when the job became due for a check
     */
    record Poll(String externalId, long latencyMs, Instant overdueSince) implements Arrival {
    }
}
