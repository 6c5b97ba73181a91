package dev.jobgateway.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.WebhookSecrets;

/**
 * The processes of a run, all on 127.0.0.1: its own Redis, the simulated AI server, and gateways A and B of the
 * plain HTTP packaging. Waits are held on A and webhooks go to B, so every wake-up crosses instances.
 */
final class Processes implements AutoCloseable {

    static final String SECRET = WebhookSecrets.of("benchmark-only-secret-0001");
    static final String API_KEY = "bench-key";

    private final Path jar;
    private final Path work;
    private final LocalRedisServer redis;
    private final SimulatedAiServer ai;
    private GatewayProcess a;
    private GatewayProcess b;

    private Processes(Path jar, Path work, LocalRedisServer redis, SimulatedAiServer ai) {
        this.jar = jar;
        this.work = work;
        this.redis = redis;
        this.ai = ai;
    }

    /** Redis and the simulator only: the start-up scenario runs before gateways A and B exist. */
    static Processes startRedisAndSimulator(Path jar, Path work) {
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        SimulatedAiServer ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET);
        ai.start();
        return new Processes(jar, work, redis, ai);
    }

    /** A and B, both telling the AI server to send webhooks to B. */
    void startGateways() throws Exception {
        int portA = LocalRedisServer.freePort();
        int portB = LocalRedisServer.freePort();
        a = startGateway(portA, portB, "gateway-a.log");
        b = startGateway(portB, portB, "gateway-b.log");
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
    }

    /** One gateway on {@code port}, logging to {@code work/<log>}; the caller waits for it to be ready. */
    GatewayProcess startGateway(int port, int webhookPort, String log) throws Exception {
        return startGateway(port, webhookPort, log, Map.of());
    }

    /** As {@link #startGateway(int, int, String)}, with settings of its own on top. */
    GatewayProcess startGateway(int port, int webhookPort, String log, Map<String, String> settings)
            throws Exception {
        Map<String, String> env = env(webhookPort);
        env.putAll(settings);
        return GatewayProcess.start(jar, port, env, work.resolve(log), List.of("-Xmx512m"));
    }

    private Map<String, String> env(int webhookPort) {
        Map<String, String> env = GatewayProcess.env(redis.uri(), ai.baseUri(), SECRET, API_KEY + "=bench",
                "http://127.0.0.1:" + webhookPort);
        // ComfyUI's dialect, for the poll-only scenario (its jobs are polled at its own cadence, not the fallback's).
        env.put("GATEWAY_PROVIDERS_COMFYUI_URL", ai.comfyuiUri().toString());
        // Jobs here finish by the benchmark's own webhooks; keep the fallback from checking them meanwhile.
        env.put("GATEWAY_FALLBACK_CHECK_AFTER", "10m");
        // Nor checks learned from their durations (the benchmark's webhooks come when it pleases, not when the jobs
        // end); the learned-checks scenario has a gateway of its own with it on.
        env.put("GATEWAY_FALLBACK_LEARN_DURATIONS", "false");
        env.put("GATEWAY_SWEEPER_EVERY", "0");
        // Read tokens on (off without a key in production): the push scenario's browsers subscribe with them.
        env.put("GATEWAY_READ_TOKENS_KEYS", "bench1=benchmark-only-read-token-key-000000001");
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        return env;
    }

    GatewayProcess a() {
        return a;
    }

    GatewayProcess b() {
        return b;
    }

    SimulatedAiServer ai() {
        return ai;
    }

    int redisPort() {
        return redis.port();
    }

    @Override
    public void close() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        ai.stop();
        redis.stop();
    }
}
