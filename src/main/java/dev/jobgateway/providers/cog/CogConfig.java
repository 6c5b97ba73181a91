package dev.jobgateway.providers.cog;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.jobgateway.providers.CallSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** A self-hosted Cog model server; the provider is configured when its URL is set. */
@ConfigMapping(prefix = "gateway.providers.cog")
public interface CogConfig extends CallSettings {

    /** Base URL of the Cog server, e.g. {@code http://cog.internal:5000}; the provider is configured when set. */
    Optional<String> url();

    /**
     * The server's {@code WEBHOOK_AUTH_TOKEN}: when set, every Cog webhook must carry it as
     * {@code Authorization: Bearer} (compared in constant time), besides the per-job URL token.
     */
    Optional<String> webhookAuthToken();

    /** The webhook events asked for ({@code webhook_events_filter}): start, output, logs, completed. */
    @WithDefault("start,output,logs,completed")
    List<String> webhookEvents();

    /**
     * The longest a hand-off to Cog takes, all attempts together: the {@code PUT} is tried again (503 while Cog's setup
     * runs, 409 while every slot is busy, 429, other 5xx, timeouts, lost connections) only while another attempt, with
     * its pause and its request timeout, still ends within it. 16 s leaves the submit function's 24 s on Lambda room
     * for its Redis writes around the hand-off.
     */
    @WithDefault("16s")
    Duration submitBudget();

    /**
     * First pause between {@code PUT} calls; doubles on each retry, with jitter, to at most 4 s (0.5, 1, 2, 4, 4 ...
     * s).
     */
    @Override
    @WithDefault("500ms")
    Duration submitBackoff();

    /**
     * Whether a job whose prediction Cog no longer knows at the deadline (it ended, its result never came:
     * {@code upstream_lost}) is handed to Cog once more, as the job's second generation with a new deadline as long as
     * the first, instead of failing. Off: a Cog model never runs twice for a job. On only where a second run (a second
     * GPU bill, a different result) is wanted rather than a lost job.
     */
    @WithDefault("false")
    boolean rerunLostPredictions();

    /** Time allowed for one call to the Cog server (a {@code respond-async} PUT answers at once). */
    @Override
    @WithDefault("3s")
    Duration requestTimeout();

    /**
     * Largest webhook body Cog's route takes, in bytes (other providers: {@code limits.max-body-bytes}): Cog sends
     * outputs inline as data URLs unless started with an upload URL. Above it: 413 (docs/providers.md). On Lambda, API
     * Gateway passes at most 6 MB to the function whatever this says.
     */
    @WithDefault("5242880")
    int maxWebhookBodyBytes();
}
