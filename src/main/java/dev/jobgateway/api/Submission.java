package dev.jobgateway.api;

import dev.jobgateway.job.Job;

/** A submit's answer: the job, and whether it is the replay of an earlier submit with the same key. */
public record Submission(Job job, boolean replayed) {
}
