package dev.jobgateway.job;

import java.util.Locale;

/** Who caused a state change; decides {@code completed_via} and the {@code delivery.state} it leaves behind. */
public enum Via {
    WEBHOOK(DeliveryState.WEBHOOK_RECEIVED, true),
    POLL(DeliveryState.POLLED, true),
    CANCEL(null, true),
    TIMEOUT(null, true),
    /** The gateway itself, while handing the job to the AI server: no {@code completed_via}. */
    SUBMIT(null, false);

    private final DeliveryState deliveryState;
    private final boolean namesCompletion;

    Via(DeliveryState deliveryState, boolean namesCompletion) {
        this.deliveryState = deliveryState;
        this.namesCompletion = namesCompletion;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The delivery state after an accepted change, or null to keep the current one. */
    DeliveryState deliveryState() {
        return deliveryState;
    }

    String completedVia() {
        return namesCompletion ? wireName() : null;
    }
}
