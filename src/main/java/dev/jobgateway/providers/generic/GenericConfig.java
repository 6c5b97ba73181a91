package dev.jobgateway.providers.generic;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.jobgateway.providers.AttemptSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The built-in generic AI-server protocol's settings; the provider is configured when its URL is set. */
@ConfigMapping(prefix = "gateway.providers.generic")
public interface GenericConfig extends AttemptSettings {

    /**
     * Base URL of the AI server, e.g. {@code https://ai.example.com}; the provider is configured when it is set.
     */
    Optional<String> url();

    /** How a webhook proves it comes from this AI server. */
    @WithDefault("signature")
    WebhookAuth webhookAuth();

    /**
     * Accepted Standard Webhooks secrets ({@code whsec_...}), comma-separated; the first one is current, the others
     * are accepted during rotation.
     */
    Optional<List<String>> webhookSecrets();

    /** First pause between submit attempts (its own default: every attempt is safe to repeat); doubles, with jitter. */
    @Override
    @WithDefault("200ms")
    Duration submitBackoff();
}
