package dev.jobgateway.providers.generic;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.jobgateway.providers.Retries;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The built-in generic AI-server protocol's settings; the provider is configured when its URL is set. */
@ConfigMapping(prefix = "gateway.providers.generic")
public interface GenericConfig {

    /**
     * Base URL of the AI server, e.g. {@code https://ai.example.com}; the provider is configured when it is set.
     */
    Optional<String> url();

    /** How a webhook proves it comes from this AI server. */
    @WithDefault("signature")
    WebhookAuth webhookAuth();

    /**
     * Accepted Standard Webhooks secrets ({@code whsec_...}), comma-separated; the first one is current, the others
     * are accepted during rotation.
     */
    Optional<List<String>> webhookSecrets();

    /** Calls made to hand a job to the AI server before the job is failed (1 = no retry). */
    @WithDefault("3")
    int submitAttempts();

    /** First pause between submit attempts; it doubles, with jitter, on each retry. */
    @WithDefault("200ms")
    Duration submitBackoff();

    /**
     * The longest {@code Retry-After} (of a 429 or 503) that is waited for before the next attempt; a longer one fails
     * the hand-off at once.
     */
    @WithDefault("3s")
    Duration maxRetryAfter();

    /** Time allowed for one call to the AI server. */
    @WithDefault("5s")
    Duration requestTimeout();

    /** The retry policy of a hand-off under these settings. */
    default Retries.Policy submitRetries() {
        return new Retries.Policy(submitAttempts(), submitBackoff(), maxRetryAfter());
    }
}
