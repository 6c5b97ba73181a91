package dev.jobgateway.job;

import java.time.Instant;

/**
 * A job about to be stored, before it is handed to the AI server.
 *
 * @param provider the provider it goes to
 * @param model the provider-specific routing it was submitted with (e.g. a Replicate model), or null
 * @param expectedAt when it is expected to finish, from how long the provider's recent jobs took
 *        ({@link DurationHistory}), or null without enough history
 */
public record NewJob(String id, String owner, String provider, String inputJson, Instant createdAt,
        Instant deadlineAt, String webhookTokenHash, String model, Instant expectedAt) {

    /** A job without provider-specific routing or an expected end. */
    public NewJob(String id, String owner, String provider, String inputJson, Instant createdAt, Instant deadlineAt,
            String webhookTokenHash) {
        this(id, owner, provider, inputJson, createdAt, deadlineAt, webhookTokenHash, null, null);
    }
}
