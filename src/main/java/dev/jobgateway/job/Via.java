package dev.jobgateway.job;

import java.util.Locale;

/** Who caused a state change; decides {@code completed_via} and the {@code delivery.state} it leaves behind. */
public enum Via {
    WEBHOOK("webhook_received", true),
    POLL("polled", true),
    CANCEL(null, true),
    TIMEOUT(null, true),
    /** The gateway itself, while handing the job to the AI server: no {@code completed_via}. */
    SUBMIT(null, false);

    private final String deliveryState;
    private final boolean namesCompletion;

    Via(String deliveryState, boolean namesCompletion) {
        this.deliveryState = deliveryState;
        this.namesCompletion = namesCompletion;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The delivery state after an accepted change, or null to keep the current one. */
    String deliveryState() {
        return deliveryState;
    }

    String completedVia() {
        return namesCompletion ? wireName() : null;
    }
}
