package dev.jobgateway.providers;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * How the gateway calls a provider, the same four settings for every one under its own
 * {@code gateway.providers.<name>.*}: a provider's {@code @ConfigMapping} extends it, and overrides a default where
 * its provider needs another (Cog's attempts and timeout, generic's backoff). Which failures a hand-off repeats is not
 * a setting: it follows from whether the provider's create is idempotent ({@link CreateAttempts.Idempotency}).
 */
public interface CallSettings {

    /** Create calls made before the job is failed (1 = no retry). */
    @WithDefault("3")
    int submitAttempts();

    /** First pause between create calls; doubles on each retry, with jitter. */
    @WithDefault("500ms")
    Duration submitBackoff();

    /**
     * The longest {@code Retry-After} (seconds or an HTTP-date) that is waited for before the next create call; a
     * longer one fails the hand-off at once.
     */
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
