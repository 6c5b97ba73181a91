package dev.jobgateway.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.jobgateway.devservices.LocalRedisServer;
import dev.jobgateway.devservices.simulator.SimulatedAiServer;
import dev.jobgateway.support.GatewayProcess;
import dev.jobgateway.support.S3TestServer;

/**
 * Output storage: the extra time from a job's success to {@code output_storage: stored}, for a 1 MB and a 10 MB
 * output (above the 8 MiB multipart threshold), one job at a time. Its own processes: a gateway with storage on
 * (plain HTTP packaging), its Redis, the simulator serving the files, and S3Proxy (transient backend) as the bucket,
 * all on 127.0.0.1. The time is the gateway's own: {@code updated_at} of the stored version minus
 * {@code completed_at}, so it holds the download from the AI server, the upload and the final Redis step, and none
 * of the client's polling. Runnable alone: {@code main(jar, work)}.
 */
final class OutputStorageScenario {

    private static final String SECRET = Processes.SECRET;
    private static final int JOBS_1_MB = 20;
    private static final int JOBS_10_MB = 10;

    private final Path jar;
    private final Path work;
    private final Results results;

    OutputStorageScenario(Path jar, Path work, Results results) {
        this.jar = jar;
        this.work = work;
        this.results = results;
    }

    public static void main(String[] args) throws Exception {
        Results results = new Results();
        new OutputStorageScenario(Path.of(args[0]), Path.of(args.length > 1 ? args[1] : "target/bench"), results)
                .run();
        for (String name : List.of("output_stored_1mb_ms_p50", "output_stored_1mb_ms_p95", "output_stored_1mb_ms_max",
                "output_stored_10mb_ms_p50", "output_stored_10mb_ms_p95", "output_stored_10mb_ms_max",
                "output_stored_jobs")) {
            System.out.println(name + " = " + results.get(name));
        }
        System.exit(0);
    }

    void run() throws Exception {
        Files.createDirectories(work);
        LocalRedisServer redis = LocalRedisServer.startOnFreePort();
        SimulatedAiServer ai = new SimulatedAiServer(LocalRedisServer.freePort(), SECRET);
        ai.start();
        S3TestServer s3 = S3TestServer.start();
        int port = LocalRedisServer.freePort();
        Map<String, String> env = GatewayProcess.env(redis.uri(), ai.baseUri(), SECRET, Processes.API_KEY + "=bench",
                "http://127.0.0.1:" + port);
        env.put("QUARKUS_LOG_LEVEL", "WARN");
        env.put("GATEWAY_SWEEPER_EVERY", "0");
        s3.gatewaySettings().forEach((name, value) -> env.put(name.toUpperCase().replace('.', '_').replace('-', '_'),
                value));
        env.put("GATEWAY_OUTPUTS_ALLOW_PRIVATE_SOURCES", "true");
        env.put("AWS_ACCESS_KEY_ID", S3TestServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", S3TestServer.SECRET_KEY);
        try (GatewayProcess gateway = GatewayProcess.start(jar, port, env, work.resolve("gateway-outputs.log"),
                List.of("-Xmx512m"))) {
            gateway.awaitReady(Duration.ofSeconds(60));
            GatewayClient client = new GatewayClient();
            // Warm-up: the first copies pay for class loading and the S3 client's start.
            measure(client, gateway, 1_000_000, 5);
            double[] oneMb = measure(client, gateway, 1_000_000, JOBS_1_MB);
            double[] tenMb = measure(client, gateway, 10_000_000, JOBS_10_MB);
            results.putDistribution("output_stored_1mb_ms", oneMb);
            results.putDistribution("output_stored_10mb_ms", tenMb);
            results.put("output_stored_jobs", oneMb.length + " / " + JOBS_1_MB + " (1 MB), " + tenMb.length + " / "
                    + JOBS_10_MB + " (10 MB)");
        } finally {
            s3.close();
            ai.stop();
            redis.stop();
        }
    }

    /** Success-to-stored times in ms, sorted, of {@code jobs} jobs with one output of {@code bytes}. */
    private static double[] measure(GatewayClient client, GatewayProcess gateway, int bytes, int jobs)
            throws Exception {
        List<Double> samples = new ArrayList<>();
        byte[] body = ("{\"input\":{\"prompt\":\"bench\",\"simulate\":{\"duration_ms\":20,\"output_bytes\":" + bytes
                + "}}}").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < jobs; i++) {
            String id = GatewayClient.field(client.send(gateway, "POST", "/jobs", body).get().body(), "id");
            JsonNode job = GatewayClient.JSON.readTree(client.get(gateway, "/jobs/" + id + "?wait=25"));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!job.path("output_storage").asText().equals("stored") && System.nanoTime() < deadline) {
                String version = job.path("version").asText();
                // Held until the next version (the stored one), or 304 with no body after 25 s.
                String answer = client.sendWithHeader(gateway, "/jobs/" + id + "?wait=25", "If-None-Match",
                        "\"" + version + "\"").get().body();
                if (!answer.isEmpty()) {
                    job = GatewayClient.JSON.readTree(answer);
                }
            }
            if (job.path("output_storage").asText().equals("stored")) {
                samples.add((double) Duration.between(Instant.parse(job.path("completed_at").asText()),
                        Instant.parse(job.path("updated_at").asText())).toMillis());
            }
        }
        return samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
}
