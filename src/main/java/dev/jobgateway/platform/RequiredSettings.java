package dev.jobgateway.platform;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.Startup;

/** Fails start-up with a message that says what to set, instead of a stack trace on the first request. */
/* Runs before the other start-up beans, which need Redis. */
@Startup(100)
@ApplicationScoped
class RequiredSettings {

    RequiredSettings(GatewayConfig config,
            @ConfigProperty(name = "quarkus.redis.hosts") Optional<String> redisHosts,
            @ConfigProperty(name = "quarkus.redis.hosts-provider-name") Optional<String> redisHostsProvider) {
        if (redisHosts.isEmpty() && redisHostsProvider.isEmpty()) {
            throw new IllegalStateException("No Redis configured: set REDIS_URL (e.g. redis://localhost:6379, "
                    + "rediss://... for TLS) or quarkus.redis.hosts");
        }
        if (config.apiKeys().filter(keys -> keys.stream().anyMatch(key -> !key.isBlank())).isEmpty()) {
            throw new IllegalStateException("No API keys configured: set GATEWAY_API_KEYS (gateway.api-keys) to "
                    + "key=owner pairs, comma-separated");
        }
        if (config.outputs().enabled() && config.outputs().bucket().filter(b -> !b.isBlank()).isEmpty()) {
            throw new IllegalStateException("Output storage is on (gateway.outputs.enabled) but no bucket is set: "
                    + "set GATEWAY_OUTPUTS_BUCKET");
        }
        // That the default AI-server provider is configured is checked where the providers are known
        // (providers.ProviderRegistry).
    }
}
