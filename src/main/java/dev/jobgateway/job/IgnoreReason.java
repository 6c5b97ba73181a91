package dev.jobgateway.job;

import java.util.Locale;
import java.util.Optional;

/**
 * Why the state machine ignored a change (or, for a check, only recorded it): the code {@code store/transition.lua}
 * returns beside the text it writes to the timeline, so Java reads the code and never parses the text.
 */
public enum IgnoreReason {
    /** The sender's {@code webhook-id} was seen within the dedupe window. */
    DUPLICATE_WEBHOOK_ID,
    /** A check (via poll) that could not reach the AI server. */
    AI_SERVER_UNREACHABLE,
    /** A status the state machine does not know. */
    UNKNOWN_STATUS,
    /** The job had ended already: a late report. */
    JOB_ENDED,
    /** It would move the job back (running to queued, say). */
    BACKWARDS,
    /** The job is already in that status, and no progress came with it. */
    NO_CHANGE,
    /** Progress not above the job's. */
    STALE_PROGRESS;

    /** The code as the script writes it. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The reason of a script's code; empty for '' (no reason) and for a code this enum does not know. */
    static Optional<IgnoreReason> fromWire(String code) {
        for (IgnoreReason reason : values()) {
            if (reason.wireName().equals(code)) {
                return Optional.of(reason);
            }
        }
        return Optional.empty();
    }
}
