package dev.jobgateway.devservices.simulator;

import java.time.Duration;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import dev.jobgateway.providers.cog.CogConfig;
import dev.jobgateway.providers.fal.FalConfig;
import dev.jobgateway.providers.generic.GenericConfig;
import dev.jobgateway.providers.replicate.ReplicateConfig;
import dev.jobgateway.providers.runpod.RunPodConfig;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.Startup;

/**
 * Runs the simulated AI server next to the gateway in dev and test builds. The bean does not exist in
 * production builds, whatever the runtime configuration says.
 */
@Singleton
@IfBuildProfile(anyOf = { "dev", "test" })
class SimulatorLauncher {

    private static final Logger LOG = Logger.getLogger(SimulatorLauncher.class);
    private final SimulatedAiServer server;

    SimulatorLauncher(GatewayConfig config, GenericConfig generic, ReplicateConfig replicate, FalConfig fal,
            RunPodConfig runpod, CogConfig cog) {
        String secret = first(generic.webhookSecrets(), "gateway.providers.generic.webhook-secrets");
        String replicateSecret = first(replicate.webhookSecrets(), "gateway.providers.replicate.webhook-secrets");
        server = new SimulatedAiServer(config.simulator().port(), new SimulatedAiServer.Settings(secret,
                replicateSecret, replicate.apiToken().orElse(""), fal.key().orElse(""), fal.webhookUserId().orElse(""),
                runpod.apiKey().orElse(""), cog.webhookAuthToken().orElse(null)));
        // RunPod's real quirks by default; tests shorten them (simulator.runpod.* in application.properties).
        Config settings = ConfigProvider.getConfig();
        settings.getOptionalValue("simulator.runpod.webhook-spacing", Duration.class)
                .ifPresent(server.runpod()::webhookSpacing);
        settings.getOptionalValue("simulator.runpod.retention", Duration.class).ifPresent(server.runpod()::retention);
        server.start();
        LOG.warn("Simulated AI server active (dev/test build only) at " + server.baseUri());
    }

    /** The simulator signs with the first secret the gateway accepts. */
    private static String first(java.util.Optional<java.util.List<String>> secrets, String setting) {
        return secrets.filter(list -> !list.isEmpty()).map(list -> list.get(0)).orElseThrow(
                () -> new IllegalStateException("The simulator signs with the first webhook secret; set " + setting));
    }

    @Produces
    @Startup
    @Singleton
    SimulatedAiServer server() {
        return server;
    }

    @PreDestroy
    void stop() {
        server.stop();
    }
}
