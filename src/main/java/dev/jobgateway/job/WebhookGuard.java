package dev.jobgateway.job;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

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
     * The script's check ({@code store/transition.lua}), made in Java on a job already read, in the script's order:
     * what does not match, or empty. Output storage reads the job before a success to list its files, and a webhook
     * that does not match must not get as far as storing its data URLs; a token sender's terminal webhook is
     * confirmed only for the job its token is for.
     */
    public Optional<Refusal> refusal(StoredJob job) {
        if (tokenHash != null && !sameHash(tokenHash, job.fields().get(StoredJob.WEBHOOK_TOKEN_HASH))) {
            return Optional.of(Refusal.TOKEN);
        }
        if (!provider.equals(job.provider())) {
            return Optional.of(Refusal.PROVIDER);
        }
        String externalIdOfJob = job.fields().get(StoredJob.EXTERNAL_ID);
        if (externalId != null && externalIdOfJob != null && !externalId.equals(externalIdOfJob)) {
            return Optional.of(Refusal.EXTERNAL_ID);
        }
        return Optional.empty();
    }

    boolean admits(StoredJob job) {
        return refusal(job).isEmpty();
    }

    /** Whether the webhook's per-job token is the job's (false for a signed webhook, which has none). */
    public boolean tokenMatches(StoredJob job) {
        return tokenHash != null && sameHash(tokenHash, job.fields().get(StoredJob.WEBHOOK_TOKEN_HASH));
    }

    /** Both are SHA-256 hex: compared in constant time all the same. */
    private static boolean sameHash(String a, String b) {
        return b != null
                && MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
