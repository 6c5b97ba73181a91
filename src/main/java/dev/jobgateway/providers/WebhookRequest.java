package dev.jobgateway.providers;

import java.time.Instant;
import java.util.function.Function;

/**
 * A webhook as it arrived, before anything is trusted: the raw body is what signatures cover.
 *
 * @param jobId the job id from the URL ({@code /webhooks/{provider}/{jobId}}), or null for the fixed URL
 * @param token the {@code ?token=} query parameter, or null
 * @param headers header lookup by name, case-insensitive; null when absent
 * @param body the raw body, never null
 * @param receivedAt when it arrived
 */
public record WebhookRequest(String jobId, String token, Function<String, String> headers, byte[] body,
        Instant receivedAt) {

    public String header(String name) {
        return headers.apply(name);
    }
}
