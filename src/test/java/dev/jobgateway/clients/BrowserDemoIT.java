package dev.jobgateway.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.demo.DemoServer;
import dev.jobgateway.support.GatewayStack;
import dev.jobgateway.support.NodeTool;

/**
 * The list-screen demo in Debian's Chromium (driven by playwright-core, never a downloaded browser), served from
 * another origin than the gateway: ten jobs submitted through the demo's backend, every row watched to its end.
 * Writes a screenshot and the measured figures to {@code target/browser-demo/}; with
 * {@code -Ddemo.screenshot.docs=true} the screenshot also goes to {@code docs/demo-list-screen.png}.
 */
class BrowserDemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path client;
    private static Path out;
    private static NodeTool node;
    private static GatewayStack stack;
    private static DemoServer demo;
    private static String chromium;

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
        stack = GatewayStack.start("browser-demo", Map.of(
                "QUARKUS_HTTP_CORS_ENABLED", "true",
                "QUARKUS_HTTP_CORS_ORIGINS", "http://127.0.0.1:" + demoPort,
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
