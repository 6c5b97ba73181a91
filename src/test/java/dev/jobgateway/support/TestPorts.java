package dev.jobgateway.support;

import java.util.Map;

import dev.jobgateway.devservices.LocalRedisServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A free port for the simulated AI server, so a test run never collides with a dev instance or another run.
 * Redis gets its own free port from the local-redis provider, the Lambda mock event server from
 * {@code quarkus.lambda.mock-event-server.test-port=0}.
 */
public class TestPorts implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of("gateway.simulator.port", Integer.toString(LocalRedisServer.freePort()));
    }

    @Override
    public void stop() {
    }
}
