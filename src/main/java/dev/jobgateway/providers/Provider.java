package dev.jobgateway.providers;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.job.Arrival;
import dev.jobgateway.job.Report;
import io.smallrye.mutiny.Uni;

/**
 * An AI-server provider: everything about a job that depends on which AI server runs it. The gateway's core and its
 * use cases (submit, read, cancel, the fallback, webhooks) see only this interface and the provider-neutral
 * {@link Report}; a provider's field names, statuses, credentials and signature scheme stay behind it. A provider is
 * an {@code @ApplicationScoped} bean in its own package, found by {@link ProviderRegistry} by its {@link #name()}.
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
     * Checks the job's input for what this provider needs in it (e.g. ComfyUI's workflow graph) before anything is
     * stored, throwing {@code invalid-request} (422) for input it cannot take. Most providers pass the input on as it
     * is and check nothing.
     */
    default void checkInput(JsonNode input) {
    }

    /**
     * Empty for a provider that reports by webhook (polling is then only the fallback for webhooks that do not
     * come); for a provider that sends none, the cadence at which the gateway polls it instead: completion is then
     * learned only by polling, driven by waits, reads and the sweeper.
     */
    default Optional<PollCadence> pollOnly() {
        return Optional.empty();
    }

    /** The URL the provider posts this job's webhooks to; {@code token} is the job's per-job webhook token. */
    String webhookUrl(String publicBaseUrl, String jobId, String token);

    /**
     * Hands the job to the provider, retrying only what is safe to retry for it. Never fails: a hand-off that did not
     * happen (or whose outcome is unknown) is a {@link Handoff} with an error code, which fails the job.
     */
    Uni<Handoff> submit(Order order);

    /**
     * Asks the provider about a job (the fallback when webhooks do not come). Not retried here: the fallback's
     * per-job check interval is the retry policy. Fails, with a {@link ProviderCallException} whose message is safe
     * for the timeline, when there is no usable answer (unreachable, an error, a status it does not know).
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
     * Whether a terminal report that arrives by a webhook authenticated only by its per-job token is confirmed with
     * one {@link #status} call before it is applied (the status answer is what is applied). For senders that cannot
     * sign, whose URL token could have leaked into a log: a forged "succeeded" with someone else's output is then
     * never taken. False by default.
     */
    default boolean confirmsTerminalWebhooks() {
        return false;
    }

    /**
     * The largest webhook body this provider's route takes, in bytes; by default the gateway's
     * {@code gateway.limits.max-body-bytes} ({@code gatewayLimit}). A provider whose webhooks carry outputs inline
     * (e.g. data URLs) sets its own.
     */
    default int maxWebhookBodyBytes(int gatewayLimit) {
        return gatewayLimit;
    }

    /**
     * Authenticates a webhook with this provider's scheme, before its body is parsed: the arrival as the timeline
     * records it, or a failure with {@code invalid-webhook-signature} (401), or a 503 when the gateway cannot check
     * right now (e.g. the provider's public keys cannot be fetched), so that the sender retries.
     * {@link Arrival.Webhook#BY_TOKEN} asks the caller to check the per-job token against the job.
     */
    Uni<Arrival.Webhook> authenticate(WebhookRequest request);

    /**
     * Reads an authenticated webhook: which provider job it is about and what it reports, in the gateway's terms.
     * Throws {@code invalid-json} (400), {@code unknown-status} or {@code external-id-mismatch} (422).
     */
    InboundWebhook read(WebhookRequest request);

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
