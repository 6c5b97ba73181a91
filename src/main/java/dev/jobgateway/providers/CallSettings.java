package dev.jobgateway.providers;

import java.time.Duration;

import io.smallrye.config.WithDefault;

/**
 * How the gateway calls a provider, the same settings for every one under its own {@code gateway.providers.<name>.*}:
 * a provider's {@code @ConfigMapping} extends this (or {@link AttemptSettings}, when its hand-off is bounded by a
 * number of attempts), and overrides a default where its provider needs another. Which failures a hand-off repeats is
 * not a setting: it follows from whether the provider's create is idempotent ({@link CreateAttempts.Idempotency}).
 */
public interface CallSettings {

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
}
