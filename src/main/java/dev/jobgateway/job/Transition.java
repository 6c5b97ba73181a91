package dev.jobgateway.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A requested state change, from any writer (webhook, poll, cancel, timeout, submit), with the timeline entry
 * that records it whether it is applied or ignored. Built through the factory named for the kind of change
 * ({@link #webhook}, {@link #checked}, {@link #cancel}, ...): by {@link Reports} for what AI servers say and by
 * {@link JobRecords} for the gateway's own changes; run by {@link JobStore#transition}.
 * <p>
 * Stored as JSON while a webhook waits for its external id to be mapped (see {@link JobStore#park}); unknown members
 * are ignored, so a webhook parked by an older or newer deployment is still applied.
 *
 * @param target the status asked for; null only for a check (via poll) that could not reach the AI server
 * @param outputJson the job's output as JSON text, or null
 * @param error the error to record with a {@code failed} status, or null
 * @param webhookId the sender's {@code webhook-id}, deduplicated within the configured window, or null
 * @param queuePosition the job's place in the provider's queue, kept while it stays queued, or null
 * @param outputFilesJson with output storage on, the output's files ({@code output_files}) stored with a success, or
 *        null
 * @param outputStorage with output storage on, {@code output_storage} stored with a success ({@code pending} when a
 *        copy is still to be made), or null
 */
@RegisterForReflection
@JsonIgnoreProperties(ignoreUnknown = true)
record Transition(
        JobStatus target,
        Double progress,
        String outputJson,
        Job.JobError error,
        Via via,
        String eventType,
        ObjectNode event,
        String webhookId,
        Integer queuePosition,
        String outputFilesJson,
        Job.OutputState outputStorage) {

    /** What a webhook reported ({@code error} for a failure), deduplicated by the sender's {@code webhookId}. */
    static Transition webhook(Report report, Job.JobError error, ObjectNode event, String webhookId) {
        return new Transition(report.status(), report.progress(), report.outputJson(), error, Via.WEBHOOK,
                TimelineEvent.WEBHOOK_RECEIVED.wireName(), event, webhookId, report.queuePosition(), null, null);
    }

    /** What the AI server answered to a check ({@code error} for a failure). */
    static Transition checked(Report report, Job.JobError error, ObjectNode event) {
        return new Transition(report.status(), report.progress(), report.outputJson(), error, Via.POLL,
                TimelineEvent.UPSTREAM_CHECKED.wireName(), event, null, report.queuePosition(), null, null);
    }

    /** A check that got no usable answer: no status asked for, only the delivery state and the timeline change. */
    static Transition checkFailed(ObjectNode event) {
        return new Transition(null, null, null, null, Via.POLL, TimelineEvent.UPSTREAM_CHECK_FAILED.wireName(), event,
                null, null, null, null);
    }

    /**
     * An operator applies again what a webhook reported (no output: the timeline keeps none); {@code dedupeId}, one
     * per replayed entry, makes a second replay of it change nothing.
     */
    static Transition replayedWebhook(JobStatus target, Double progress, Integer queuePosition, Job.JobError error,
            ObjectNode event, String dedupeId) {
        return new Transition(target, progress, null, error, Via.WEBHOOK, TimelineEvent.OPERATOR_ACTION.wireName(),
                event, dedupeId, queuePosition, null, null);
    }

    /** A caller cancels the job. */
    static Transition cancel(ObjectNode event) {
        return new Transition(JobStatus.CANCELLED, null, null, null, Via.CANCEL,
                TimelineEvent.CANCEL_REQUESTED.wireName(), event, null, null, null, null);
    }

    /** The AI server never took the job ({@code error.source: submit}). */
    static Transition handoffFailed(Job.JobError error, ObjectNode event) {
        return new Transition(JobStatus.FAILED, null, null, error, Via.SUBMIT, TimelineEvent.HANDOFF_FAILED.wireName(),
                event, null, null, null, null);
    }

    /** The job did not end by its deadline. */
    static Transition timedOut(Job.JobError error, ObjectNode event) {
        return new Transition(JobStatus.FAILED, null, null, error, Via.TIMEOUT, TimelineEvent.TIMED_OUT.wireName(),
                event, null, null, null, null);
    }

    /** The same change with the output as it is stored and its files. */
    Transition withOutputFiles(String storedOutputJson, String filesJson, Job.OutputState storage) {
        return new Transition(target, progress, storedOutputJson, error, via, eventType, event, webhookId,
                queuePosition, filesJson, storage);
    }

    /** A copy of the output's files is still to be made once this change is applied. */
    boolean leavesCopyPending() {
        return outputStorage == Job.OutputState.PENDING;
    }

    /** The delivery state a check leaves behind when it changes nothing: it reached the AI server, or not. */
    DeliveryState deliveryStateIfUnchanged() {
        if (via != Via.POLL) {
            return null;
        }
        return target == null ? DeliveryState.UPSTREAM_UNREACHABLE : DeliveryState.WEBHOOK_OVERDUE;
    }
}
