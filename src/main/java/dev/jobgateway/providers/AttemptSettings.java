package dev.jobgateway.providers;

import io.smallrye.config.WithDefault;

/** {@link CallSettings} of a provider whose hand-off makes at most so many create calls. */
public interface AttemptSettings extends CallSettings {

    /** Create calls made before the job is failed (1 = no retry). */
    @WithDefault("3")
    int submitAttempts();

    /** The retry policy of a hand-off under these settings. */
    default Retries.Policy submitRetries() {
        return new Retries.Policy(submitAttempts(), submitBackoff(), maxRetryAfter());
    }
}
