package dev.jobgateway.job;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.smallrye.mutiny.Uni;

/**
 * The gateway's own changes to jobs and its reads of them: create, cancel, fail a hand-off, time out, note facts
 * in the timeline. What AI servers say goes through {@link Reports} instead.
 */
@ApplicationScoped
public class JobRecords {

    private final JobStore store;
    private final Transitions transitions;
    private final JobJson json;

    JobRecords(JobStore store, Transitions transitions, JobJson json) {
        this.store = store;
        this.transitions = transitions;
        this.json = json;
    }

    /** Stores a new job in {@code queued}, due for its first check at {@code firstCheckAt}. */
    public Uni<Void> create(NewJob job, Instant firstCheckAt) {
        return store.create(job, firstCheckAt);
    }

    public Uni<Optional<StoredJob>> find(String jobId) {
        return store.find(jobId);
    }

    /** The job's owner, status, version and check-due fields only, in one command (a conditional read's need). */
    public Uni<Optional<StoredJob>> head(String jobId) {
        return store.head(jobId);
    }

    /** Up to {@code limit} timeline entries, oldest first, after the entry {@code afterId} (null: from the start). */
    public Uni<List<TimelineEntry>> timeline(String jobId, String afterId, int limit) {
        return store.timeline(jobId, afterId, limit);
    }

    /** The job as the API shows it. */
    public Job view(StoredJob job) {
        return json.toJob(job);
    }

    /** The job as the API shows it, as UTF-8 JSON written straight from the stored fields (the same bytes). */
    public byte[] viewJson(StoredJob job) {
        return json.writeJob(job);
    }

    /** Cancels the job unless it has ended; {@code event} says who asked. */
    public Uni<TransitionResult> cancel(String jobId, ObjectNode event) {
        return transitions.run(jobId, Transition.cancel(event));
    }

    /** The AI server never took the job ({@code error.source: submit}). */
    public Uni<TransitionResult> failHandoff(String jobId, Job.JobError error, ObjectNode event) {
        return transitions.run(jobId, Transition.handoffFailed(error, event));
    }

    /** The job did not end by its deadline. */
    public Uni<TransitionResult> timeOut(String jobId, Job.JobError error, ObjectNode event) {
        return transitions.run(jobId, Transition.timedOut(error, event));
    }

    /**
     * Starts the job's second generation (its lost result is run again): a new per-job webhook token and deadline,
     * recorded with {@code event}; false if the job is gone.
     */
    public Uni<Boolean> secondGeneration(String jobId, String webhookTokenHash, Instant deadline, ObjectNode event) {
        return store.record(jobId, TimelineEvent.SECOND_GENERATION, event, Map.of(StoredJob.WEBHOOK_TOKEN_HASH,
                webhookTokenHash, StoredJob.DEADLINE_AT, deadline.toString(), StoredJob.GENERATION, "2"));
    }

    /** Notes a fact that changes no state in the job's timeline; false if the job is gone. */
    public Uni<Boolean> note(String jobId, TimelineEvent type, ObjectNode event) {
        return store.record(jobId, type, event, Map.of());
    }

    /**
     * Ends the pending copy of the job's output files as {@code state} ({@code stored}, {@code source_expired},
     * {@code failed}): a new version, announced to waiters. False if it had ended already.
     */
    public Uni<Boolean> settleOutputs(String jobId, Job.OutputState state, String filesJson, TimelineEvent type,
            ObjectNode event) {
        return store.settleOutputs(jobId, state, filesJson, type, event)
                .call(applied -> applied ? transitions.announce(jobId) : Uni.createFrom().voidItem());
    }

    /**
     * Counts an attempt at the job's pending copy as it starts, so that one cut off with its instance counts too; the
     * attempt's number (0: the copy is not pending).
     */
    public Uni<Integer> copyBegins(String jobId) {
        return store.copyBegins(jobId);
    }

    /** Notes a failed copy attempt (no new version), keeping what it stored; the attempts so far (0: not pending). */
    public Uni<Integer> copyFailed(String jobId, String filesJson, ObjectNode event) {
        return store.copyFailed(jobId, filesJson, event);
    }

    /** A fresh JSON object for a timeline entry's details. */
    public ObjectNode event() {
        return json.object();
    }
}
