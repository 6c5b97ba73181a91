package dev.jobgateway.job;

/**
 * What the state machine did with a change to job {@code jobId} (null for a report parked before its job was known).
 */
public record TransitionResult(String jobId, Outcome outcome, long version, JobStatus status, String reason) {

    public enum Outcome {
        /** The job changed (new version). */
        APPLIED,
        /** Nothing changed; {@code reason} says why (duplicate, late, out of order...). */
        IGNORED,
        /** A check with the AI server that changed no state, recorded in the timeline. */
        RECORDED,
        /** A report for an AI-server id not mapped to a job yet, kept until the mapping appears. */
        PARKED,
        /** No such job. */
        MISSING,
        /** A webhook that does not match the job it names ({@link WebhookGuard}); {@code reason} is the refusal. */
        REJECTED
    }

    /** Why a {@link Outcome#REJECTED} webhook was refused. */
    public WebhookGuard.Refusal refusal() {
        return outcome == Outcome.REJECTED ? WebhookGuard.Refusal.valueOf(reason.toUpperCase(java.util.Locale.ROOT))
                : null;
    }

    static TransitionResult parked() {
        return new TransitionResult(null, Outcome.PARKED, 0, null, null);
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }
}
