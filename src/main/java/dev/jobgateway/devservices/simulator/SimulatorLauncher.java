package dev.jobgateway.devservices.simulator;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
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

    SimulatorLauncher(GatewayConfig config) {
        String secret = config.providers().generic().webhookSecrets()
                .filter(secrets -> !secrets.isEmpty()).map(secrets -> secrets.get(0))
                .orElseThrow(() -> new IllegalStateException("The simulator signs with the first webhook secret; "
                        + "set gateway.providers.generic.webhook-secrets"));
        server = new SimulatedAiServer(config.simulator().port(), secret);
        server.start();
        LOG.warn("Simulated AI server active (dev/test build only) at " + server.baseUri());
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
