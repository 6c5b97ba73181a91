package dev.jobgateway.providers;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * The call settings of a provider whose create call has no idempotency key it can trust (Replicate, fal, ComfyUI,
 * RunPod): the same rules, each provider's own values, under its own {@code gateway.providers.<name>.*}. A provider's
 * {@code @ConfigMapping} extends it.
 */
public interface HostedCalls {

    /** Create calls made before the job is failed; only 429s and connections never made are retried. */
    @WithDefault("3")
    int submitAttempts();

    /** First pause between create calls; doubles on each retry, with jitter. */
    @WithDefault("500ms")
    Duration submitBackoff();

    /** The longest {@code Retry-After} of a 429 that is waited for; a longer one fails the hand-off at once. */
    @WithDefault("3s")
    Duration maxRetryAfter();

    /** Time allowed for one call to the provider (a fal fallback check may make two: status, then result). */
    @WithDefault("5s")
    Duration requestTimeout();

    /** The retry policy of a hand-off under these settings. */
    default Retries.Policy submitRetries() {
        return new Retries.Policy(submitAttempts(), submitBackoff(), maxRetryAfter());
    }
}
