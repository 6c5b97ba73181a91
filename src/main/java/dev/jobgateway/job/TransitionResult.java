package dev.jobgateway.job;

/** What the state machine did with a {@link Transition}. */
public record TransitionResult(Outcome outcome, long version, JobStatus status, String reason) {

    public enum Outcome {
        APPLIED, IGNORED, MISSING
    }

    public boolean applied() {
        return outcome == Outcome.APPLIED;
    }
}
