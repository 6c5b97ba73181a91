package dev.jobgateway.providers;

/**
 * How handing a job to the AI server went.
 *
 * @param externalId the AI server's id for the job, or null when the hand-off failed
 * @param errorCode why it failed ({@code ai_server_unreachable}, {@code ai_server_error}, {@code ai_server_rejected},
 *        {@code ai_server_invalid_response}), or null
 * @param handle what the provider needs later to reach the job besides its id (e.g. fal's status, result and cancel
 *        URLs, which it says not to build), opaque to the core, at most {@link #MAX_HANDLE_CHARS} characters; or null.
 *        It is stored with the job and given back in {@link ProviderJob#handle()}, never shown in a job read.
 */
public record Handoff(String externalId, int attempts, long latencyMs, String errorCode, String errorMessage,
        String handle) {

    /** A bound on what a provider keeps per job: it is read with the whole job on every check. */
    public static final int MAX_HANDLE_CHARS = 2048;

    public Handoff {
        if (handle != null && (externalId == null || handle.length() > MAX_HANDLE_CHARS)) {
            throw new IllegalArgumentException("A handle goes with an accepted hand-off and is at most "
                    + MAX_HANDLE_CHARS + " characters.");
        }
    }

    /** A hand-off without a handle: the provider reaches the job by its id alone. */
    public Handoff(String externalId, int attempts, long latencyMs, String errorCode, String errorMessage) {
        this(externalId, attempts, latencyMs, errorCode, errorMessage, null);
    }

    public boolean accepted() {
        return externalId != null;
    }

    /** The same hand-off with this handle (an accepted one only; a failed one stays as it is). */
    public Handoff withHandle(String handle) {
        return accepted() ? new Handoff(externalId, attempts, latencyMs, errorCode, errorMessage, handle) : this;
    }
}
