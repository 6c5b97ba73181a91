package dev.jobgateway.providers;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Any;
import jakarta.enterprise.inject.Instance;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.platform.ProblemType;
import io.quarkus.runtime.Startup;

/**
 * The configured providers, by name: every {@link Provider} bean there is, minus those whose configuration is
 * missing. Adding a provider is adding such a bean, with its settings, in a package of its own; nothing here or in the
 * core changes (docs/providers.md, "Adding a provider").
 * Start-up fails when the default provider ({@code gateway.providers.default}) is not configured.
 */
@Startup
@ApplicationScoped
public class ProviderRegistry {

    private static final Logger LOG = Logger.getLogger(ProviderRegistry.class);

    private final Map<String, Provider> configured = new TreeMap<>();
    private final Provider defaultProvider;

    ProviderRegistry(@Any Instance<Provider> providers, GatewayConfig config) {
        Map<String, Provider> all = new TreeMap<>();
        for (Provider provider : providers) {
            if (all.put(provider.name(), provider) != null) {
                throw new IllegalStateException("Two providers are named '" + provider.name() + "'");
            }
            if (!(provider instanceof WebhookReceiver) && provider.pollOnly().isEmpty()) {
                throw new IllegalStateException("The provider '" + provider.name() + "' takes no webhooks and is not "
                        + "polled (pollOnly()): nothing would ever learn how its jobs end");
            }
            if (provider.configured()) {
                configured.put(provider.name(), provider);
            }
        }
        String wanted = config.providers().defaultProvider();
        defaultProvider = configured.get(wanted);
        if (defaultProvider == null) {
            throw new IllegalStateException(all.containsKey(wanted)
                    ? "The default provider '" + wanted + "' is not configured: set its settings (for generic, "
                            + "GATEWAY_PROVIDERS_GENERIC_URL; see docs/configuration.md), or name a configured one in "
                            + "GATEWAY_PROVIDERS_DEFAULT"
                    : "GATEWAY_PROVIDERS_DEFAULT (gateway.providers.default) names no provider: '" + wanted
                            + "'; there are " + all.keySet());
        }
        LOG.infof("AI-server providers configured: %s (default %s)", configured.keySet(), wanted);
    }

    /** The configured provider of this name. */
    public Optional<Provider> find(String name) {
        return Optional.ofNullable(name == null ? null : configured.get(name));
    }

    /** The provider a submit names, or the default one; {@code invalid-request} (422) for any other name. */
    public Provider forSubmit(String requested) {
        if (requested == null) {
            return defaultProvider;
        }
        return find(requested).orElseThrow(() -> ProblemType.INVALID_REQUEST.with("'provider' names no AI-server "
                + "provider of this gateway" + shown(requested) + "; configured: " + String.join(", ", names()) + "."));
    }

    /**
     * The provider a webhook route names, if it takes webhooks; {@code unknown-provider} (404) for any other name, and
     * for a provider that sends none (a poll-only one): its route is as unknown as one that does not exist.
     */
    public WebhookReceiver forWebhook(String name) {
        return find(name).filter(WebhookReceiver.class::isInstance).map(WebhookReceiver.class::cast)
                .orElseThrow(() -> ProblemType.UNKNOWN_PROVIDER.with("No webhook provider named '"
                        + (name.length() > 40 ? name.substring(0, 40) + "..." : name) + "'."));
    }

    /** The provider a stored job was handed to; empty if that provider is no longer configured. */
    public Optional<Provider> forJob(String providerName) {
        return find(providerName);
    }

    public Provider defaultProvider() {
        return defaultProvider;
    }

    public List<String> names() {
        return List.copyOf(configured.keySet());
    }

    private static String shown(String name) {
        if (name.length() > 40 || !name.matches("[A-Za-z0-9_.-]*")) {
            return "";
        }
        return " named '" + name + "'";
    }
}
