package dev.jobgateway.job;

import java.time.Instant;

/** A job about to be stored, before it is handed to the AI server. */
public record NewJob(String id, String owner, String provider, String inputJson, Instant createdAt,
        Instant deadlineAt, String webhookTokenHash) {
}
