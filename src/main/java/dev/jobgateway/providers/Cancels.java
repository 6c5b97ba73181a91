package dev.jobgateway.providers;

import java.util.function.Function;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;

/**
 * A cancel, the same for every provider: asked once, timed, its answer told in the timeline's words, and a call that
 * failed (unreachable, timed out) an attempt that was not accepted, never a failure.
 */
public final class Cancels {

    private static final Logger LOG = Logger.getLogger(Cancels.class);

    private Cancels() {
    }

    /**
     * One cancel call: accepted on a 2xx ("{@code aiServer} accepted the cancel."), not accepted with the answer's
     * status otherwise ("{@code aiServer} answered HTTP 404" and what {@code said} reads in the answer, if anything).
     */
    public static Uni<CancelAttempt> send(String provider, String aiServer, String externalId,
            Supplier<Uni<ProviderHttp.Answer>> call, Function<ProviderHttp.Answer, String> said) {
        return timed(provider, externalId, watch -> Uni.createFrom().deferred(call::get).map(answer -> answer.ok()
                ? new CancelAttempt(true, answer.status(), watch.elapsedMs(), aiServer + " accepted the cancel.")
                : new CancelAttempt(false, answer.status(), watch.elapsedMs(), aiServer + " answered HTTP "
                        + answer.status() + said.apply(answer) + ".")));
    }

    /** {@link #send} of a provider whose refusals say nothing more than their status. */
    public static Uni<CancelAttempt> send(String provider, String aiServer, String externalId,
            Supplier<Uni<ProviderHttp.Answer>> call) {
        return send(provider, aiServer, externalId, call, answer -> "");
    }

    /**
     * A cancel of more than one call (e.g. ComfyUI's look at its queue first): {@code attempt} times itself with the
     * stopwatch it is given; a failure becomes an attempt not accepted, with the failed call's status if it had one.
     */
    public static Uni<CancelAttempt> timed(String provider, String externalId,
            Function<Stopwatch, Uni<CancelAttempt>> attempt) {
        Stopwatch watch = Stopwatch.start();
        return Uni.createFrom().deferred(() -> attempt.apply(watch)).onFailure().recoverWithItem(failure -> {
            LOG.infof("Cancel of %s job %s failed: %s", provider, externalId, ProviderCallException.describe(failure));
            return new CancelAttempt(false, failure instanceof HttpStatusException status ? status.status() : null,
                    watch.elapsedMs(), ProviderCallException.describe(failure));
        });
    }
}
