package dev.jobgateway.job;

import java.util.Locale;

/** The kinds of timeline entry ({@code type} in {@code GET /jobs/{id}/events}). */
public enum TimelineEvent {
    SUBMITTED,
    HANDED_TO_AI_SERVER,
    HANDOFF_FAILED,
    WEBHOOK_RECEIVED,
    UPSTREAM_CHECKED,
    UPSTREAM_CHECK_FAILED,
    TIMED_OUT,
    CANCEL_REQUESTED,
    AI_SERVER_CANCEL,
    OUTPUTS_STORED,
    OUTPUT_SOURCE_EXPIRED,
    OUTPUT_COPY_FAILED,
    OUTPUT_STORAGE_FAILED,
    /** The job's result was lost and it was handed to its AI server again, where the operator opted in. */
    SECOND_GENERATION,
    /** An operator's action on the job (reconcile, webhook replay), with who did it. */
    OPERATOR_ACTION;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
