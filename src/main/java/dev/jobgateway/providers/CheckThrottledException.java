package dev.jobgateway.providers;

import java.time.Duration;

/**
 * A status call was not made: the provider's shared call budget (e.g. a per-endpoint rate limit, counted across all
 * instances) is spent for now. Not a failed check: the fallback asks again after {@link #retryAfter()}, without
 * counting it against the AI server or backing off.
 */
public class CheckThrottledException extends ProviderCallException {

    private final Duration retryAfter;

    public CheckThrottledException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
