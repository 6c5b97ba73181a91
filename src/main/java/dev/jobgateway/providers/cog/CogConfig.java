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
     * Create calls made before the job is failed. Every one is the same idempotent {@code PUT}, so all failures are
     * retried: {@code 409} (every slot busy), 429, 5xx, timeouts, connection errors (0.5 s, 1 s, 2 s apart by
     * default, with jitter: with the request timeout, the attempts fit in the submit function's 24 s on Lambda).
     */
    @Override
    @WithDefault("4")
    int submitAttempts();

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
