package dev.jobgateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;

/**
 * One gateway as production runs it, on local parts: the plain-HTTP jar (built in {@code pre-integration-test})
 * as its own process, a local Redis and the simulated AI server. The gateway can be stopped and started again on
 * the same port and Redis paused, by the test itself or, over the {@linkplain #controlUri() control server}, by a
 * Node.js test that drives it.
 */
public final class GatewayStack implements AutoCloseable {

    public static final String API_KEY = "it-key";
    public static final String OTHER_API_KEY = "it-other-key";
    public static final String WEBHOOK_SECRET = WebhookSecrets.of("gateway-stack-integration-test-secret");
    /** Read-token keys of the stack ({@code kid=secret}); test-only values. */
    public static final String READ_TOKEN_KEYS = "it1=integration-test-read-token-key-0000000001";

    private static final List<String> JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Path jar;
    private final Path log;
    private final LocalRedisServer redis;
    private final SimulatedAiServer ai;
    private final int port;
    private final Map<String, String> env;
    private GatewayProcess gateway;
    private HttpServer control;

    private GatewayStack(Path jar, Path log, LocalRedisServer redis, SimulatedAiServer ai, int port,
            Map<String, String> env) {
        this.jar = jar;
        this.log = log;
        this.redis = redis;
        this.ai = ai;
        this.port = port;
        this.env = env;
    }

    /**
     * Starts Redis, the AI server and the gateway, whose settings are the production defaults plus {@code settings}
     * (environment variables, e.g. {@code QUARKUS_HTTP_CORS_ORIGINS}). Logs go to {@code target/<name>/}.
     */
    public static GatewayStack start(String name, Map<String, String> settings) throws Exception {
        Path jar = Path.of(System.getProperty("gateway.http.jar", "target/http/quarkus-app/quarkus-run.jar"));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("No plain-HTTP build at " + jar + " (made in pre-integration-test)");
        }
        Path logs = Path.of(System.getProperty("project.build.directory", "target"), name);
        Files.createDirectories(logs);
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        SimulatedAiServer ai = new SimulatedAiServer(LocalRedisServer.freePort(), WEBHOOK_SECRET);
        ai.start();
        int port = LocalRedisServer.freePort();
        // Every provider against the simulator's dialects: the list screens (demo, Next.js example) show all six.
        Map<String, String> env = new LinkedHashMap<>(GatewayProcess.envWithAllProviders(redis.uri(), ai,
                API_KEY + "=it," + OTHER_API_KEY + "=it-other", "http://127.0.0.1:" + port));
        env.put("GATEWAY_READ_TOKENS_KEYS", READ_TOKEN_KEYS);
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.putAll(settings);
        GatewayStack stack = new GatewayStack(jar, logs.resolve("gateway.log"), redis, ai, port, env);
        stack.startGateway();
        return stack;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public SimulatedAiServer ai() {
        return ai;
    }

    /** Starts the gateway (again) on its port and waits until it is ready. */
    public synchronized void startGateway() throws IOException, InterruptedException {
        if (gateway != null) {
            return;
        }
        gateway = GatewayProcess.start(jar, port, env, log, JVM);
        gateway.awaitReady(Duration.ofSeconds(90));
    }

    /** Stops the gateway process (SIGTERM, as a redeploy would) and waits until it has exited. */
    public synchronized void stopGateway() {
        if (gateway != null) {
            gateway.close();
            gateway = null;
        }
    }

    /** Makes Redis ignore every client for a while ({@code CLIENT PAUSE ... ALL}): the gateway answers 503. */
    public void pauseRedis(Duration duration) throws IOException {
        String millis = Long.toString(duration.toMillis());
        String command = "*4\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$" + millis.length() + "\r\n" + millis
                + "\r\n$3\r\nALL\r\n";
        try (Socket socket = new Socket("127.0.0.1", redis.port())) {
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(command.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[5];
            int read = in.readNBytes(reply, 0, 5);
            if (read < 3 || !new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+OK")) {
                throw new IOException("CLIENT PAUSE refused: " + new String(reply, 0, read, StandardCharsets.US_ASCII));
            }
        }
    }

    /**
     * A small HTTP server through which a test in another process changes the stack: {@code POST /gateway/stop},
     * {@code POST /gateway/start} (answers once ready), {@code POST /redis/pause?ms=N}.
     */
    public synchronized URI controlUri() throws IOException {
        if (control == null) {
            control = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            control.setExecutor(Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "stack-control");
                thread.setDaemon(true);
                return thread;
            }));
            control.createContext("/", this::control);
            control.start();
        }
        return URI.create("http://127.0.0.1:" + control.getAddress().getPort());
    }

    private void control(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            int status = 200;
            String body = "ok";
            try {
                switch (path) {
                    case "/gateway/stop" -> stopGateway();
                    case "/gateway/start" -> startGateway();
                    case "/redis/pause" -> pauseRedis(Duration.ofMillis(Long.parseLong(
                            query == null ? "3000" : query.replaceAll(".*ms=(\\d+).*", "$1"))));
                    default -> {
                        status = 404;
                        body = "unknown control " + path;
                    }
                }
            } catch (Exception e) {
                status = 500;
                body = e.toString();
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
        }
    }

    @Override
    public void close() {
        if (control != null) {
            control.stop(0);
        }
        stopGateway();
        ai.close();
        redis.close();
    }
}
