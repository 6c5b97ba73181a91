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
 * @param errorCode the {@code error.code} of a failed job, or null for {@code generation_failed}
 * @param queuePosition the job's place in the provider's queue while it waits there (0 = next), or null
 * @param errorSource the {@code error.source} of a failed job when it is not the AI server's own verdict (e.g.
 *        {@code upstream_lost}: the AI server no longer knows the job, so the gateway fails it rather than leave it
 *        unfinished), or null for {@code ai_server}
 */
public record Report(JobStatus status, String upstreamStatus, Double progress, String outputJson,
        String errorMessage, String errorCode, Integer queuePosition, Job.ErrorSource errorSource) {

    /** A report whose failure, if any, is the AI server's own. */
    public Report(JobStatus status, String upstreamStatus, Double progress, String outputJson, String errorMessage,
            String errorCode, Integer queuePosition) {
        this(status, upstreamStatus, progress, outputJson, errorMessage, errorCode, queuePosition, null);
    }

    /** A report with neither an error code of its own nor a queue position. */
    public Report(JobStatus status, String upstreamStatus, Double progress, String outputJson, String errorMessage) {
        this(status, upstreamStatus, progress, outputJson, errorMessage, null, null, null);
    }

    /** Progress outside 0..1 is a sender's mistake, not a fact to store. */
    public boolean hasValidProgress() {
        return progress == null || (progress >= 0 && progress <= 1);
    }

    /** The same report without its progress. */
    Report withoutProgress() {
        return new Report(status, upstreamStatus, null, outputJson, errorMessage, errorCode, queuePosition,
                errorSource);
    }
}
