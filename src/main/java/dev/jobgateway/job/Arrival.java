package dev.jobgateway.job;

import java.time.Instant;

/** How a {@link Report} reached the gateway: a webhook the sender pushed, or an answer to our own check. */
public sealed interface Arrival {

    /** How a webhook was authenticated: the {@code authenticated_by} of its timeline entry. */
    enum Authentication {
        /** By a signature (of whichever scheme the provider uses). */
        SIGNATURE("signature"),
        /** Claims the per-job token of the webhook URL: the caller checks it against the job before applying. */
        TOKEN("token"),
        /**
         * A terminal webhook of a token-authenticated sender, applied as the provider's own status answer said (see
         * {@code Provider#confirmsTerminalWebhooks}).
         */
        TOKEN_CONFIRMED("token+status"),
        /**
         * A signed webhook that said only that the job ended (see {@code InboundWebhook#askProvider}), applied as the
         * provider's own status answer said.
         */
        SIGNATURE_CONFIRMED("signature+status");

        private final String wireName;

        Authentication(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        /** The same, once the provider's own status answer confirmed what the webhook said. */
        public Authentication confirmed() {
            return this == SIGNATURE ? SIGNATURE_CONFIRMED : TOKEN_CONFIRMED;
        }
    }

    /**
     * @param webhookId the sender's {@code webhook-id} (deduplicated), or null when the protocol has none
     * @param senderTimestamp the sender's {@code webhook-timestamp}, as sent, or null
     * @param authenticatedBy how it was authenticated
     * @param deliveryLagMs receipt time minus the sender's timestamp, or null
     */
    record Webhook(String webhookId, String senderTimestamp, Authentication authenticatedBy, Long deliveryLagMs)
            implements
                Arrival {
    }

    /**
     * @param externalId the AI server's id of the job that was asked about
     * @param latencyMs how long the AI server took to answer
     * @param overdueSince when the job became due for a check
     */
    record Poll(String externalId, long latencyMs, Instant overdueSince) implements Arrival {
    }
}
