package dev.jobgateway.bench;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.support.GatewayProcess;

/**
 * Scenario 2b: the status read against the peer a user would write by hand (bench/peer: Node.js http + ioredis, one
 * process, the same bearer check, one HGETALL of the same hash, the same JSON), in alternating rounds of the same wrk
 * so that both see the same machine. The gateway's 304 is compared with the peer's plain 200 (the peer has no
 * conditional read), and each side's 401 with the other's.
 */
final class PeerScenario {

    private static final int ROUNDS = 3;
    private static final int SECONDS = 5;
    private static final Path PEER_DIR = Path.of("bench", "peer");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final GatewayProcess a;
    private final Wrk wrk;
    private final Results results;
    private final Path work;
    private final int redisPort;

    PeerScenario(GatewayProcess a, Wrk wrk, Results results, Path work, int redisPort) {
        this.a = a;
        this.wrk = wrk;
        this.results = results;
        this.work = work;
        this.redisPort = redisPort;
    }

    /** Reads the job {@code id} (owned by the benchmark's key) on both sides. */
    void run(String id) throws Exception {
        if (!Files.isDirectory(PEER_DIR.resolve("node_modules").resolve("ioredis"))) {
            throw new IllegalStateException("bench/peer has no node_modules: run 'npm ci' in bench/peer "
                    + "(bench/run.sh does)");
        }
        int port = LocalRedisServer.freePort();
        ProcessBuilder builder = new ProcessBuilder("node", "server.js").directory(PEER_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(work.resolve("peer.log").toFile());
        builder.environment().putAll(Map.of("PEER_PORT", Integer.toString(port), "REDIS_PORT",
                Integer.toString(redisPort), "API_KEYS", Processes.API_KEY + "=bench"));
        Process peer = builder.start();
        try {
            String peerUrl = "http://127.0.0.1:" + port + "/jobs/" + id;
            String gatewayUrl = a.baseUrl() + "/jobs/" + id;
            awaitListening(peerUrl);
            compareBodies(gatewayUrl, peerUrl);
            String apiKey = "Authorization: Bearer " + Processes.API_KEY;
            String etag = "\"" + GatewayClient.JSON.readTree(get(gatewayUrl).body()).path("version").asText() + "\"";
            List<String> plain = List.of(apiKey);
            List<String> conditional = List.of(apiKey, "If-None-Match: " + etag);
            // V8 compiles the peer's path as the JIT compiles the gateway's: both warm before the rounds.
            wrk.requestsPerSecond(peerUrl, plain, Wrk.WARM_UP_SECONDS);
            wrk.requestsPerSecond(gatewayUrl, plain, Wrk.WARM_UP_SECONDS);
            wrk.requestsPerSecond(gatewayUrl, conditional, Wrk.WARM_UP_SECONDS);
            Side gateway200 = new Side();
            Side peer200 = new Side();
            Side gateway304 = new Side();
            for (int round = 0; round < ROUNDS; round++) {
                gateway200.add(measure(gatewayUrl, plain, a.pid()));
                peer200.add(measure(peerUrl, plain, peer.pid()));
                gateway304.add(measure(gatewayUrl, conditional, a.pid()));
            }
            Side gateway401 = new Side();
            Side peer401 = new Side();
            gateway401.add(measure(gatewayUrl, List.of(), a.pid()));
            peer401.add(measure(peerUrl, List.of(), peer.pid()));
            profile(gatewayUrl, plain, "status-200", "Status read 200 (GET /jobs/{id}, wrk -t2 -c64)");
            profile(gatewayUrl, conditional, "status-304", "Conditional status read 304 (If-None-Match)");
            gateway200.put("peer_gateway_200", results);
            peer200.put("peer_node_200", results);
            gateway304.put("peer_gateway_304", results);
            gateway401.put("peer_gateway_401", results);
            peer401.put("peer_node_401", results);
            results.put("ratio_gateway_200_to_peer_200", Stats.fmt(gateway200.rps() / peer200.rps()) + "x");
            results.put("ratio_gateway_304_to_peer_200", Stats.fmt(gateway304.rps() / peer200.rps()) + "x");
            results.put("ratio_gateway_401_to_peer_401", Stats.fmt(gateway401.rps() / peer401.rps()) + "x");
            results.put("ratio_gateway_cpu_304_to_200", Stats.fmt(gateway304.cpuUs() / gateway200.cpuUs()) + "x");
        } finally {
            peer.destroy();
            if (!peer.waitFor(10, TimeUnit.SECONDS)) {
                peer.destroyForcibly();
            }
        }
    }

    /** One more run of the same load under JFR, summarized into the results file's profiles. */
    private void profile(String url, List<String> headers, String name, String title) throws Exception {
        Profiler profiler = Profiler.start(a.pid(), work, name);
        wrk.measure(url, headers, SECONDS);
        profiler.stop(title, results);
    }

    private Measured measure(String url, List<String> headers, long pid) throws Exception {
        double cpuBefore = CpuTime.ms(pid);
        Wrk.Run run = wrk.measure(url, headers, SECONDS);
        double cpuUs = (CpuTime.ms(pid) - cpuBefore) * 1000 / (run.rps() * SECONDS);
        return new Measured(run, cpuUs);
    }

    /** The gateway's and the peer's answer for the same job, as JSON trees (numbers compared by value). */
    private void compareBodies(String gatewayUrl, String peerUrl) throws Exception {
        String gateway = get(gatewayUrl).body();
        String peer = get(peerUrl).body();
        JsonNode g = GatewayClient.JSON.readTree(gateway);
        JsonNode p = GatewayClient.JSON.readTree(peer);
        Comparator<JsonNode> byValue = (x, y) -> x.equals(y) || x.isNumber() && y.isNumber()
                && x.decimalValue().compareTo(y.decimalValue()) == 0 ? 0 : 1;
        boolean same = g.equals(byValue, p);
        results.put("peer_same_json_as_gateway", (same ? "yes" : "NO") + " (" + gateway.length() + " vs "
                + peer.length() + " bytes)");
        if (!same) {
            results.addToolOutput(List.of("GET", gatewayUrl), gateway);
            results.addToolOutput(List.of("GET", peerUrl), peer);
        }
    }

    private static void awaitListening(String url) {
        await("the Node.js peer started (see peer.log)").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).ignoreExceptionsInstanceOf(java.io.IOException.class)
                .until(() -> {
                    get(url);
                    return true;
                });
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + Processes.API_KEY).build(), HttpResponse.BodyHandlers.ofString());
    }

    private record Measured(Wrk.Run run, double cpuUs) {
    }

    /** One side's rounds: the median round is its figure. */
    private static final class Side {
        private final List<Measured> rounds = new ArrayList<>();

        void add(Measured measured) {
            rounds.add(measured);
        }

        double rps() {
            return Stats.percentile(rounds.stream().mapToDouble(m -> m.run().rps()).toArray(), 50);
        }

        double p99() {
            return Stats.percentile(rounds.stream().mapToDouble(m -> m.run().p99Ms()).toArray(), 50);
        }

        double cpuUs() {
            return Stats.percentile(rounds.stream().mapToDouble(Measured::cpuUs).toArray(), 50);
        }

        void put(String name, Results results) {
            results.put(name + "_rps", Stats.fmt(rps()));
            results.put(name + "_p99_ms", Stats.fmt(p99()));
            results.put(name + "_cpu_us_per_request", Stats.fmt(cpuUs()));
            if (rounds.size() > 1) {
                results.put(name + "_rps_rounds", Arrays.toString(rounds.stream()
                        .mapToLong(m -> Math.round(m.run().rps())).toArray()));
            }
            long non2xx = rounds.stream().mapToLong(m -> m.run().non2xx()).sum();
            if (non2xx > 0) {
                results.put(name + "_non_2xx_3xx", Long.toString(non2xx));
            }
        }
    }
}
