package dev.jobgateway.providers.fal;

import java.time.Duration;
import java.util.Optional;

import dev.jobgateway.providers.AttemptSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** fal.ai's queue API; the provider is configured when its key is set. */
@ConfigMapping(prefix = "gateway.providers.fal")
public interface FalConfig extends AttemptSettings {

    /** Base URL of fal's queue API. */
    @WithDefault("https://queue.fal.run")
    String url();

    /** API key ({@code Authorization: Key}); the provider is configured only when it is set. */
    Optional<String> key();

    /**
     * The fal user id webhooks must be signed for ({@code X-Fal-Webhook-User-Id}); required when the provider is
     * configured, so that fal webhooks of another account are refused.
     */
    Optional<String> webhookUserId();

    /** Where fal publishes the public keys of its webhook signatures (a JWKS of Ed25519 keys). */
    @WithDefault("https://rest.alpha.fal.ai/.well-known/jwks.json")
    String jwksUrl();

    /** How long fetched webhook keys are used before they are fetched again. */
    @WithDefault("1h")
    Duration jwksCacheTtl();

    /**
     * A signature that no cached key verifies makes the keys be fetched again (fal may have added one), but not more
     * often than this, so forged webhooks cannot make the gateway fetch in a loop.
     */
    @WithDefault("1m")
    Duration jwksMinRefetchInterval();

    /**
     * Model id of a submit that names none, e.g. {@code fal-ai/flux/dev}; without it every fal submit must name one.
     */
    Optional<String> defaultModel();
}
