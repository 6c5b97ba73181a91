package dev.jobgateway.job;

import dev.jobgateway.platform.Ids;

/**
 * Every Redis key the gateway uses. One job's keys share the hash tag {@code {job id}}, so they live in one
 * Redis Cluster slot and a Lua script may touch them together.
 */
final class Keys {

    private static final String PREFIX = "jobgw:";

    private Keys() {
    }

    static String job(String jobId) {
        return PREFIX + "job:{" + jobId + "}";
    }

    static String timeline(String jobId) {
        return job(jobId) + ":timeline";
    }

    /** Hashed, so whatever a sender puts in {@code webhook-id} makes a short, safe key. */
    static String webhookSeen(String jobId, String webhookId) {
        return job(jobId) + ":seen:" + Ids.sha256(webhookId);
    }

    /** Lease held by the one instance allowed to ask the AI server about this job right now. */
    static String checkLease(String jobId) {
        return job(jobId) + ":check";
    }

    /**
     * Non-terminal jobs by the time (epoch ms) they are next due for a check: the sweeper's work list. One key
     * on purpose: it is only ever used alone, so it does not need the jobs' hash tags.
     */
    static String pending() {
        return PREFIX + "pending";
    }

    /**
     * The webhook-token key that instances share when none is configured ({@code gateway.webhooks.token-keys}): one
     * key, so one Cluster slot, read once per instance.
     */
    static String webhookTokenKey() {
        return PREFIX + "webhook-token-key";
    }

    static String externalId(String provider, String externalId) {
        return PREFIX + "ext:{" + provider + ":" + Ids.sha256(externalId) + "}";
    }

    /** Webhooks waiting for their external id to be mapped; same slot as {@link #externalId}. */
    static String parkedWebhooks(String provider, String externalId) {
        return externalId(provider, externalId) + ":parked";
    }

    /**
     * One owner's {@code Idempotency-Key}, hashed: the client's key may hold anything, and owners (checked
     * against a strict pattern when configured) contain no braces, so the hash tag stays intact.
     */
    static String idempotency(String owner, String idempotencyKey) {
        return PREFIX + "idem:{" + owner + ":" + Ids.sha256(idempotencyKey) + "}";
    }
}
