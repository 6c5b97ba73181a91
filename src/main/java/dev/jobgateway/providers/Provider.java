package dev.jobgateway.providers;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.Report;
import dev.jobgateway.platform.ProblemType;
import io.smallrye.mutiny.Uni;

/**
 * An AI-server provider: everything about a job that depends on which AI server runs it. The gateway's core and its
 * use cases (submit, read, cancel, the fallback) see only this interface and the provider-neutral {@link Report}; a
 * provider's field names, statuses and credentials stay behind it. Every provider hands jobs off, checks on them and
 * cancels them; one that sends webhooks also implements {@link WebhookReceiver}, one that sends none says how it is
 * polled instead ({@link #pollOnly()}). A provider is an {@code @ApplicationScoped} bean in its own package, with its
 * settings in a {@code @ConfigMapping} of its own there, found by {@link ProviderRegistry} by its {@link #name()}.
 */
public interface Provider {

    /**
     * The name submits use ({@code "provider"}), webhook routes carry ({@code /webhooks/{name}/...}) and jobs store.
     */
    String name();

    /**
     * Whether the configuration gives this provider what it needs (its URL or credentials). Only configured providers
     * take submits and webhooks; an unconfigured one is as unknown as a provider that does not exist.
     */
    boolean configured();

    /**
     * Checks the submit's provider-specific routing (e.g. Replicate's model or version, fal's model id) and returns
     * what the job stores: the model given, this provider's configured default, or null where the provider has no
     * such notion. Throws {@code invalid-request} (422) for routing the provider cannot take.
     */
    String route(String model);

    /**
     * {@link #route} of a provider without models (the AI server runs one, or the input names what it needs): null,
     * or {@code invalid-request} (422) saying {@code why} when the submit names a model anyway.
     */
    static String noModel(String model, String why) {
        if (model != null) {
            throw ProblemType.INVALID_REQUEST.with(why);
        }
        return null;
    }

    /**
     * Checks the job's input for what this provider needs in it (e.g. ComfyUI's workflow graph) before anything is
     * stored, throwing {@code invalid-request} (422) for input it cannot take. Most providers pass the input on as it
     * is and check nothing.
     */
    default void checkInput(JsonNode input) {
    }

    /**
     * Empty for a provider that reports by webhook (a {@link WebhookReceiver}: polling is then only the fallback for
     * webhooks that do not come); for a provider that sends none, the cadence at which the gateway polls it instead:
     * completion is then learned only by polling, driven by waits, reads and the sweeper.
     */
    default Optional<PollCadence> pollOnly() {
        return Optional.empty();
    }

    /**
     * Hands the job to the provider, retrying only what is safe to retry for it. Never fails: a hand-off that did not
     * happen (or whose outcome is unknown) is a {@link Handoff} with an error code, which fails the job.
     */
    Uni<Handoff> submit(Order order);

    /**
     * Asks the provider about a job (the fallback when webhooks do not come, the poll of a poll-only provider). Not
     * retried here: the fallback's per-job check interval is the retry policy. Fails, with a
     * {@link ProviderCallException} whose message is safe for the timeline, when there is no usable answer
     * (unreachable, an error, a status it does not know).
     */
    Uni<Report> status(ProviderJob job);

    /**
     * Whether the fallback may ask {@link #status} about a job only once its deadline has passed. True for a provider
     * that has no way to ask about a job that could neither run it again nor stop it (Cog: no read of a prediction, a
     * {@code PUT} of an ended one starts it again): its jobs are left to their webhooks until the deadline, and the
     * check there may stop the job (which the gateway fails anyway) to learn whether the provider still had it.
     */
    default boolean checkedOnlyAtDeadline() {
        return false;
    }

    /**
     * Whether a job this provider reports lost at its deadline ({@code upstream_lost}) is handed to it once more
     * instead of failing: a second generation, with a new deadline as long as the first. Only where the operator opted
     * in (Cog: {@code rerun-lost-predictions}); false by default.
     */
    default boolean rerunsLostJobs() {
        return false;
    }

    /** Asks the provider to stop a job, once; the outcome, never a failure. */
    Uni<CancelAttempt> cancel(ProviderJob job);

    /** The longest one {@link #status} call can take, so the fallback's lease outlasts it. */
    Duration longestCheck();

    /**
     * Which values of a succeeded job's output are files to copy when output storage is on, as JSON pointers
     * ({@code /images/0/url}), in output order (the index of a file is its place in this list). By default every
     * string that is an http(s) or data URL; a provider whose output holds other URLs (a link to a model page, a log)
     * overrides it.
     */
    default List<String> outputFiles(JsonNode output) {
        return OutputFileFinder.urls(output);
    }
}
