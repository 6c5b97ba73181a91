package dev.jobgateway.job;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * A requested state change, from any writer (webhook, poll, cancel, timeout, submit), with the timeline entry
 * that records it whether it is applied or ignored.
 *
 * @param outputJson the job's output as JSON text, or null
 * @param error the error to record with a {@code failed} status, or null
 * @param webhookId the sender's {@code webhook-id}, deduplicated within the configured window, or null
 * <p>
 * Stored as JSON while a webhook waits for its external id to be mapped (see {@link JobStore#park}).
 */
@RegisterForReflection
public record Transition(
        JobStatus target,
        Double progress,
        String outputJson,
        Job.JobError error,
        Via via,
        String eventType,
        ObjectNode event,
        String webhookId) {
}
