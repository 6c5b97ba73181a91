package dev.jobgateway.support;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
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

import dev.jobgateway.devservices.LocalRedisCluster;
import dev.jobgateway.devservices.LocalRedisProvider;

/** One gateway process of the plain HTTP packaging, as a benchmark or integration test starts it. */
public final class GatewayProcess implements AutoCloseable {

    private final int port;
    private final Process process;
    private final long startedNanos;

    private GatewayProcess(int port, Process process, long startedNanos) {
        this.port = port;
        this.process = process;
        this.startedNanos = startedNanos;
    }

    public static GatewayProcess start(Path jar, int port, Map<String, String> env, Path log, List<String> jvmOptions)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.port=" + port);
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Files.createDirectories(log.getParent());
        long started = System.nanoTime();
        return new GatewayProcess(port, builder.start(), started);
    }

    /**
     * The production settings of an instance on local parts: this Redis, this AI server and webhook secret, API
     * keys ({@code key=owner,...}), and the base URL AI servers post webhooks to.
     * <p>
     * In the Redis Cluster tier of the integration tests ({@code jobgateway.local-redis=cluster}), the instance runs on
     * the JVM's shared local cluster instead of {@code redis}, so that tests which speak to Redis only through the
     * gateway run on a cluster unchanged.
     */
    public static Map<String, String> env(URI redis, URI aiServer, String webhookSecret, String apiKeys,
            String publicBaseUrl) {
        if ("cluster".equalsIgnoreCase(System.getProperty(LocalRedisProvider.MODE_PROPERTY))) {
            return env(LocalRedisCluster.shared(), aiServer, webhookSecret, apiKeys, publicBaseUrl);
        }
        return env(redis.toString(), aiServer, webhookSecret, apiKeys, publicBaseUrl);
    }

    /**
     * The same on a Redis Cluster, configured as docs/deploy.md says: its seeds in {@code REDIS_URL}, the cluster
     * client, and no TCP reconnect attempts (with them, every command queued for a dead node's connection pool costs
     * 400 ms before it fails, and one killed master blocked an instance for up to 30 s in the chaos run).
     */
    public static Map<String, String> env(LocalRedisCluster cluster, URI aiServer, String webhookSecret,
            String apiKeys, String publicBaseUrl) {
        Map<String, String> env = env(cluster.hosts(), aiServer, webhookSecret, apiKeys, publicBaseUrl);
        env.put("QUARKUS_REDIS_CLIENT_TYPE", "cluster");
        env.put("QUARKUS_REDIS_TCP_RECONNECT_ATTEMPTS", "0");
        return env;
    }

    private static Map<String, String> env(String redisHosts, URI aiServer, String webhookSecret, String apiKeys,
            String publicBaseUrl) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("REDIS_URL", redisHosts);
        env.put("GATEWAY_PROVIDERS_GENERIC_URL", aiServer.toString());
        env.put("GATEWAY_PROVIDERS_GENERIC_WEBHOOK_SECRETS", webhookSecret);
        env.put("GATEWAY_API_KEYS", apiKeys);
        env.put("GATEWAY_PUBLIC_BASE_URL", publicBaseUrl);
        return env;
    }

    /**
     * {@link #env} with every provider configured against the simulated AI server's dialects: generic (as
     * {@link #env} has it), Replicate and fal with the simulator's credentials, fal's JWKS from the simulator.
     */
    public static Map<String, String> envWithAllProviders(URI redis,
            dev.jobgateway.devservices.simulator.SimulatedAiServer ai, String apiKeys, String publicBaseUrl) {
        var settings = ai.settings();
        Map<String, String> env = env(redis, ai.baseUri(), settings.genericSecret(), apiKeys, publicBaseUrl);
        env.put("GATEWAY_PROVIDERS_REPLICATE_URL", ai.replicateUri().toString());
        env.put("GATEWAY_PROVIDERS_REPLICATE_API_TOKEN", settings.replicateToken());
        env.put("GATEWAY_PROVIDERS_REPLICATE_WEBHOOK_SECRETS", settings.replicateSecret());
        env.put("GATEWAY_PROVIDERS_FAL_URL", ai.falUri().toString());
        env.put("GATEWAY_PROVIDERS_FAL_KEY", settings.falKey());
        env.put("GATEWAY_PROVIDERS_FAL_WEBHOOK_USER_ID", settings.falUserId());
        env.put("GATEWAY_PROVIDERS_FAL_JWKS_URL", ai.falJwksUri().toString());
        env.put("GATEWAY_PROVIDERS_COMFYUI_URL", ai.comfyuiUri().toString());
        env.put("GATEWAY_PROVIDERS_RUNPOD_URL", ai.runpodUri().toString());
        env.put("GATEWAY_PROVIDERS_RUNPOD_API_KEY", settings.runpodKey());
        env.put("GATEWAY_PROVIDERS_RUNPOD_ENDPOINT_ID", "it-endpoint");
        env.put("GATEWAY_PROVIDERS_COG_URL", ai.cogUri().toString());
        if (settings.cogWebhookToken() != null) {
            env.put("GATEWAY_PROVIDERS_COG_WEBHOOK_AUTH_TOKEN", settings.cogWebhookToken());
        }
        return env;
    }

    /** Waits for readiness and returns the time from process start to the first answered request. */
    public Duration awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long[] readyAt = new long[1];
        // Polled often: the time to the first answer is what start-up measurements report.
        await("gateway on port " + port + " ready").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(10)).until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(
                                "gateway on port " + port + " exited with " + process.exitValue());
                    }
                    try {
                        if (client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                            return false;
                        }
                    } catch (IOException notYet) {
                        return false; // not listening yet
                    }
                    readyAt[0] = System.nanoTime();
                    return true;
                });
        return Duration.ofNanos(readyAt[0] - startedNanos);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /** Resident set size in KiB, from /proc. */
    public long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap in use after a full GC, in KiB, from {@code jcmd}. */
    public long heapUsedAfterGcKiB() throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        run(jcmd, Long.toString(pid()), "GC.run");
        String info = run(jcmd, Long.toString(pid()), "GC.heap_info");
        long used = 0;
        for (String line : info.split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(line);
            if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
                used += Long.parseLong(m.group(1));
                break;
            }
        }
        return used;
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    public int port() {
        return port;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Freezes the process (SIGSTOP), as Lambda freezes an idle instance: no thread runs, no socket is closed. */
    public void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** Lets a frozen process run again (SIGCONT), as a Lambda thaw: its overdue timers fire first. */
    public void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).start();
        if (!kill.waitFor(5, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + pid() + " failed");
        }
    }

    /** Ends the process at once (SIGKILL), as a crash or a killed Lambda instance: nothing is finished or flushed. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static File devNull() {
        return new File("/dev/null");
    }
}
