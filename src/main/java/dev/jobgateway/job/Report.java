package dev.jobgateway.job;

/**
 * What an AI server says about one of its jobs, in the gateway's own terms, whoever the provider: the core never
 * learns a provider's field names. Built by a provider's mapping from a webhook body or a status answer, through the
 * factory named for what the AI server said ({@link #succeeded}, {@link #failed}, {@link #lost}, ...).
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

    /** The job waits in the AI server's queue. */
    public static Report queued(String upstreamStatus) {
        return queued(upstreamStatus, null);
    }

    /** The job waits in the AI server's queue, at {@code position} (0 = next; null: not told). */
    public static Report queued(String upstreamStatus, Integer position) {
        return new Report(JobStatus.QUEUED, upstreamStatus, null, null, null, null, position, null);
    }

    /** The job runs, {@code progress} (0 to 1) done, or null: not told. */
    public static Report running(String upstreamStatus, Double progress) {
        return new Report(JobStatus.RUNNING, upstreamStatus, progress, null, null, null, null, null);
    }

    /** The job succeeded with {@code outputJson} (null: no output); all of it is done. */
    public static Report succeeded(String upstreamStatus, String outputJson) {
        return new Report(JobStatus.SUCCEEDED, upstreamStatus, 1.0, outputJson, null, null, null, null);
    }

    /** The AI server says the job failed, with its message (or null); {@code error.code} {@code generation_failed}. */
    public static Report failed(String upstreamStatus, String errorMessage) {
        return failed(upstreamStatus, errorMessage, null);
    }

    /** The AI server says the job failed, for the reason {@code errorCode} (null: {@code generation_failed}). */
    public static Report failed(String upstreamStatus, String errorMessage, String errorCode) {
        return new Report(JobStatus.FAILED, upstreamStatus, null, null, errorMessage, errorCode, null, null);
    }

    /**
     * The AI server no longer knows the job, so the gateway fails it ({@code error.source: upstream_lost}) rather
     * than leave it unfinished; {@code errorMessage} says why the outcome cannot be had.
     */
    public static Report lost(String upstreamStatus, String errorMessage, String errorCode) {
        return new Report(JobStatus.FAILED, upstreamStatus, null, null, errorMessage, errorCode, null,
                Job.ErrorSource.UPSTREAM_LOST);
    }

    /** The job was cancelled. */
    public static Report cancelled(String upstreamStatus) {
        return new Report(JobStatus.CANCELLED, upstreamStatus, null, null, null, null, null, null);
    }

    /**
     * Any status with what the sender gave beside it, for a provider whose own words are the gateway's (the generic
     * protocol): a failure is the AI server's own.
     */
    public static Report of(JobStatus status, String upstreamStatus, Double progress, String outputJson,
            String errorMessage) {
        return new Report(status, upstreamStatus, progress, outputJson, errorMessage, null, null, null);
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
