package dev.jobgateway.devservices.demo;

import java.net.URI;
import java.nio.file.Path;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.jobgateway.platform.GatewayConfig;
import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.ext.web.Router;

/**
 * Dev mode only: runs the list-screen demo ({@link DemoServer}) on its own origin with the fixed dev key, and sends
 * {@code /demo} on the gateway there. Production and test builds have no such bean (the browser test starts the
 * demo from its harness against a production build).
 */
@Singleton
@IfBuildProfile("dev")
class DemoLauncher {

    private static final Logger LOG = Logger.getLogger(DemoLauncher.class);
    private static final String DEV_KEY = "dev-key";

    private final DemoServer server;

    DemoLauncher(GatewayConfig config, @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        server = new DemoServer(config.demo().port(), URI.create("http://localhost:" + port), DEV_KEY,
                Path.of("clients", "js"));
    }

    void routes(@Observes Router router) {
        try {
            server.start();
        } catch (RuntimeException e) {
            LOG.warnf("The demo did not start (%s); the gateway runs without it", e.getMessage());
            return;
        }
        LOG.warnf("Demo (dev build only): %s  (or /demo on the gateway)", server.baseUri());
        router.get("/demo").handler(context -> context.redirect(server.baseUri().toString()));
    }

    @PreDestroy
    void stop() {
        server.stop();
    }
}
