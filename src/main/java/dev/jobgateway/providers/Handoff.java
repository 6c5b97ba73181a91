package dev.jobgateway.providers;

/**
 * How handing a job to the AI server went.
 *
 * @param externalId the AI server's id for the job, or null when the hand-off failed
 * @param errorCode why it failed ({@code ai_server_unreachable}, {@code ai_server_error}, {@code ai_server_rejected},
 *        {@code ai_server_invalid_response}), or null
 */
public record Handoff(String externalId, int attempts, long latencyMs, String errorCode, String errorMessage) {

    public boolean accepted() {
        return externalId != null;
    }
}
