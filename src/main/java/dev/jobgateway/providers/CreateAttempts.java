package dev.jobgateway.providers;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * Hand-offs to providers, tried again ({@link Retries}) only where that cannot start a second, billed generation. Which
 * failures that is depends on whether the provider's create is idempotent ({@link Idempotency}); the error codes and
 * messages of a failed hand-off are the same for every provider.
 */
public final class CreateAttempts {

    private static final Logger LOG = Logger.getLogger(CreateAttempts.class);

    /** Whether repeating a create whose outcome is unknown can start a second job at the provider. */
    public enum Idempotency {
        /**
         * Every attempt names the same job (Cog's {@code PUT} by the job id, generic's {@code Idempotency-Key}): any
         * failure but a refusal is tried again, a {@code 409} (busy, or the same key still in progress) included.
         */
        IDEMPOTENT,
        /**
         * No idempotency key (Replicate, fal, RunPod, ComfyUI): only what certainly created nothing is tried again, a
         * {@code 429} and a connection that was never made. A timeout, a broken connection or a 5xx may have created
         * the job, so the hand-off fails instead, saying that the outcome is unknown.
         */
        NOT_IDEMPOTENT;

        /** Whether a create that failed so may be made again. */
        public boolean mayRepeat(Throwable failure) {
            if (failure instanceof HttpStatusException status) {
                int code = status.status();
                return code == 429 || (this == IDEMPOTENT && (code == 409 || code >= 500));
            }
            if (failure instanceof InvalidAnswerException) {
                return false;
            }
            return this == IDEMPOTENT || ProviderHttp.neverSent(failure);
        }
    }

    private CreateAttempts() {
    }

    /**
     * Runs {@code create} (which yields the provider's id for the job) under the policy, repeating what
     * {@code idempotency} allows; never fails. {@code provider} names it in the log.
     */
    public static Uni<Handoff> run(String provider, Retries.Policy policy, Idempotency idempotency,
            Supplier<Uni<String>> create) {
        AtomicInteger attempts = new AtomicInteger();
        Stopwatch watch = Stopwatch.start();
        return Retries.run(policy, idempotency::mayRepeat, attempts, create)
                .map(externalId -> new Handoff(externalId, attempts.get(), watch.elapsedMs(), null, null))
                .onFailure().recoverWithItem(failure -> {
                    Handoff failed = new Handoff(null, attempts.get(), watch.elapsedMs(),
                            errorCode(idempotency, failure), message(idempotency, failure, through(policy,
                                    attempts.get())));
                    LOG.warnf("Hand-off to %s failed after %d attempt(s): %s", provider, attempts.get(),
                            failed.errorMessage());
                    return failed;
                });
    }

    static String errorCode(Idempotency idempotency, Throwable failure) {
        if (failure instanceof HttpStatusException status) {
            int code = status.status();
            return code == 429 || (code == 409 && idempotency == Idempotency.IDEMPOTENT) ? "ai_server_throttled"
                    : code >= 500 ? "ai_server_error" : "ai_server_rejected";
        }
        if (failure instanceof InvalidAnswerException) {
            return "ai_server_invalid_response";
        }
        if (idempotency == Idempotency.IDEMPOTENT || ProviderHttp.neverSent(failure)) {
            return "ai_server_unreachable";
        }
        return "ai_server_outcome_unknown";
    }

    /** " through 3 attempt(s)", and the budget they were made within, if the policy has one. */
    static String through(Retries.Policy policy, int attempts) {
        return " through " + attempts + " attempt(s)" + (policy.budget() == null ? ""
                : " within the " + policy.budget().toSeconds() + " s submit budget");
    }

    /** The message of a failed hand-off; {@code through} says how many attempts were made ({@link #through}). */
    static String message(Idempotency idempotency, Throwable failure, String through) {
        if (failure instanceof HttpStatusException status) {
            int code = status.status();
            String said = status.detail() == null ? "" : " (" + status.detail() + ")";
            if (code == 429) {
                Duration retryAfter = Retries.retryAfter(status.answer().header("Retry-After"));
                return "The AI server kept refusing the job as rate limited (HTTP 429"
                        + (retryAfter == null ? "" : ", Retry-After " + retryAfter.toSeconds() + " s") + ").";
            }
            if (code == 409 && idempotency == Idempotency.IDEMPOTENT) {
                return "The AI server stayed busy (HTTP 409" + said + ": every slot taken)" + through + ".";
            }
            if (code >= 500) {
                return "The AI server answered HTTP " + code + said + (idempotency == Idempotency.IDEMPOTENT
                        ? through + "."
                        : "; not retried, since it may have taken the job and a repeated create would start a second "
                                + "generation.");
            }
            return "The AI server refused the job with HTTP " + code + said + ".";
        }
        if (idempotency == Idempotency.IDEMPOTENT || ProviderHttp.neverSent(failure)
                || failure instanceof InvalidAnswerException) {
            return ProviderCallException.describe(failure);
        }
        return ProviderCallException.describe(failure) + " It may have taken the job; it was not asked again, since "
                + "a repeated create would start a second generation.";
    }

    /** A provider accepted a call but its answer cannot be used (no id, not JSON). */
    public static class InvalidAnswerException extends ProviderCallException {
        public InvalidAnswerException(String message) {
            super(message);
        }
    }
}
