package dev.jobgateway.providers;

/**
 * How asking the AI server to stop a job went.
 *
 * @param accepted whether the job is stopped as far as the AI server says: it answered 2xx, or (for a provider whose
 *        "unknown" means "ended", e.g. Cog's 404) it no longer had the job, so that nothing was left to stop
 * @param httpStatus its HTTP status, or null when it could not be reached or did not answer in time
 * @param message a short description for the timeline
 */
public record CancelAttempt(boolean accepted, Integer httpStatus, long latencyMs, String message) {
}
