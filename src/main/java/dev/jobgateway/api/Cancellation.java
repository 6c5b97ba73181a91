package dev.jobgateway.api;

import dev.jobgateway.job.Job;

/** What a cancel did: {@code cancelled} is false when the job had already ended (the job is unchanged). */
public record Cancellation(Job job, boolean cancelled) {
}
