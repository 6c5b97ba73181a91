package dev.jobgateway.providers.replicate;

import java.util.List;
import java.util.Optional;

import dev.jobgateway.providers.AttemptSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Replicate's predictions API; the provider is configured when its API token is set. */
@ConfigMapping(prefix = "gateway.providers.replicate")
public interface ReplicateConfig extends AttemptSettings {

    /** Base URL of Replicate's HTTP API. */
    @WithDefault("https://api.replicate.com")
    String url();

    /** API token ({@code Authorization: Bearer}); the provider is configured only when it is set. */
    Optional<String> apiToken();

    /**
     * The account's webhook signing secrets ({@code whsec_...}, from {@code GET /v1/webhooks/default/secret}),
     * comma-separated, current first; required when the provider is configured.
     */
    Optional<List<String>> webhookSecrets();

    /**
     * Model of a submit that names none: {@code owner/name}, {@code owner/name:<version>} or a 64-hex version id.
     * Without it, every Replicate submit must name its {@code model}.
     */
    Optional<String> defaultModel();

    /** The webhook events asked for ({@code webhook_events_filter}): start, output, logs, completed. */
    @WithDefault("start,output,logs,completed")
    List<String> webhookEvents();
}
