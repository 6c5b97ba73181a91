package dev.jobgateway.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jobgateway.support.GatewayStack;
import dev.jobgateway.support.NodeTool;

/**
 * The JavaScript client ({@code clients/js}): its Node test-runner tests against a real gateway process (restarted
 * mid-wait, Redis paused, a dropped webhook), its TypeScript declarations, and its npm package. It runs beside the
 * other ITs (failsafe's second thread, pom.xml): it has a gateway of its own and spends most of its time waiting on
 * simulated jobs; the two Node runs that drive that gateway take it in turn.
 */
@Execution(ExecutionMode.CONCURRENT)
class JsClientIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The origin the CORS test pretends to be; the gateway allows it. */
    private static final String ORIGIN = "http://app.example.test";
    /** The stack's gateway, which the Node runs stop, restart and count held reads on: one run at a time. */
    private static final String GATEWAY = "js-client-gateway";

    private static Path client;
    private static Path logs;
    private static NodeTool node;
    private static GatewayStack stack;

    @BeforeAll
    static void installTheClientsToolsAndStartAGateway() throws Exception {
        boolean available = NodeTool.available();
        if (!available && !NodeTool.required()) {
            Assumptions.abort("Node.js (npm) is not installed: the JavaScript client is not tested. "
                    + ".ci/run installs it.");
        }
        assertThat(available).as("Node.js 18+ and npm on the PATH (CI installs them)").isTrue();
        client = Path.of(System.getProperty("project.basedir", ".")).resolve("clients/js");
        logs = Path.of(System.getProperty("project.build.directory", "target"), "js-client");
        node = new NodeTool(client);
        node.ensureInstalled(logs.resolve("npm-ci.log"));
        stack = GatewayStack.start("js-client", Map.of(
                "QUARKUS_HTTP_CORS_ENABLED", "true",
                "QUARKUS_HTTP_CORS_ORIGINS", ORIGIN,
                // dropped webhooks are caught within seconds, not the production 20 s
                "GATEWAY_FALLBACK_CHECK_AFTER", "2s",
                "GATEWAY_FALLBACK_CHECK_INTERVAL", "1s",
                "GATEWAY_WAITS_SAFETY_REREAD", "1s"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @ResourceLock(GATEWAY)
    void itsTestsPassAgainstARealGatewayWithNoneSkipped() throws Exception {
        // One test file at a time: they share the gateway, whose held reads some of them count.
        NodeTool.Result result = node.run(List.of("node", "--test", "--test-concurrency=1", "--test-reporter=tap",
                "test/"),
                Map.of(
                        "GATEWAY_URL", stack.baseUrl(),
                        "GATEWAY_API_KEY", GatewayStack.API_KEY,
                        "STACK_CONTROL_URL", stack.controlUri().toString(),
                        "CORS_ORIGIN", ORIGIN),
                600, logs.resolve("node-test.tap"));

        assertThat(result.exit()).as(failures(result.output())).isZero();
        assertThat(count(result.output(), "fail")).isZero();
        assertThat(count(result.output(), "skipped")).as("tests skipped: is the gateway reachable?").isZero();
        assertThat(count(result.output(), "pass")).isGreaterThanOrEqualTo(30);
        System.out.printf("[measure] JavaScript client: %d node:test tests passed against %s (log %s)%n",
                count(result.output(), "pass"), stack.baseUrl(), logs.resolve("node-test.tap"));
    }

    /**
     * The client on push ({@code clients/js/push-test}) against the gateway's own realtime endpoint, with Node's own
     * WebSocket: built in from Node 22, behind {@code --experimental-websocket} in Node 20. A separate run, so that
     * the tests above keep proving the long-polls (they have no WebSocket in Node 20).
     */
    @Test
    @ResourceLock(GATEWAY)
    void itsPushTestsPassAgainstTheGatewaysRealtimeEndpoint() throws Exception {
        List<String> command = new ArrayList<>(List.of("node"));
        NodeTool.Result probe = node.run(List.of("node", "-p", "typeof WebSocket"), Map.of(), 60,
                logs.resolve("node-websocket.log"));
        if (!probe.output().contains("function")) {
            command.add("--experimental-websocket");
        }
        command.addAll(List.of("--test", "--test-reporter=tap", "push-test/"));
        NodeTool.Result result = node.run(command, Map.of(
                "GATEWAY_URL", stack.baseUrl(),
                "GATEWAY_API_KEY", GatewayStack.API_KEY,
                "STACK_CONTROL_URL", stack.controlUri().toString()), 600, logs.resolve("node-push-test.tap"));

        assertThat(result.exit()).as(failures(result.output())).isZero();
        assertThat(count(result.output(), "fail")).isZero();
        assertThat(count(result.output(), "skipped")).as("tests skipped: is the gateway reachable?").isZero();
        assertThat(count(result.output(), "pass")).isGreaterThanOrEqualTo(7);
    }

    @Test
    void itsTypeScriptDeclarationsDescribeItsUse() throws Exception {
        NodeTool.Result result = node.run(List.of("node", "node_modules/typescript/bin/tsc", "-p",
                "test/types/tsconfig.json"), Map.of(), 300, logs.resolve("tsc.log"));

        assertThat(result.exit()).as(result.output()).isZero();
    }

    @Test
    void packsAsAnNpmPackageWithTheGatewaysVersionAndNoDependencies() throws Exception {
        NodeTool.Result result = node.run(List.of("npm", "pack", "--dry-run", "--json", "--ignore-scripts"),
                Map.of(), 120, logs.resolve("npm-pack.json"));
        assertThat(result.exit()).as(result.output()).isZero();
        JsonNode pack = JSON.readTree(result.output().substring(result.output().indexOf('['))).get(0);
        JsonNode manifest = JSON.readTree(client.resolve("package.json").toFile());

        String gatewayVersion = System.getProperty("project.version", "0.1.0-SNAPSHOT").replace("-SNAPSHOT", "");
        assertThat(pack.path("version").asText()).isEqualTo(gatewayVersion);
        List<String> files = new ArrayList<>();
        pack.path("files").forEach(file -> files.add(file.path("path").asText()));
        assertThat(files).containsExactlyInAnyOrder("package.json", "README.md", "LICENSE", "src/index.js",
                "src/index.d.ts", "src/react.js", "src/react.d.ts", "src/next.js", "src/next.d.ts",
                "src/push.js");
        assertThat(manifest.path("license").asText()).isEqualTo("Apache-2.0");
        assertThat(client.resolve("LICENSE")).hasSameTextualContentAs(client.resolve("../../LICENSE"));
        assertThat(manifest.has("dependencies")).as("no runtime dependencies").isFalse();
        assertThat(manifest.path("peerDependenciesMeta").path("react").path("optional").asBoolean())
                .as("React only for the ./react entry").isTrue();
        assertThat(manifest.path("exports").path("./react").path("default").asText()).isEqualTo("./src/react.js");
        assertThat(manifest.path("exports").path("./next").path("default").asText()).isEqualTo("./src/next.js");
        assertThat(manifest.path("type").asText()).isEqualTo("module");
        assertThat(manifest.path("exports").path(".").path("types").asText()).isEqualTo("./src/index.d.ts");
        assertThat(java.nio.file.Files.readString(client.resolve("src/index.js")))
                .contains("export const VERSION = '" + gatewayVersion + "'");
    }

    /** A count from the TAP summary ({@code # pass 31}). */
    private static int count(String tap, String name) {
        Matcher matcher = Pattern.compile("^# " + name + " (\\d+)$", Pattern.MULTILINE).matcher(tap);
        assertThat(matcher.find()).as("TAP summary line '# %s' in:%n%s", name, tap).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    /** The failing tests of a TAP log, with what they said, for the assertion message. */
    private static String failures(String tap) {
        StringBuilder out = new StringBuilder("node --test failed:\n");
        for (String block : tap.split("\n(?=# Subtest)")) {
            if (block.contains("\nnot ok ")) {
                out.append(block, 0, Math.min(block.length(), 3_000)).append('\n');
            }
        }
        return out.length() > 30 ? out.toString() : tap;
    }
}
