package dev.jobgateway.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.demo.DemoServer;
import dev.jobgateway.support.GatewayStack;
import dev.jobgateway.support.NodeTool;

/**
 * The list screens in Debian's Chromium (driven by playwright-core, never a downloaded browser), each served from
 * another origin than the one gateway they share: the demo (ten jobs submitted through its backend, every row
 * watched to its end) and the Next.js example ({@code examples/nextjs}, built with {@code next build} with the client
 * installed from its {@code npm pack} tarball: six jobs on six providers, shown as images). Writes screenshots and
 * the measured figures to {@code target/browser-demo/}; with {@code -Ddemo.screenshot.docs=true} the demo's
 * screenshot also goes to {@code docs/demo-list-screen.png}. It runs beside the other ITs (failsafe's second thread,
 * pom.xml): its gateway is its own and each page counts only its own requests.
 */
@Execution(ExecutionMode.CONCURRENT)
class BrowserDemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path client;
    private static Path out;
    private static NodeTool node;
    private static GatewayStack stack;
    private static DemoServer demo;
    private static String chromium;
    private static int nextPort;

    @BeforeAll
    static void startTheGatewayAndTheDemoOnAnotherOrigin() throws Exception {
        boolean available = NodeTool.available();
        chromium = System.getenv().getOrDefault("CHROMIUM_PATH", "/usr/bin/chromium");
        boolean browser = Files.isExecutable(Path.of(chromium));
        if ((!available || !browser) && !NodeTool.required()) {
            Assumptions.abort("Node.js or Chromium (" + chromium + ") is not installed: the demo is not tested in a "
                    + "browser. .ci/run installs both.");
        }
        assertThat(available).as("Node.js and npm on the PATH (CI installs them)").isTrue();
        assertThat(browser).as("Chromium at %s (.ci/run installs Debian's chromium)", chromium).isTrue();
        client = Path.of(System.getProperty("project.basedir", ".")).resolve("clients/js");
        out = Path.of(System.getProperty("project.build.directory", "target"), "browser-demo");
        node = new NodeTool(client);
        node.ensureInstalled(out.resolve("npm-ci.log"));

        int demoPort = LocalRedisServer.freePort();
        nextPort = LocalRedisServer.freePort();
        stack = GatewayStack.start("browser-demo", Map.of(
                "QUARKUS_HTTP_CORS_ENABLED", "true",
                "QUARKUS_HTTP_CORS_ORIGINS", "http://127.0.0.1:" + demoPort + ",http://127.0.0.1:" + nextPort,
                // dropped webhooks are caught within seconds rather than the production 20 s
                "GATEWAY_FALLBACK_CHECK_AFTER", "3s",
                "GATEWAY_FALLBACK_CHECK_INTERVAL", "2s",
                "GATEWAY_WAITS_SAFETY_REREAD", "1s"));
        demo = new DemoServer(demoPort, URI.create(stack.baseUrl()), GatewayStack.API_KEY, client);
        demo.start();
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void tenJobsReachTheirFinalRowsWithFewRequestsAndNoConsoleErrors() throws Exception {
        List<String> screenshots = new ArrayList<>(List.of(out.resolve("demo-list-screen.png").toString()));
        if (Boolean.getBoolean("demo.screenshot.docs")) {
            screenshots.add(Path.of(System.getProperty("project.basedir", "."), "docs", "demo-list-screen.png")
                    .toString());
        }
        Path results = out.resolve("results.json");
        Files.deleteIfExists(results);

        NodeTool.Result run = node.run(List.of("node", "--test", "--test-reporter=tap", "browser-test/"), Map.of(
                "DEMO_URL", demo.baseUri().toString(),
                "GATEWAY_URL", stack.baseUrl(),
                "CHROMIUM_PATH", chromium,
                "SCREENSHOT_PATHS", String.join(",", screenshots),
                "RESULTS_PATH", results.toString()), 300, out.resolve("node-test.tap"));

        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(run.output()).contains("# pass 1", "# fail 0", "# skipped 0");
        JsonNode figures = JSON.readTree(results.toFile());
        report(figures);
        assertThat(figures.path("rows")).hasSize(10);
        assertThat(figures.path("requests").asInt()).isLessThan(figures.path("pollingRequests").asInt());
    }

    @Test
    void theNextJsExampleBuiltFromThePackedClientShowsSixProvidersJobsAsImages() throws Exception {
        Path example = Path.of(System.getProperty("project.basedir", ".")).resolve("examples/nextjs");
        Path logs = out.resolve("nextjs");
        NodeTool app = new NodeTool(example);
        Map<String, String> env = Map.of("NEXT_TELEMETRY_DISABLED", "1", "CI", "true");

        long started = System.nanoTime();
        app.ensureInstalled(logs.resolve("npm-ci.log"));
        long installed = System.nanoTime();
        // The client as users get it: the npm pack tarball, installed into the app (not linked).
        NodeTool.Result pack = node.run(List.of("npm", "pack", "--ignore-scripts", "--pack-destination",
                logs.toAbsolutePath().toString()), Map.of(), 120, logs.resolve("npm-pack.log"));
        assertThat(pack.exit()).as(pack.output()).isZero();
        Path tarball = logs.resolve(pack.output().lines().map(String::strip).filter(line -> line.endsWith(".tgz"))
                .reduce((first, last) -> last).orElseThrow());
        NodeTool.Result add = app.run(List.of("npm", "install", "--no-save", "--no-audit", "--no-fund",
                "--prefer-offline", tarball.toAbsolutePath().toString()), Map.of(), 300,
                logs.resolve("npm-install.log"));
        assertThat(add.exit()).as(add.output()).isZero();
        assertThat(example.resolve("node_modules/@job-gateway/client/src/react.js")).isRegularFile();
        assertThat(Files.isSymbolicLink(example.resolve("node_modules/@job-gateway/client"))).isFalse();
        long packed = System.nanoTime();
        NodeTool.Result build = app.run(List.of("node", "node_modules/next/dist/bin/next", "build"), env, 600,
                logs.resolve("next-build.log"));
        assertThat(build.exit()).as(build.output()).isZero();
        long built = System.nanoTime();

        Process server = startNext(example, logs, Map.of("GATEWAY_URL", stack.baseUrl(), "GATEWAY_API_KEY",
                GatewayStack.API_KEY));
        try {
            String appUrl = "http://127.0.0.1:" + nextPort + "/";
            // HTTP/1.1: the JDK client's default h2c upgrade is not something next start answers with the page
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            Process running = server;
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!running.isAlive()) {
                    throw new IllegalStateException(
                            "next start exited: " + Files.readString(logs.resolve("next-start.log")));
                }
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(appUrl)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (java.io.IOException notYet) {
                    return false;
                }
            });
            long served = System.nanoTime();
            Path results = logs.resolve("results.json");
            Files.deleteIfExists(results);
            NodeTool.Result run = app.run(List.of("node", "--test", "--test-reporter=tap", "test/"), Map.of(
                    "NEXT_APP_URL", appUrl,
                    "GATEWAY_URL", stack.baseUrl(),
                    "GATEWAY_API_KEY", GatewayStack.API_KEY,
                    "CHROMIUM_PATH", chromium,
                    "PLAYWRIGHT_FROM", client.resolve("package.json").toAbsolutePath().toString(),
                    "SCREENSHOT_PATH", logs.resolve("nextjs-list-screen.png").toAbsolutePath().toString(),
                    "RESULTS_PATH", results.toAbsolutePath().toString()), 300, logs.resolve("node-test.tap"));
            long tested = System.nanoTime();

            assertThat(run.exit()).as(run.output()).isZero();
            assertThat(run.output()).contains("# pass 1", "# fail 0", "# skipped 0");
            JsonNode figures = JSON.readTree(results.toFile());
            assertThat(figures.path("jobs").asInt()).isEqualTo(6);
            System.out.printf("[measure] Next.js example: npm ci %.1f s (0 when installed), npm pack + install %.1f s, "
                    + "next build %.1f s, next start %.1f s, Chromium test %.1f s; 6 jobs on 6 providers ended and "
                    + "drawn %d ms after the click, %d requests to the gateway, %d after a reload%n",
                    seconds(started, installed), seconds(installed, packed), seconds(packed, built),
                    seconds(built, served), seconds(served, tested), figures.path("settledMs").asInt(),
                    figures.path("requests").asInt(), figures.path("reloadRequests").asInt());
        } finally {
            server.descendants().forEach(ProcessHandle::destroy);
            server.destroy();
            server.waitFor();
        }
    }

    /** {@code next start} on its port, the gateway's address and key in its (server-side) environment only. */
    private static Process startNext(Path example, Path logs, Map<String, String> env) throws java.io.IOException {
        ProcessBuilder builder = new ProcessBuilder("node", "node_modules/next/dist/bin/next", "start", "-p",
                String.valueOf(nextPort), "-H", "127.0.0.1").directory(example.toFile()).redirectErrorStream(true)
                .redirectOutput(logs.resolve("next-start.log").toFile());
        builder.environment().putAll(env);
        builder.environment().put("NEXT_TELEMETRY_DISABLED", "1");
        return builder.start();
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }

    /** The figures of this run, for the build log (the README quotes one). */
    private static void report(JsonNode figures) {
        int jobs = figures.path("rows").size();
        System.out.printf("[measure] demo, %d jobs in Chromium: %d requests from the page (%.1f per job; %d held, "
                + "%d answered 304, %d fallback(s)) + %d read token from its backend; polling every 3 s: %d "
                + "(%.1f per job)%n", jobs, figures.path("requests").asInt(),
                figures.path("requests").asDouble() / jobs, figures.path("longPolls").asInt(),
                figures.path("notModified").asInt(), figures.path("fallbacks").asInt(), figures.path("mints").asInt(),
                figures.path("pollingRequests").asInt(), figures.path("pollingRequests").asDouble() / jobs);
        System.out.printf("[measure] demo: completion -> row updated: mean %d ms, max %d ms; polling every 3 s "
                + "would have added a mean %d ms%n", figures.path("meanDelayMs").asInt(),
                figures.path("maxDelayMs").asInt(), figures.path("pollingMeanDelayMs").asInt());
        for (JsonNode row : figures.path("rows")) {
            System.out.printf("[measure]   %-32s %-9s via %-7s v%-2d %d draws; done at the gateway %5d ms after "
                    + "the submit (simulated %5d ms); row +%d ms after that (polling: %d requests, +%d ms)%n",
                    row.path("scenario").asText(), row.path("status").asText(), row.path("completed_via").asText(),
                    row.path("version").asInt(), row.path("draws").asInt(), row.path("lifetime_ms").asInt(),
                    row.path("simulated_ms").asInt(), row.path("delay_ms").asInt(),
                    row.path("polling").path("requests").asInt(), row.path("polling").path("delayMs").asInt());
        }
    }
}
