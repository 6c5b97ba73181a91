package dev.jobgateway.job;

import java.util.Locale;

/** How the gateway learned what it knows about a job ({@code delivery.state}), apart from what happened to it. */
public enum DeliveryState {
    /** Handed off (or being handed off); no report yet. */
    AWAITING_WEBHOOK,
    /** The last change came by webhook. */
    WEBHOOK_RECEIVED,
    /** No news for a while: the AI server was asked and had nothing new. */
    WEBHOOK_OVERDUE,
    /** The last change came from asking the AI server (the webhook did not come). */
    POLLED,
    /** The last check could not reach the AI server. */
    UPSTREAM_UNREACHABLE;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
