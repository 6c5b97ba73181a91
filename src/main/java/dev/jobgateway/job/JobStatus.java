package dev.jobgateway.job;

import java.util.Locale;
import java.util.Optional;

import com.fasterxml.jackson.annotation.JsonValue;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The job state machine: {@code queued → running → succeeded | failed | cancelled}, and {@code queued →} any
 * terminal state. Terminal is final. This table mirrors {@code store/transition.lua}, which enforces it; tests
 * run every pair through both and require the same answer.
 */
@RegisterForReflection
public enum JobStatus {
    QUEUED(0),
    RUNNING(1),
    SUCCEEDED(2),
    FAILED(2),
    CANCELLED(2);

    private final int rank;

    JobStatus(int rank) {
        this.rank = rank;
    }

    public boolean isTerminal() {
        return rank == 2;
    }

    /**
     * Whether a change to {@code target} is accepted. Staying in the same non-terminal state is accepted only
     * as a progress update that moves progress forward.
     */
    public boolean accepts(JobStatus target, boolean progressAdvances) {
        if (isTerminal()) {
            return false;
        }
        if (target == this) {
            return progressAdvances;
        }
        return target.rank > rank;
    }

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<JobStatus> fromWire(String value) {
        if (value == null) {
            return Optional.empty();
        }
        for (JobStatus status : values()) {
            if (status.wireName().equals(value)) {
                return Optional.of(status);
            }
        }
        return Optional.empty();
    }
}
