package dev.jobgateway.job;

/**
 * What an AI server says about one of its jobs, in the gateway's own terms, whoever the provider: the core never
 * learns a provider's field names. Built by a provider's mapping from a webhook body or a status answer.
 *
 * @param status the gateway status the provider's status maps to
 * @param upstreamStatus the provider's own word for it, kept in the timeline
 * @param progress 0 to 1, or null
 * @param outputJson the output as JSON text, or null
 * @param errorMessage the provider's error message for a failed job, or null
 */
public record Report(JobStatus status, String upstreamStatus, Double progress, String outputJson,
        String errorMessage) {

    /** Progress outside 0..1 is a sender's mistake, not a fact to store. */
    public boolean hasValidProgress() {
        return progress == null || (progress >= 0 && progress <= 1);
    }
}
