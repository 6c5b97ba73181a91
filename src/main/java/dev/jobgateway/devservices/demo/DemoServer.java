package dev.jobgateway.devservices.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.jboss.logging.Logger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The list-screen demo and the small "app backend" it needs, on an origin of its own, as a product would run
 * them: the page and the JavaScript client as static files, and two backend routes that hold the API key and
 * call the gateway for the browser, like the seed article's Next.js API routes: {@code POST /api/jobs} submits
 * (the answer carries the job's read token) and {@code POST /api/read-tokens} mints one token for a list of jobs.
 * The browser never sees the API key; it reads the gateway directly, cross-origin, with read tokens.
 *
 * <p>
 * Dev and test tooling only (package {@code devservices}): dev mode starts it with {@code DemoLauncher}, the
 * browser test from its harness; no production artifact contains it. Plain JDK HTTP, no framework.
 */
public final class DemoServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DemoServer.class);
    private static final int MAX_BODY = 64 * 1024;
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8",
            "json", "application/json", "png", "image/png");

    private final int requestedPort;
    private final URI gateway;
    private final String apiKey;
    private final Path clientDir;
    private HttpServer server;
    private ExecutorService executor;
    private HttpClient http;

    /**
     * @param gateway the gateway's base URL, as the browser reaches it
     * @param apiKey the key the backend routes submit and mint with (it never reaches the browser)
     * @param clientDir the JavaScript client's directory ({@code clients/js}: {@code src/} and {@code demo/})
     */
    public DemoServer(int port, URI gateway, String apiKey, Path clientDir) {
        this.requestedPort = port;
        this.gateway = URI.create(gateway.toString().replaceAll("/+$", ""));
        this.apiKey = apiKey;
        this.clientDir = clientDir.toAbsolutePath().normalize();
    }

    public synchronized void start() {
        if (server != null) {
            return;
        }
        // The JDK server writes headers and body apart; with Nagle on, every answer waits 40 ms for an ACK.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        if (!Files.isRegularFile(clientDir.resolve("demo/index.html"))) {
            throw new IllegalStateException("No demo page at " + clientDir.resolve("demo/index.html"));
        }
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", requestedPort), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("The demo cannot listen on port " + requestedPort, e);
        }
        executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "demo-http");
            thread.setDaemon(true);
            return thread;
        });
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.infof("Demo (dev/test only) at %s, reading the gateway at %s", baseUri(), gateway);
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return server == null ? requestedPort : server.getAddress().getPort();
    }

    /** Where a browser opens the demo; its origin differs from the gateway's. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (method.equals("POST") && path.equals("/api/jobs")) {
                proxy(exchange, "/jobs");
            } else if (method.equals("POST") && path.equals("/api/read-tokens")) {
                proxy(exchange, "/read-tokens");
            } else if (method.equals("GET") && path.equals("/config.json")) {
                send(exchange, 200, "application/json",
                        ("{\"gateway\":\"" + gateway + "\",\"polling_interval_ms\":3000}")
                                .getBytes(StandardCharsets.UTF_8));
            } else if (method.equals("GET")) {
                file(exchange, path);
            } else {
                send(exchange, 405, "text/plain", "method not allowed".getBytes(StandardCharsets.UTF_8));
            }
        } catch (RuntimeException e) {
            LOG.warnf("Demo request failed: %s", e.toString());
        }
    }

    /** What the app's backend does: the browser's request, with the API key added, to the gateway. */
    private void proxy(HttpExchange exchange, String gatewayPath) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readNBytes(MAX_BODY + 1);
        }
        if (body.length > MAX_BODY) {
            send(exchange, 413, "text/plain", "too large".getBytes(StandardCharsets.UTF_8));
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(gateway + gatewayPath))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        try {
            HttpResponse<byte[]> answer = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
            send(exchange, answer.statusCode(), answer.headers().firstValue("Content-Type")
                    .orElse("application/json"), answer.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            send(exchange, 503, "text/plain", "interrupted".getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            byte[] problem = ("{\"title\":\"Gateway unreachable\",\"status\":502,"
                    + "\"detail\":\"The demo backend could not reach the gateway.\"}").getBytes(StandardCharsets.UTF_8);
            send(exchange, 502, "application/problem+json", problem);
        }
    }

    /** {@code /} is the page; {@code /client/*} the client's {@code src/}; the rest the demo's own files. */
    private void file(HttpExchange exchange, String path) throws IOException {
        Path file;
        if (path.equals("/") || path.equals("/index.html")) {
            file = clientDir.resolve("demo/index.html");
        } else if (path.startsWith("/client/")) {
            file = clientDir.resolve("src").resolve(path.substring("/client/".length())).normalize();
            if (!file.startsWith(clientDir.resolve("src"))) {
                file = null;
            }
        } else {
            file = clientDir.resolve("demo").resolve(path.substring(1)).normalize();
            if (!file.startsWith(clientDir.resolve("demo"))) {
                file = null;
            }
        }
        if (file == null || !Files.isRegularFile(file)) {
            send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String name = file.getFileName().toString();
        String type = TYPES.getOrDefault(name.substring(name.lastIndexOf('.') + 1), "application/octet-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, 200, type, Files.readAllBytes(file));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            exchange.getResponseBody().write(body);
        }
    }
}
