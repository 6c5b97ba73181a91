package dev.jobgateway.providers;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * Hand-offs to providers whose create call has no idempotency key (Replicate, fal): only what certainly did not
 * create a job there is tried again, a {@code 429} (after its {@code Retry-After}, if that fits the budget) and a
 * connection that was never made. A timeout, a broken connection or a 5xx may have created one: repeating it could
 * start a second, billed generation, so the hand-off fails instead, saying that the outcome is unknown.
 */
public final class CreateAttempts {

    private static final Logger LOG = Logger.getLogger(CreateAttempts.class);

    /**
     * @param attempts calls in all (1 = no retry)
     * @param backoff the first pause between calls, doubled each time
     * @param maxRetryAfter the longest {@code Retry-After} honoured; a longer one ends the hand-off at once
     */
    public record Policy(int attempts, Duration backoff, Duration maxRetryAfter) {
    }

    private CreateAttempts() {
    }

    /** Runs {@code create} (which yields the provider's id for the job) under the policy; never fails. */
    public static Uni<Handoff> run(String provider, Policy policy, Supplier<Uni<String>> create) {
        AtomicInteger attempts = new AtomicInteger();
        long started = System.nanoTime();
        return attempt(policy, create, attempts)
                .map(externalId -> new Handoff(externalId, attempts.get(), elapsedMs(started), null, null))
                .onFailure().recoverWithItem(failure -> {
                    Handoff failed = new Handoff(null, attempts.get(), elapsedMs(started), errorCode(failure),
                            message(failure));
                    LOG.warnf("Hand-off to %s failed after %d attempt(s): %s", provider, attempts.get(),
                            failed.errorMessage());
                    return failed;
                });
    }

    private static Uni<String> attempt(Policy policy, Supplier<Uni<String>> create, AtomicInteger attempts) {
        int attempt = attempts.incrementAndGet();
        return Uni.createFrom().<String> deferred(create::get).onFailure().recoverWithUni(failure -> {
            Duration pause = pauseBeforeRetry(policy, failure, attempt);
            if (pause == null) {
                return Uni.createFrom().failure(failure);
            }
            return Uni.createFrom().voidItem().onItem().delayIt().by(pause)
                    .chain(() -> attempt(policy, create, attempts));
        });
    }

    /** How long to wait before trying again, or null when the failure is final. */
    static Duration pauseBeforeRetry(Policy policy, Throwable failure, int attempt) {
        if (attempt >= policy.attempts()) {
            return null;
        }
        Duration backoff = policy.backoff().multipliedBy(1L << Math.min(attempt - 1, 10));
        if (failure instanceof HttpStatusException status && status.status() == 429) {
            Duration retryAfter = status.answer().retryAfter();
            if (retryAfter == null) {
                return backoff;
            }
            return retryAfter.compareTo(policy.maxRetryAfter()) > 0 ? null
                    : retryAfter.compareTo(backoff) > 0 ? retryAfter : backoff;
        }
        return ProviderHttp.neverSent(failure) ? backoff : null;
    }

    static String errorCode(Throwable failure) {
        if (failure instanceof HttpStatusException status) {
            int code = status.status();
            return code == 429 ? "ai_server_throttled" : code >= 500 ? "ai_server_error" : "ai_server_rejected";
        }
        if (ProviderHttp.neverSent(failure)) {
            return "ai_server_unreachable";
        }
        if (failure instanceof InvalidAnswerException) {
            return "ai_server_invalid_response";
        }
        return "ai_server_outcome_unknown";
    }

    static String message(Throwable failure) {
        if (failure instanceof HttpStatusException status) {
            int code = status.status();
            String said = status.detail() == null ? "" : " (" + status.detail() + ")";
            if (code == 429) {
                Duration retryAfter = status.answer().retryAfter();
                return "The AI server kept refusing the job as rate limited (HTTP 429"
                        + (retryAfter == null ? "" : ", Retry-After " + retryAfter.toSeconds() + " s") + ").";
            }
            if (code >= 500) {
                return "The AI server answered HTTP " + code + said + "; not retried, since it may have taken the "
                        + "job and a repeated create would start a second generation.";
            }
            return "The AI server refused the job with HTTP " + code + said + ".";
        }
        if (ProviderHttp.neverSent(failure) || failure instanceof InvalidAnswerException) {
            return ProviderCallException.describe(failure);
        }
        return ProviderCallException.describe(failure) + " It may have taken the job; it was not asked again, since "
                + "a repeated create would start a second generation.";
    }

    private static long elapsedMs(long startedNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    /** A provider accepted a call but its answer cannot be used (no id, not JSON). */
    public static class InvalidAnswerException extends ProviderCallException {
        public InvalidAnswerException(String message) {
            super(message);
        }
    }
}
