package dev.jobgateway.job;

/**
 * What a webhook to {@code /webhooks/{provider}/{jobId}} must match on the job it names, checked by the transition
 * script in the same step as the change (one Redis round trip per webhook, no read before it): the job was handed
 * to {@code provider}; if the webhook names the AI server's job, it is the job's ({@code externalId}, null: not
 * named); if it was authenticated by the per-job token rather than a signature, the token's hash is the job's
 * ({@code tokenHash}, null: signed). A mismatch changes nothing, not even the dedupe marker.
 */
public record WebhookGuard(String provider, String externalId, String tokenHash) {

    /** Why the script refused the webhook: the reason it returns with the {@code rejected} outcome. */
    public enum Refusal {
        /** The per-job token does not match the job's. */
        TOKEN,
        /** The job was handed to another provider. */
        PROVIDER,
        /** The webhook names another AI-server job than the job's. */
        EXTERNAL_ID
    }

    /**
     * The script's check, made in Java on a job already read (output storage reads the job before a success to list
     * its files): a webhook that does not match must not get as far as storing its data URLs.
     */
    boolean admits(StoredJob job) {
        String tokenHashOfJob = job.fields().get(StoredJob.WEBHOOK_TOKEN_HASH);
        String externalIdOfJob = job.fields().get(StoredJob.EXTERNAL_ID);
        return (tokenHash == null || tokenHash.equals(tokenHashOfJob)) && provider.equals(job.provider())
                && (externalId == null || externalIdOfJob == null || externalId.equals(externalIdOfJob));
    }
}
