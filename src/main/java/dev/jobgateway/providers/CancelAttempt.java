package dev.jobgateway.providers;

/**
 * How asking the AI server to stop a job went.
 *
 * @param accepted whether the AI server answered 2xx
 * @param httpStatus its HTTP status, or null when it could not be reached or did not answer in time
 * @param message a short description for the timeline
 */
public record CancelAttempt(boolean accepted, Integer httpStatus, long latencyMs, String message) {
}
