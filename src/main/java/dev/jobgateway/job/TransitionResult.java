package dev.jobgateway.job;

import java.time.Instant;

/**
 * What the state machine did with a change to job {@code jobId} (null for a report parked before its job was known).
 * {@code reason} is the text the timeline shows; {@code ignoredBecause} names it ({@link Outcome#IGNORED} and
 * {@link Outcome#RECORDED}), {@code refusal} for {@link Outcome#REJECTED}. {@code applied}: the facts of the job as it
 * was before an applied change, for what follows one (meters, learned durations); null otherwise.
 */
public record TransitionResult(String jobId, Outcome outcome, long version, JobStatus status, String reason,
        IgnoreReason ignoredBecause, WebhookGuard.Refusal refusal, Before before) {

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

    /**
     * The job as an applied change found it: its provider, model and owner, when it was created, and its status
     * before (null where the script gave none).
     */
    public record Before(String provider, String model, String owner, Instant createdAt, String status) {
    }

    static TransitionResult parked() {
        return new TransitionResult(null, Outcome.PARKED, 0, null, null, null, null, null);
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }
}
