package dev.jobgateway.job;

import java.time.Instant;

/**
 * A job about to be stored, before it is handed to the AI server.
 *
 * @param provider the provider it goes to
 * @param model the provider-specific routing it was submitted with (e.g. a Replicate model), or null
 */
public record NewJob(String id, String owner, String provider, String inputJson, Instant createdAt,
        Instant deadlineAt, String webhookTokenHash, String model) {

    /** A job without provider-specific routing. */
    public NewJob(String id, String owner, String provider, String inputJson, Instant createdAt, Instant deadlineAt,
            String webhookTokenHash) {
        this(id, owner, provider, inputJson, createdAt, deadlineAt, webhookTokenHash, null);
    }
}
